using System.Diagnostics;
using System.Globalization;
using System.Text;
using CudaTensor.Native;

namespace CudaTensor.Distributed;

/// <summary>
/// An MPI communicator of one process group, and the bookkeeping that turns a hang into a clear error. Each rank counts
/// the collectives it has entered. A second communicator (a duplicate, so its messages never match the collectives')
/// carries timeout queries: a rank whose collective timed out asks every other rank how many collectives it has
/// entered; each rank's progress thread answers, whatever its main thread is doing. Ranks that answer with a smaller
/// count, or do not answer within the grace period, are the ones that did not arrive.
/// </summary>
internal sealed class MpiCommunicator : IDisposable
{
    private const int QueryTag = 7001, ReplyTag = 7002;
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    private readonly bool _ownsComm;
    private readonly Lock _answerGate = new();
    private long _entered;
    private int _lastCollective = -1;
    private long _queries;
    private string? _broken;

    public MpiCommunicator(IntPtr comm, bool ownsComm, string name)
    {
        Comm = comm;
        _ownsComm = ownsComm;
        Name = name;
        Mpi.SetErrorsReturn(comm);
        Side = Mpi.CommDup(comm);
        Mpi.SetErrorsReturn(Side);
        Rank = Mpi.CommRank(comm);
        Size = Mpi.CommSize(comm);
        Worker = new MpiWorker(comm);
        MpiRuntime.Progress.Register(this);
    }

    public IntPtr Comm { get; private set; }

    public IntPtr Side { get; private set; }

    public int Rank { get; }

    public int Size { get; }

    public string Name { get; }

    /// <summary>Counts a collective this rank enters and returns its number (1, 2, ...).</summary>
    public long Enter(string collective)
    {
        if (_broken is not null)
            throw new InvalidOperationException($"{collective}: process group {Name} can no longer be used: {_broken} "
                + "The ranks' collectives are out of step; create a new group or restart the job.");
        Volatile.Write(ref _lastCollective, CollectiveNames.IndexOf(collective));
        return Interlocked.Increment(ref _entered);
    }

    /// <summary>The thread (and communicator) for large collectives.</summary>
    public MpiWorker Worker { get; }

    private int _inFlight;

    /// <summary>Counts an operation that uses this communicator until <see cref="OperationEnded"/>.</summary>
    public void OperationStarted() => Interlocked.Increment(ref _inFlight);

    /// <summary>An operation completed (its MPI request or blocking call returned).</summary>
    public void OperationEnded() => Interlocked.Decrement(ref _inFlight);

    /// <summary>How many collectives this rank has entered.</summary>
    public long Entered => Interlocked.Read(ref _entered);

    /// <summary>Called by the progress thread: answers the timeout queries other ranks sent.</summary>
    public void AnswerQueries()
    {
        if (Side == 0) return;
        lock (_answerGate)
        {
            Span<long> query = stackalloc long[2];
            Span<long> reply = stackalloc long[3];
            while (Mpi.Iprobe(Mpi.AnySource, QueryTag, Side, out MpiStatus status))
            {
                unsafe
                {
                    fixed (long* q = query)
                    fixed (long* r = reply)
                    {
                        Mpi.Recv((IntPtr)q, 2, Mpi.Datatype(MpiDatatype.Int64), status.Source, QueryTag, Side);
                        r[0] = q[0];
                        r[1] = Interlocked.Read(ref _entered);
                        r[2] = Volatile.Read(ref _lastCollective);
                        // 24 bytes go eagerly: the send returns without waiting for the asking rank to receive.
                        Mpi.Send((IntPtr)r, 3, Mpi.Datatype(MpiDatatype.Int64), status.Source, ReplyTag, Side);
                    }
                }
            }
        }
    }

    /// <summary>Builds the timeout error: asks the other ranks where they are and names those that did not arrive.</summary>
    public DistributedTimeoutException TimedOut(string collective, long sequence, TimeSpan waited, int? peer)
    {
        long id = (Interlocked.Increment(ref _queries) << 20) | (uint)Rank;
        var answers = AskOthers(id);
        var missing = new List<int>();
        var details = new StringBuilder();
        // A receive from any sender (peer -1) asks everyone, as a collective does.
        if (peer < 0) peer = null;
        IEnumerable<int> asked = peer is int p ? [p] : Enumerable.Range(0, Size).Where(r => r != Rank);
        foreach (int r in asked)
        {
            if (!answers.TryGetValue(r, out var answer))
            {
                missing.Add(r);
                details.Append(CultureInfo.InvariantCulture, $" rank {r} did not answer within {Grace.TotalSeconds:0} s (it may have exited, crashed or be stuck outside the library);");
            }
            else if (peer is null && answer.Entered < sequence)
            {
                missing.Add(r);
                string last = answer.Entered == 0 ? "no collective yet"
                    : $"collective #{answer.Entered} ({CollectiveName(answer.Last)})";
                details.Append(CultureInfo.InvariantCulture, $" rank {r} is at {last};");
            }
            else if (peer is not null)
            {
                missing.Add(r);
                details.Append(CultureInfo.InvariantCulture, $" rank {r} did not post the matching {(collective == "Send" ? "Recv" : "Send")} (it has entered {answer.Entered} collective(s));");
            }
        }
        string what = peer is null ? $"collective #{sequence} ({collective})" : $"{collective} with rank {peer}";
        string who = missing.Count == 0
            ? "every rank has entered it; the collective itself is stuck (a network or MPI problem)"
            : $"rank(s) {string.Join(", ", missing)} did not arrive:{details.ToString().TrimEnd(';')}";
        _broken = $"{collective} timed out.";
        return new DistributedTimeoutException(
            string.Create(CultureInfo.InvariantCulture,
                $"{collective} timed out after {waited.TotalSeconds:0.###} s on rank {Rank} of {Size} in process group {Name}, at {what}: {who}. ")
                + "Every rank must call the same collectives in the same order; raise the timeout with ProcessGroupOptions.Timeout or "
                + $"{ProcessGroupOptions.TimeoutVariable} if a rank is only slow, and set {ProcessGroupOptions.DebugVariable}=1 to check each call's arguments.",
            collective, Rank, missing);
    }

    private Dictionary<int, (long Entered, int Last)> AskOthers(long id)
    {
        var answers = new Dictionary<int, (long, int)>();
        if (Size == 1) return answers;
        long[] query = GC.AllocateArray<long>(2, pinned: true);
        long[] replies = GC.AllocateArray<long>(3 * Size, pinned: true);
        var requests = new IntPtr[Size];
        query[0] = id;
        query[1] = Interlocked.Read(ref _entered);
        unsafe
        {
            fixed (long* q = query)
            fixed (long* rep = replies)
            {
                IntPtr int64 = Mpi.Datatype(MpiDatatype.Int64);
                for (int r = 0; r < Size; r++)
                {
                    if (r == Rank) continue;
                    Mpi.Send((IntPtr)q, 2, int64, r, QueryTag, Side);
                    requests[r] = Mpi.Irecv((IntPtr)(rep + (3 * r)), 3, int64, r, ReplyTag, Side);
                }
                var clock = Stopwatch.StartNew();
                while (clock.Elapsed < Grace && answers.Count < Size - 1)
                {
                    for (int r = 0; r < Size; r++)
                    {
                        if (r == Rank || requests[r] == 0 || answers.ContainsKey(r)) continue;
                        if (!Mpi.Test(ref requests[r], out _)) continue;
                        requests[r] = 0;
                        if (rep[3 * r] == id)
                            answers[r] = (rep[(3 * r) + 1], (int)rep[(3 * r) + 2]);
                        else // an answer to an older query: listen again
                            requests[r] = Mpi.Irecv((IntPtr)(rep + (3 * r)), 3, int64, r, ReplyTag, Side);
                    }
                    Thread.Sleep(1);
                }
                for (int r = 0; r < Size; r++)
                {
                    if (requests[r] != 0) Mpi.CancelNoThrow(requests[r]);
                }
            }
        }
        return answers;
    }

    private static string CollectiveName(int index) => index >= 0 && index < CollectiveNames.Count ? CollectiveNames[index] : "unknown";

    /// <summary>The collectives, by the index a timeout reply carries.</summary>
    private static readonly List<string> CollectiveNames =
        ["AllReduce", "Broadcast", "Reduce", "AllGather", "ReduceScatter", "Gather", "Scatter", "AllToAll", "Barrier", "Send", "Recv", "NcclInit"];

    public void Dispose()
    {
        MpiRuntime.Progress.Unregister(this);
        Worker.Dispose();
        lock (_answerGate)
        {
            // A request abandoned after a timeout may still be pending on these communicators, and Open MPI's
            // nonblocking collectives touch their communicator when they progress: such communicators are left alone
            // (the group was unusable anyway), never freed under a pending request.
            if (Side != 0 && !Mpi.Finalized() && Volatile.Read(ref _inFlight) == 0)
            {
                Mpi.CommFree(Side);
                if (_ownsComm) Mpi.CommFree(Comm);
            }
            Side = 0;
            Comm = 0;
        }
    }
}

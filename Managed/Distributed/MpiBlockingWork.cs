using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using CudaTensor.Native;

namespace CudaTensor.Distributed;

/// <summary>
/// A large collective run by a blocking MPI call on the communicator's worker thread (see <see cref="MpiWorker"/>).
/// The caller, or <see cref="Work.Wait()"/>, waits for it with the group's timeout; on timeout the worker stays inside
/// MPI and the group is unusable, as with an abandoned nonblocking request.
/// </summary>
internal sealed class MpiBlockingWork : Work
{
    private readonly MpiCommunicator _communicator;
    private readonly Action _run;
    private readonly Action? _finish;
    private readonly IDisposable? _buffers;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ExceptionDispatchInfo? _error;
    private int _abandoned;

    public MpiBlockingWork(MpiCommunicator communicator, string collective, long sequence, Action run, Action? finish, IDisposable? buffers, TimeSpan timeout)
    {
        _communicator = communicator;
        Collective = collective;
        Sequence = sequence;
        _run = run;
        _finish = finish;
        _buffers = buffers;
        Timeout = timeout;
    }

    public string Collective { get; }

    public long Sequence { get; }

    public TimeSpan Timeout { get; }

    public override bool IsCompleted => _done.Task.IsCompleted;

    private protected override TimeSpan DefaultTimeout => Timeout;

    /// <summary>Runs on the worker thread: the blocking call, then the host step.</summary>
    public void Execute()
    {
        try
        {
            _run();
            if (Volatile.Read(ref _abandoned) == 0)
            {
                using (Autograd.NoGrad()) _finish?.Invoke();
            }
        }
        catch (Exception e) when (e is MpiException or InvalidOperationException or ArgumentException)
        {
            _error = ExceptionDispatchInfo.Capture(e);
        }
        _buffers?.Dispose();
        if (Volatile.Read(ref _abandoned) != 0) MpiRuntime.Progress.Forget();
        _done.TrySetResult();
    }

    public override void Wait(TimeSpan timeout)
    {
        // The waiter polls with yields, as MPI's own blocking calls do: it gives the core to the worker (and anyone
        // else) whenever they can run, and sees the completion without a wake-up's latency.
        long start = Stopwatch.GetTimestamp();
        bool limited = timeout != System.Threading.Timeout.InfiniteTimeSpan;
        var spin = new SpinWait();
        while (!_done.Task.IsCompleted)
        {
            if (limited && Stopwatch.GetElapsedTime(start) > timeout) TimedOut(Stopwatch.GetElapsedTime(start));
            spin.SpinOnce(sleep1Threshold: -1);
        }
        _error?.Throw();
    }

    [DoesNotReturn]
    private void TimedOut(TimeSpan waited)
    {
        if (Interlocked.Exchange(ref _abandoned, 1) == 0) MpiRuntime.Progress.Remember();
        throw _communicator.TimedOut(Collective, Sequence, waited, null);
    }
}

/// <summary>
/// The thread that runs a communicator's large collectives with MPI's blocking calls, in the order they were issued.
/// Open MPI's blocking collectives use its tuned algorithms (coll/tuned), which moved 256 KiB to 16 MiB about twice as
/// fast as the nonblocking ones (coll/libnbc) in docs/benchmarks.md; running them here keeps the caller free (async
/// work overlaps computation) and lets the caller's wait time out. The worker has its own duplicate communicator, so
/// its order of collectives is independent of the small ones issued on the calling thread.
/// </summary>
internal sealed class MpiWorker : IDisposable
{
    private readonly System.Collections.Concurrent.BlockingCollection<MpiBlockingWork> _queue = [];
    private readonly Thread _thread;

    public MpiWorker(IntPtr parent)
    {
        Comm = Mpi.CommDup(parent);
        Mpi.SetErrorsReturn(Comm);
        _thread = new Thread(Run) { IsBackground = true, Name = "CudaTensor MPI collectives" };
        _thread.Start();
    }

    /// <summary>The worker's communicator.</summary>
    public IntPtr Comm { get; private set; }

    public void Enqueue(MpiBlockingWork work) => _queue.Add(work);

    private void Run()
    {
        foreach (MpiBlockingWork work in _queue.GetConsumingEnumerable()) work.Execute();
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        // A worker stuck in a collective whose peers never came cannot be joined: it is a background thread and keeps
        // its queue and communicator (it finishes on its own if the peers arrive after all).
        if (!_thread.Join(TimeSpan.FromSeconds(1))) return;
        if (Comm != 0 && !Mpi.Finalized())
        {
            Mpi.CommFree(Comm);
            Comm = 0;
        }
        _queue.Dispose();
    }
}

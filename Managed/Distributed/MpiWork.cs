using System.Diagnostics;
using CudaTensor.Native;

namespace CudaTensor.Distributed;

/// <summary>
/// One nonblocking MPI request. Exactly one thread polls it: the caller for a blocking collective, the progress thread
/// for an async one.
/// </summary>
internal sealed class MpiWork : MpiOperation
{
    private IntPtr _request;

    public MpiWork(MpiCommunicator communicator, string collective, long sequence, IntPtr request, Action? finish, IDisposable? buffers, TimeSpan timeout)
        : base(communicator, collective, sequence, finish, buffers, timeout)
    {
        _request = request;
    }

    /// <summary>The peer of a point-to-point operation (null for collectives), for the timeout message.</summary>
    public int? Peer { get; init; }

    /// <summary>The sender of a completed receive.</summary>
    public int Source { get; private set; } = -1;

    /// <summary>Tests the request once; on completion runs the host step and releases the buffers. True when done.</summary>
    public bool Poll()
    {
        if (IsCompleted) return true;
        try
        {
            if (!Mpi.Test(ref _request, out MpiStatus status)) return false;
            Source = status.Source;
        }
        catch (Exception e) when (IsMpiError(e))
        {
            Complete(e);
            return true;
        }
        Complete(null);
        return true;
    }

    /// <summary>
    /// Blocking form: the caller polls MPI_Test back to back, as MPI's own blocking calls poll their progress engine
    /// (which yields the core by itself when mpirun oversubscribes it); no hand-off to another thread, so small
    /// messages cost what MPI costs.
    /// </summary>
    public void WaitInline()
    {
        long start = Stopwatch.GetTimestamp();
        bool limited = Timeout != System.Threading.Timeout.InfiniteTimeSpan;
        while (!Poll())
        {
            if (limited && Stopwatch.GetElapsedTime(start) > Timeout) Abandon(Stopwatch.GetElapsedTime(start));
        }
        ThrowIfFailed();
    }

    public override void Wait(TimeSpan timeout)
    {
        if (!IsCompleted)
        {
            // The progress thread completes the work; it polls without pauses while someone waits.
            using (MpiRuntime.Progress.Waiting())
            {
                if (!SpinUntilDone(timeout, out TimeSpan waited)) Abandon(waited);
            }
        }
        ThrowIfFailed();
    }

    // The request cannot be cancelled (MPI has no cancel for collectives): the progress thread keeps testing it, so that
    // its buffers are released if the peers arrive after all, and exit does not hang on it.
    private void Abandon(TimeSpan waited) => TimedOut(waited, Peer, () => MpiRuntime.Progress.Abandon(this));
}

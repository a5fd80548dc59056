using CudaTensor.Native;

namespace CudaTensor.Distributed;

/// <summary>
/// A large collective run by a blocking MPI call on the communicator's worker thread (see <see cref="MpiWorker"/>).
/// The caller, or <see cref="Work.Wait()"/>, waits for it with the group's timeout; on timeout the worker stays inside
/// MPI and the group is unusable, as with an abandoned nonblocking request.
/// </summary>
internal sealed class MpiBlockingWork : MpiOperation
{
    private readonly Action _run;

    public MpiBlockingWork(MpiCommunicator communicator, string collective, long sequence, Action run, Action? finish, IDisposable? buffers, TimeSpan timeout)
        : base(communicator, collective, sequence, finish, buffers, timeout)
    {
        _run = run;
    }

    /// <summary>Runs on the worker thread: the blocking call, then the host step.</summary>
    public void Execute()
    {
        Exception? failure = null;
        try
        {
            _run();
        }
        catch (Exception e) when (IsMpiError(e))
        {
            failure = e;
        }
        bool abandoned = IsAbandoned;
        Complete(failure);
        if (abandoned) MpiRuntime.Progress.Forget();
    }

    // The waiter polls with yields, as MPI's own blocking calls do: it gives the core to the worker (and anyone else)
    // whenever they can run, and sees the completion without a wake-up's latency.
    public override void Wait(TimeSpan timeout)
    {
        if (!SpinUntilDone(timeout, out TimeSpan waited)) TimedOut(waited, null, MpiRuntime.Progress.Remember);
        ThrowIfFailed();
    }
}

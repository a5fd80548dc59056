namespace CudaTensor.Distributed;

/// <summary>
/// A collective or point-to-point operation started by an <c>...Async</c> method of <see cref="ProcessGroup"/>
/// (PyTorch's <c>Work</c>, returned by <c>async_op=True</c>). The tensors it reads or writes must not be used until
/// <see cref="Wait()"/> returns; errors of the operation surface there.
/// </summary>
public abstract class Work
{
    private protected Work()
    {
    }

    /// <summary>
    /// True once the operation finished and its results are in the tensors (for CUDA tensors: once the GPU finished
    /// it). Never blocks; an operation that failed counts as completed, and <see cref="Wait()"/> throws its error.
    /// </summary>
    public abstract bool IsCompleted { get; }

    /// <summary>
    /// Waits for the operation, up to the group's timeout. For CPU tensors the results are in place when this returns;
    /// for CUDA tensors the current stream is ordered after the communication (no host synchronization).
    /// </summary>
    /// <exception cref="DistributedTimeoutException">The other ranks did not arrive within the timeout.</exception>
    /// <exception cref="Native.MpiException">MPI reported an error.</exception>
    /// <exception cref="Native.NcclException">NCCL reported an error.</exception>
    public void Wait() => Wait(DefaultTimeout);

    /// <summary>Waits for the operation, up to <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/>: forever).</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <exception cref="DistributedTimeoutException">The other ranks did not arrive within the timeout.</exception>
    public abstract void Wait(TimeSpan timeout);

    /// <summary>The group's timeout, used by <see cref="Wait()"/>.</summary>
    private protected abstract TimeSpan DefaultTimeout { get; }
}

/// <summary>An operation that had nothing to do (a group of one, an empty tensor): complete from the start.</summary>
internal sealed class CompletedWork : Work
{
    public static readonly CompletedWork Instance = new();

    public override bool IsCompleted => true;

    public override void Wait(TimeSpan timeout)
    {
    }

    private protected override TimeSpan DefaultTimeout => TimeSpan.Zero;
}

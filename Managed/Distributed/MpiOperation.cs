using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using CudaTensor.Native;

namespace CudaTensor.Distributed;

/// <summary>
/// What the two MPI engines' work items share: the collective's name and number (for the timeout report), the host
/// step after completion (copying staged results back, dividing for Avg), the staged buffers released at the end, and
/// the completion that <see cref="Work.Wait()"/> watches. A work item abandoned after a timeout skips the host step
/// (its caller was told it failed) but still releases the buffers when MPI is done with them.
/// </summary>
internal abstract class MpiOperation : Work
{
    private readonly Action? _finish;
    private readonly IDisposable? _buffers;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ExceptionDispatchInfo? _error;
    private int _abandoned;

    private protected MpiOperation(MpiCommunicator communicator, string collective, long sequence, Action? finish, IDisposable? buffers, TimeSpan timeout)
    {
        Communicator = communicator;
        Collective = collective;
        Sequence = sequence;
        _finish = finish;
        _buffers = buffers;
        Timeout = timeout;
        communicator.OperationStarted();
    }

    public MpiCommunicator Communicator { get; }

    public string Collective { get; }

    public long Sequence { get; }

    public TimeSpan Timeout { get; }

    public override bool IsCompleted => _done.Task.IsCompleted;

    private protected override TimeSpan DefaultTimeout => Timeout;

    private protected bool IsAbandoned => Volatile.Read(ref _abandoned) != 0;

    /// <summary>Ends the operation: the host step (unless it failed or was abandoned), then the buffers, then the completion.</summary>
    private protected void Complete(Exception? failure)
    {
        if (failure is null && !IsAbandoned)
        {
            try
            {
                using (Autograd.NoGrad()) _finish?.Invoke();
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or ObjectDisposedException)
            {
                failure = e;
            }
        }
        if (failure is not null) _error = ExceptionDispatchInfo.Capture(failure);
        _buffers?.Dispose();
        Communicator.OperationEnded();
        _done.TrySetResult();
    }

    /// <summary>Rethrows the operation's error on the waiting thread.</summary>
    private protected void ThrowIfFailed() => _error?.Throw();

    /// <summary>Marks the operation abandoned (once) and throws the timeout error, after asking the other ranks where they are.</summary>
    [DoesNotReturn]
    private protected void TimedOut(TimeSpan waited, int? peer, Action onFirstAbandon)
    {
        if (Interlocked.Exchange(ref _abandoned, 1) == 0) onFirstAbandon();
        throw Communicator.TimedOut(Collective, Sequence, waited, peer);
    }

    /// <summary>Waits for the completion without blocking in the kernel, as MPI's blocking calls do.</summary>
    private protected bool SpinUntilDone(TimeSpan timeout, out TimeSpan waited)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        bool limited = timeout != System.Threading.Timeout.InfiniteTimeSpan;
        var spin = new SpinWait();
        while (!_done.Task.IsCompleted)
        {
            if (limited && System.Diagnostics.Stopwatch.GetElapsedTime(start) > timeout)
            {
                waited = System.Diagnostics.Stopwatch.GetElapsedTime(start);
                return false;
            }
            spin.SpinOnce(sleep1Threshold: -1);
        }
        waited = System.Diagnostics.Stopwatch.GetElapsedTime(start);
        return true;
    }

    /// <summary>Whether an error is an MPI status (caught and surfaced on Wait) rather than a bug.</summary>
    private protected static bool IsMpiError(Exception e) => e is MpiException;
}

namespace CudaTensor.Distributed;

/// <summary>An operation followed by a host step (copying a gathered buffer into a list): the step runs once, after the operation.</summary>
internal sealed class ThenWork : Work
{
    private readonly Work _inner;
    private Action? _then;

    public ThenWork(Work inner, Action then)
    {
        _inner = inner;
        _then = then;
        if (inner.IsCompleted) RunThen();
    }

    public override bool IsCompleted
    {
        get
        {
            if (!_inner.IsCompleted) return false;
            // The results are only in place after the step: run it here if nobody waited yet.
            _inner.Wait(TimeSpan.Zero);
            RunThen();
            return true;
        }
    }

    private protected override TimeSpan DefaultTimeout => System.Threading.Timeout.InfiniteTimeSpan;

    public override void Wait(TimeSpan timeout)
    {
        if (timeout == System.Threading.Timeout.InfiniteTimeSpan) _inner.Wait();
        else _inner.Wait(timeout);
        RunThen();
    }

    private void RunThen()
    {
        Interlocked.Exchange(ref _then, null)?.Invoke();
    }
}

using System.Diagnostics;

namespace CudaTensor.Distributed;

/// <summary>
/// An NCCL operation queued on the communication stream: complete when its end event is. <see cref="Wait(TimeSpan)"/>
/// orders the caller's current stream after it (no host synchronization) and then runs the host step (copying a
/// staged result back, on the compute stream). The timeout watches the end event; on timeout the communicator is
/// aborted, as NCCL's kernels would otherwise spin forever.
/// </summary>
internal sealed class NcclWork : Work
{
    private readonly NcclCommunicator _nccl;
    private readonly MpiCommunicator _mpi;
    private readonly CudaEvent _end;
    private readonly string _collective;
    private readonly long _sequence;
    private readonly TimeSpan _timeout;
    private Action? _then;

    public NcclWork(NcclCommunicator nccl, MpiCommunicator mpi, string collective, long sequence, TimeSpan timeout, Action? then)
    {
        _nccl = nccl;
        _mpi = mpi;
        _collective = collective;
        _sequence = sequence;
        _timeout = timeout;
        _then = then;
        _end = _nccl.Stream.RecordEvent();
    }

    public override bool IsCompleted
    {
        get
        {
            _nccl.CheckAsyncError(_collective);
            return _end.IsComplete;
        }
    }

    private protected override TimeSpan DefaultTimeout => _timeout;

    /// <summary>The blocking form: order the compute stream after the collective, no host wait.</summary>
    public void Complete()
    {
        Cuda.CurrentStream(_nccl.Device).Wait(_end);
        Interlocked.Exchange(ref _then, null)?.Invoke();
        _end.Dispose();
    }

    public override void Wait(TimeSpan timeout)
    {
        // Watch the event from the host only as long as it is not complete and a timeout applies; the stream order
        // below is what makes the results visible to later kernels.
        if (timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            var clock = Stopwatch.StartNew();
            var spin = new SpinWait();
            while (!IsCompleted)
            {
                if (clock.Elapsed > timeout)
                {
                    var error = _mpi.TimedOut(_collective, _sequence, clock.Elapsed, null);
                    _nccl.Abort();
                    throw error;
                }
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }
        Complete();
    }
}

using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using CudaTensor.Native;

namespace CudaTensor.Distributed;

/// <summary>
/// One MPI request and what to do when it completes (copy staged results back, divide for Avg, release the buffers).
/// Exactly one thread polls a request: the caller for a blocking collective, the progress thread for an async one.
/// </summary>
internal sealed class MpiWork : Work
{
    private readonly MpiCommunicator _communicator;
    private readonly Action? _finish;
    private readonly IDisposable? _buffers;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IntPtr _request;
    private ExceptionDispatchInfo? _error;
    private int _state; // 0 pending, 1 done, 2 abandoned

    public MpiWork(MpiCommunicator communicator, string collective, long sequence, IntPtr request, Action? finish, IDisposable? buffers, TimeSpan timeout)
    {
        _communicator = communicator;
        Collective = collective;
        Sequence = sequence;
        _request = request;
        _finish = finish;
        _buffers = buffers;
        Timeout = timeout;
    }

    public string Collective { get; }

    public long Sequence { get; }

    public TimeSpan Timeout { get; }

    /// <summary>The peer of a point-to-point operation (null for collectives), for the timeout message.</summary>
    public int? Peer { get; init; }

    /// <summary>The sender of a completed receive.</summary>
    public int Source { get; private set; } = -1;

    public override bool IsCompleted => _done.Task.IsCompleted;

    private protected override TimeSpan DefaultTimeout => Timeout;

    /// <summary>Tests the request once; on completion runs the finisher and releases the buffers. True when done.</summary>
    public bool Poll()
    {
        if (_done.Task.IsCompleted) return true;
        try
        {
            if (!Mpi.Test(ref _request, out MpiStatus status)) return false;
            Source = status.Source;
            if (Volatile.Read(ref _state) == 0)
            {
                using (Autograd.NoGrad()) _finish?.Invoke();
            }
        }
        catch (Exception e) when (e is MpiException or InvalidOperationException or ArgumentException)
        {
            _error = ExceptionDispatchInfo.Capture(e);
        }
        _buffers?.Dispose();
        Volatile.Write(ref _state, Math.Max(Volatile.Read(ref _state), 1));
        _done.TrySetResult();
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
            if (limited && Stopwatch.GetElapsedTime(start) > Timeout)
            {
                TimedOut(Stopwatch.GetElapsedTime(start));
            }
        }
        _error?.Throw();
    }

    public override void Wait(TimeSpan timeout)
    {
        if (!_done.Task.IsCompleted)
        {
            var clock = Stopwatch.StartNew();
            using (MpiRuntime.Progress.Waiting())
            {
                // The progress thread completes the work: watch for it briefly before sleeping on it (a wake-up costs
                // more than a short message takes).
                var spin = new SpinWait();
                while (!_done.Task.IsCompleted && clock.ElapsedTicks < Stopwatch.Frequency / 5000 && !spin.NextSpinWillYield) spin.SpinOnce();
                if (!_done.Task.Wait(timeout)) TimedOut(clock.Elapsed);
            }
        }
        _error?.Throw();
    }

    [DoesNotReturn]
    private void TimedOut(TimeSpan waited)
    {
        // The request cannot be cancelled (MPI has no cancel for collectives): the progress thread keeps testing it,
        // so that its buffers are released if the peers arrive after all, and exit does not hang on it.
        if (Interlocked.CompareExchange(ref _state, 2, 0) == 0) MpiRuntime.Progress.Abandon(this);
        throw _communicator.TimedOut(Collective, Sequence, waited, Peer);
    }
}

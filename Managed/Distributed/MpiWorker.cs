using CudaTensor.Native;

namespace CudaTensor.Distributed;

/// <summary>
/// The thread that runs a communicator's large collectives with MPI's blocking calls, in the order they were issued.
/// Open MPI's blocking collectives use its tuned algorithms (coll/tuned), which were faster than the nonblocking ones
/// (coll/libnbc) at every size measured in docs/benchmarks.md (4 KiB: 3.9 us against 13.6 us; 64 KiB to 16 MiB up to 2x); running them here keeps the caller free (async
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

    // After each collective the worker watches the queue briefly before sleeping on it: collectives come in bursts
    // (a training step's buckets), and a wake-up costs more than a small all-reduce.
    private void Run()
    {
        while (!_queue.IsCompleted)
        {
            var spin = new SpinWait();
            MpiBlockingWork? work;
            while (!_queue.TryTake(out work) && !spin.NextSpinWillYield) spin.SpinOnce();
            if (work is null && !_queue.TryTake(out work, System.Threading.Timeout.Infinite)) break;
            work.Execute();
        }
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

using System.Diagnostics;

namespace CudaTensor.Distributed;

/// <summary>
/// The thread that makes nonblocking MPI collectives move while the program computes. Open MPI advances a
/// nonblocking collective only inside MPI calls (its <c>libnbc</c> schedules run from the progress engine), so a
/// request started with MPI_Iallreduce and never tested until <c>Wait</c> would do its work only in <c>Wait</c>. This
/// thread tests every pending request: while a caller waits it polls back to back; otherwise it yields between polls
/// and sleeps 1 ms after a few empty rounds, so that it takes little from the compute threads. It also answers the
/// timeout queries of other ranks (<see cref="MpiCommunicator"/>) and drains requests abandoned after a timeout.
/// </summary>
internal sealed class MpiProgress : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<MpiWork> _pending = [];
    private readonly List<MpiWork> _abandoned = [];
    private readonly List<MpiCommunicator> _communicators = [];
    private readonly AutoResetEvent _wake = new(false);
    private Thread? _thread;
    private volatile bool _stopping;
    private int _waiters;

    private int _stuckBlocking;

    /// <summary>Abandoned requests and blocking calls still inside MPI.</summary>
    public int AbandonedCount
    {
        get { lock (_gate) return _abandoned.Count + Volatile.Read(ref _stuckBlocking); }
    }

    /// <summary>A blocking collective on a worker thread was abandoned after a timeout.</summary>
    public void Remember() => Interlocked.Increment(ref _stuckBlocking);

    /// <summary>An abandoned blocking collective completed after all.</summary>
    public void Forget() => Interlocked.Decrement(ref _stuckBlocking);

    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "CudaTensor MPI progress" };
        _thread.Start();
    }

    /// <summary>Stops the thread after abandoned requests drained (or <paramref name="drainTimeout"/> passed); true when drained.</summary>
    public bool Stop(TimeSpan drainTimeout)
    {
        var clock = Stopwatch.StartNew();
        while (AbandonedCount > 0 && clock.Elapsed < drainTimeout) Thread.Sleep(10);
        bool drained = AbandonedCount == 0;
        _stopping = true;
        _wake.Set();
        _thread?.Join();
        return drained;
    }

    public void Dispose() => _wake.Dispose();

    public void Register(MpiCommunicator communicator)
    {
        lock (_gate) _communicators.Add(communicator);
    }

    public void Unregister(MpiCommunicator communicator)
    {
        lock (_gate) _communicators.Remove(communicator);
    }

    public void Add(MpiWork work)
    {
        lock (_gate) _pending.Add(work);
        _wake.Set();
    }

    /// <summary>A request whose waiter gave up: keep testing it so that its buffers are released once the peers arrive.</summary>
    public void Abandon(MpiWork work)
    {
        lock (_gate) _abandoned.Add(work);
        _wake.Set();
    }

    /// <summary>A thread is blocked in Work.Wait: poll without pauses until it leaves.</summary>
    public IDisposable Waiting()
    {
        Interlocked.Increment(ref _waiters);
        _wake.Set();
        return new WaiterScope(this);
    }

    private sealed class WaiterScope(MpiProgress owner) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) Interlocked.Decrement(ref owner._waiters);
        }
    }

    private void Run()
    {
        var work = new List<MpiWork>();
        var communicators = new List<MpiCommunicator>();
        var sinceQueries = Stopwatch.StartNew();
        int idleRounds = 0;
        while (!_stopping)
        {
            work.Clear();
            lock (_gate)
            {
                work.AddRange(_pending);
                work.AddRange(_abandoned);
            }
            bool progressed = false;
            foreach (MpiWork w in work)
            {
                if (!w.Poll()) continue;
                progressed = true;
                lock (_gate)
                {
                    _pending.Remove(w);
                    _abandoned.Remove(w);
                }
            }
            // Timeout queries from other ranks are rare; every millisecond is often enough.
            if (sinceQueries.ElapsedMilliseconds >= 1)
            {
                communicators.Clear();
                lock (_gate) communicators.AddRange(_communicators);
                foreach (MpiCommunicator c in communicators) c.AnswerQueries();
                sinceQueries.Restart();
            }
            if (work.Count == 0)
            {
                idleRounds = 0;
                _wake.WaitOne(1);
            }
            else if (progressed || Volatile.Read(ref _waiters) > 0)
            {
                idleRounds = 0;
            }
            else if (++idleRounds < 64)
            {
                Thread.Yield();
            }
            else
            {
                _wake.WaitOne(1);
            }
        }
    }
}

namespace CudaTensor.VirtualDevice.Driver;

/// <summary>
/// A CUstream: an ordered queue of <see cref="WorkItem"/>s. In asynchronous mode a pump on the thread pool runs
/// the queue in order as work arrives; in strict mode nothing runs until a synchronizing call needs it.
/// </summary>
internal sealed class DriverStream
{
    private readonly Queue<WorkItem> _pending = new();
    private WorkItem? _tail;
    private bool _pumping;

    /// <summary>Creates a stream of <paramref name="context"/>.</summary>
    /// <param name="context">The owning context.</param>
    /// <param name="nonBlocking">CU_STREAM_NON_BLOCKING: no implicit ordering with the legacy default stream.</param>
    /// <param name="legacy">True for the context's legacy default stream (handle 0).</param>
    public DriverStream(DriverContext context, bool nonBlocking, bool legacy)
    {
        Context = context;
        NonBlocking = nonBlocking;
        IsLegacy = legacy;
        Handle = legacy ? IntPtr.Zero : HandleTable.Add(this);
    }

    /// <summary>The owning context.</summary>
    public DriverContext Context { get; }

    /// <summary>The CUstream value (zero for the legacy stream).</summary>
    public IntPtr Handle { get; }

    /// <summary>CU_STREAM_NON_BLOCKING.</summary>
    public bool NonBlocking { get; }

    /// <summary>The legacy default stream.</summary>
    public bool IsLegacy { get; }

    /// <summary>The capture this stream records into, or null (guarded by the context's lock).</summary>
    public StreamCapture? Capture { get; set; }

    /// <summary>True after cuStreamDestroy (its queued work still runs).</summary>
    public bool Destroyed { get; set; }

    /// <summary>The last operation queued, or null.</summary>
    public WorkItem? Tail => Volatile.Read(ref _tail);

    /// <summary>True when every queued operation has run.</summary>
    public bool IsIdle => Tail is not { IsDone: false };

    /// <summary>Appends an operation (the caller holds the context's lock, which orders appends across streams).</summary>
    /// <param name="name">What it is.</param>
    /// <param name="work">The work, or null for a marker.</param>
    /// <param name="waits">Operations on other streams it must follow.</param>
    /// <returns>The queued operation.</returns>
    public WorkItem Append(string name, Action? work, WorkItem[]? waits)
    {
        var item = new WorkItem(Context, name, work, _tail, waits);
        Volatile.Write(ref _tail, item);
        return item;
    }

    /// <summary>Asynchronous mode: runs <paramref name="item"/> in order on a thread-pool pump.</summary>
    /// <param name="item">An operation appended to this stream.</param>
    public void Schedule(WorkItem item)
    {
        lock (_pending)
        {
            _pending.Enqueue(item);
            if (_pumping)
            {
                return;
            }
            _pumping = true;
        }
        ThreadPool.UnsafeQueueUserWorkItem(static s => s.Pump(), this, preferLocal: false);
    }

    private void Pump()
    {
        while (true)
        {
            WorkItem item;
            lock (_pending)
            {
                if (!_pending.TryDequeue(out item!))
                {
                    _pumping = false;
                    return;
                }
            }
            item.Ensure();
        }
    }
}

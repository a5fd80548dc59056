using System.Diagnostics;

namespace CudaTensor.VirtualDevice.Driver;

/// <summary>
/// One operation queued on a stream (a copy, a memset, a kernel, an event's marker). It runs once, after the
/// operation before it on its stream and after the operations it waits for on other streams (events, the legacy
/// stream's implicit ordering). Whoever needs it done first runs it: the stream's worker thread, or in strict mode
/// the thread that waits.
/// </summary>
/// <remarks>
/// Dependencies always point at earlier operations, so running a dependency from inside <see cref="Ensure"/> can
/// never wait in a cycle. The chain along one stream is walked iteratively (a stream may hold thousands of queued
/// operations in strict mode); only cross-stream dependencies recurse.
/// </remarks>
internal sealed class WorkItem
{
    private const int Pending = 0, Running = 1, Done = 2;

    private readonly DriverContext _context;
    private Action? _work;
    private WorkItem? _previous;
    private WorkItem[]? _waits;
    private int _state;

    /// <summary>Creates an operation; it runs only through <see cref="Ensure"/>.</summary>
    /// <param name="context">The context whose faults it reports.</param>
    /// <param name="name">What it is, for fault messages.</param>
    /// <param name="work">The work (null for a marker).</param>
    /// <param name="previous">The operation before it on its stream.</param>
    /// <param name="waits">Operations on other streams it waits for.</param>
    public WorkItem(DriverContext context, string name, Action? work, WorkItem? previous, WorkItem[]? waits)
    {
        _context = context;
        Name = name;
        _work = work;
        _previous = previous;
        _waits = waits;
    }

    /// <summary>What the operation is.</summary>
    public string Name { get; }

    /// <summary>True once the operation has run.</summary>
    public bool IsDone => Volatile.Read(ref _state) == Done;

    /// <summary>When it finished (<see cref="Stopwatch"/> ticks); valid once <see cref="IsDone"/>.</summary>
    public long CompletedTicks { get; private set; }

    /// <summary>Runs everything this operation depends on and then the operation itself, or waits for whoever runs it.</summary>
    public void Ensure()
    {
        if (IsDone)
        {
            return;
        }
        var chain = new List<WorkItem>();
        for (WorkItem? w = this; w is not null && !w.IsDone; w = w._previous)
        {
            chain.Add(w);
        }
        for (int i = chain.Count - 1; i >= 0; i--)
        {
            chain[i].RunOrWait();
        }
    }

    private void RunOrWait()
    {
        if (IsDone)
        {
            return;
        }
        WorkItem[]? waits = Volatile.Read(ref _waits);
        if (waits is not null)
        {
            foreach (WorkItem w in waits)
            {
                w.Ensure();
            }
        }
        if (Interlocked.CompareExchange(ref _state, Running, Pending) != Pending)
        {
            lock (this)
            {
                while (_state != Done)
                {
                    Monitor.Wait(this);
                }
            }
            return;
        }
        try
        {
            _work?.Invoke();
        }
        catch (DeviceFaultException fault)
        {
            _context.ReportFault(Name, fault);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The emulator's own failure must not vanish on a worker thread: report it like a device fault.
            _context.ReportFault(Name, new DeviceFaultException(CudaErrorCode.LaunchFailed, $"{e.GetType().Name}: {e.Message}", e));
        }
        finally
        {
            CompletedTicks = Stopwatch.GetTimestamp();
            // Drop references so that a long stream does not keep every finished operation (and its buffers) alive.
            _work = null;
            _previous = null;
            Volatile.Write(ref _waits, null);
            lock (this)
            {
                _state = Done;
                Monitor.PulseAll(this);
            }
        }
    }
}

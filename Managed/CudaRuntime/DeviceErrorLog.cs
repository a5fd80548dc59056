using CudaTensor.CudaRuntime.Memory;
using CudaTensor.Native;

namespace CudaTensor.CudaRuntime;

/// <summary>
/// The deferred device-side checks of one device. A kernel that validates indices (gather, scatter, the fused
/// cross-entropy) gets a slot armed by an asynchronous memset queued just before it; nothing waits. At the next host
/// synchronization of the device (a read to the host, a stream or device synchronize) the slots of the work that has
/// finished are read back in one copy per slot block, and the first error, in the order the ops were queued, is thrown
/// with the same exception the CPU throws at once. Slots armed inside a <see cref="GraphCapture"/> come from the graph's
/// own block: the memset is part of the graph, so each replay re-arms them, and a replay queues them for the next check.
/// </summary>
internal sealed class DeviceErrorLog(CudaDeviceContext device)
{
    /// <summary>Bytes of a slot: two 64-bit words.</summary>
    public const int SlotBytes = 16;

    /// <summary>Slots of the eager block; when all wait for a check, the next arm synchronizes the device once.</summary>
    public const int EagerCapacity = 1024;

    private readonly Lock _gate = new();
    private readonly Stack<int> _free = new();
    private readonly List<Pending> _pending = [];
    private ErrorSlots? _eager;
    private DeviceMemory? _eagerMemory;

    private readonly record struct Pending(ErrorSlots Slots, int Index, DeferredCheck Check, nint Stream);

    /// <summary>Checks queued and not yet read (for tests).</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate) return _pending.Count;
        }
    }

    /// <summary>Arms a slot for the kernel queued next on <paramref name="stream"/> and returns its device address.</summary>
    /// <exception cref="CudaGraphCaptureException">A capture on the stream has used every slot of its graph's block.</exception>
    public ulong Arm(DeferredCheck check, nint stream)
    {
        ulong address;
        if (device.Capture is { } capture && capture.Stream == stream)
        {
            address = capture.ArmSlot(check);
        }
        else
        {
            if (NeedsRoom()) device.SynchronizeAndCheck();
            lock (_gate)
            {
                if (_eager is null)
                {
                    _eagerMemory = device.Pool.Allocate((ulong)(EagerCapacity * SlotBytes), device.DefaultStream.Handle);
                    _eager = new ErrorSlots(_eagerMemory.Address, EagerCapacity);
                    for (int i = EagerCapacity - 1; i >= 0; i--) _free.Push(i);
                }
                int index = _free.Pop();
                _pending.Add(new Pending(_eager, index, check, stream));
                address = _eager.Address(index);
            }
        }
        Driver.SetBytesAsync(address, check.ArmedByte, SlotBytes, stream);
        return address;
    }

    private bool NeedsRoom()
    {
        lock (_gate) return _eager is not null && _free.Count == 0;
    }

    /// <summary>Queues the checks of a replayed graph for the next synchronization (once each, however often it is replayed).</summary>
    public void AddReplayed(ErrorSlots slots, IReadOnlyList<DeferredCheck> checks, nint stream)
    {
        if (checks.Count == 0) return;
        lock (_gate)
        {
            for (int i = 0; i < checks.Count; i++)
            {
                if (!_pending.Exists(p => p.Slots == slots && p.Index == i)) _pending.Add(new Pending(slots, i, checks[i], stream));
            }
        }
    }

    /// <summary>Forgets the checks of a graph being destroyed (its slots go back to the pool).</summary>
    public void Forget(ErrorSlots slots)
    {
        lock (_gate) _pending.RemoveAll(p => p.Slots == slots);
    }

    /// <summary>
    /// Reads the checks whose work has finished — all of them after a whole-device synchronization, else those queued
    /// on <paramref name="synchronized"/> and on streams that are idle — and throws the first error found.
    /// </summary>
    /// <param name="synchronized">The stream just synchronized, or 0 when none in particular.</param>
    /// <param name="wholeDevice">True after cuCtxSynchronize.</param>
    public void CheckCompleted(nint synchronized, bool wholeDevice)
    {
        List<Pending> ready;
        lock (_gate)
        {
            if (_pending.Count == 0) return;
            ready = [];
            int kept = 0;
            foreach (var p in _pending)
            {
                if (wholeDevice || p.Stream == synchronized || IsIdle(p.Stream)) ready.Add(p);
                else _pending[kept++] = p;
            }
            _pending.RemoveRange(kept, _pending.Count - kept);
            if (ready.Count == 0) return;
        }
        Exception? first = null;
        try
        {
            device.MakeCurrent();
            var words = new Dictionary<ErrorSlots, (int Low, long[] Words)>();
            foreach (var group in ready.GroupBy(p => p.Slots))
            {
                int low = group.Min(p => p.Index), high = group.Max(p => p.Index);
                var w = new long[(high - low + 1) * 2];
                Driver.CopyToHost<long>(w, group.Key.Address(low));
                words[group.Key] = (low, w);
            }
            foreach (var p in ready)
            {
                var (low, w) = words[p.Slots];
                int at = (p.Index - low) * 2;
                first ??= p.Check.Inspect(w[at], w[at + 1]);
            }
        }
        finally
        {
            lock (_gate)
            {
                foreach (var p in ready)
                {
                    if (p.Slots == _eager) _free.Push(p.Index);
                }
            }
        }
        if (first is not null) throw first;
    }

    // A stream whose queued work has all finished (a destroyed stream has finished too); a capturing one has not.
    private bool IsIdle(nint stream)
    {
        if (device.Capture is { } c && c.Stream == stream) return false;
        try
        {
            return Driver.QueryStream(stream);
        }
        catch (CudaException)
        {
            return true;
        }
    }
}

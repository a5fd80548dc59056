using CudaTensor.CudaRuntime.Memory;

namespace CudaTensor.Tests.CudaBackend;

/// <summary>
/// A pretend device for the caching allocator: a capacity, addresses handed out from a bump pointer, and events
/// that complete only when the test says so. Records every call and the thread that made it.
/// </summary>
internal sealed class FakeDeviceMemory(ulong capacity) : IRawDeviceAllocator
{
    private ulong _next = 0x7f00_0000_0000;
    private long _nextEvent = 1;

    public ulong Capacity { get; set; } = capacity;
    public ulong InUse { get; private set; }
    public Dictionary<ulong, ulong> Segments { get; } = [];
    public List<ulong> SegmentSizes { get; } = [];
    public Dictionary<nint, (nint Stream, bool Complete)> Events { get; } = [];
    public List<nint> ReleasedEvents { get; } = [];
    public HashSet<int> CallingThreads { get; } = [];
    public int FailedAllocations { get; private set; }

    public bool TryAllocate(ulong bytes, out ulong address)
    {
        CallingThreads.Add(Environment.CurrentManagedThreadId);
        if (InUse + bytes > Capacity)
        {
            FailedAllocations++;
            address = 0;
            return false;
        }
        address = _next;
        _next += bytes + (1UL << 20); // a gap: segments are never adjacent, so merging across them would be caught
        InUse += bytes;
        Segments[address] = bytes;
        SegmentSizes.Add(bytes);
        return true;
    }

    public void Free(ulong address)
    {
        CallingThreads.Add(Environment.CurrentManagedThreadId);
        if (!Segments.Remove(address, out ulong bytes)) throw new InvalidOperationException($"Free of unknown segment 0x{address:x}.");
        InUse -= bytes;
    }

    public (ulong Free, ulong Total) GetMemoryInfo() => (Capacity - InUse, Capacity);

    public nint RecordEvent(nint stream)
    {
        CallingThreads.Add(Environment.CurrentManagedThreadId);
        nint e = (nint)_nextEvent++;
        Events[e] = (stream, false);
        return e;
    }

    public bool IsEventComplete(nint ev) => Events[ev].Complete;

    public void WaitEvent(nint ev) => Events[ev] = (Events[ev].Stream, true); // "the GPU catches up"

    public void ReleaseEvent(nint ev)
    {
        Events.Remove(ev);
        ReleasedEvents.Add(ev);
    }

    /// <summary>Completes every event recorded on <paramref name="stream"/>.</summary>
    public void CompleteStream(nint stream)
    {
        foreach (var e in Events.Where(e => e.Value.Stream == stream).Select(e => e.Key).ToList()) Events[e] = (stream, true);
    }
}

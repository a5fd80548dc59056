namespace CudaTensor.CudaRuntime.Memory;

/// <summary>
/// What the caching allocator needs from a device: raw segments and stream-ordered events. The real
/// implementation (<see cref="DriverRawAllocator"/>) calls cuMemAlloc/cuMemFree and CUevents; tests use a
/// fake, so the pool's policy is tested on machines without a GPU. Streams and events are opaque handles;
/// every method is called with the pool's lock held, never from a finalizer thread.
/// </summary>
internal interface IRawDeviceAllocator
{
    /// <summary>Allocates a segment; false when the device is out of memory (other failures throw).</summary>
    bool TryAllocate(ulong bytes, out ulong address);

    /// <summary>Returns a segment to the device.</summary>
    void Free(ulong address);

    /// <summary>Free and total bytes of the device, for out-of-memory messages.</summary>
    (ulong Free, ulong Total) GetMemoryInfo();

    /// <summary>Records an event on <paramref name="stream"/> after the work queued so far; returns its handle.</summary>
    nint RecordEvent(nint stream);

    /// <summary>Whether the event's work has completed (never blocks).</summary>
    bool IsEventComplete(nint ev);

    /// <summary>Blocks until the event's work has completed.</summary>
    void WaitEvent(nint ev);

    /// <summary>Hands a completed event back for reuse.</summary>
    void ReleaseEvent(nint ev);
}

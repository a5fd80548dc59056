using CudaTensor.Native;

namespace CudaTensor.CudaRuntime.Memory;

/// <summary>
/// Segments from cuMemAlloc/cuMemFree and ordering events from a reused set of CUevents, for one device. The
/// pool calls it with the device's context current (the backend makes it current before allocating).
/// </summary>
internal sealed class DriverRawAllocator(CudaDeviceContext context) : IRawDeviceAllocator
{
    private readonly Stack<EventHandle> _idle = new();
    private readonly Dictionary<nint, EventHandle> _inUse = [];

    public bool TryAllocate(ulong bytes, out ulong address)
    {
        context.MakeCurrent();
        CuResult r = Driver.TryAllocate(bytes, out address);
        if (r == CuResult.CUDA_ERROR_OUT_OF_MEMORY) return false;
        Driver.Check(r, $"cuMemAlloc({bytes})");
        return true;
    }

    public void Free(ulong address)
    {
        context.MakeCurrent();
        Driver.Free(address);
    }

    public (ulong Free, ulong Total) GetMemoryInfo()
    {
        context.MakeCurrent();
        return Driver.GetMemoryInfo();
    }

    public nint RecordEvent(nint stream)
    {
        context.MakeCurrent();
        var ev = _idle.Count > 0 ? _idle.Pop() : Driver.CreateEvent(Driver.EventDisableTiming);
        nint h = ev.DangerousGetHandle();
        Driver.RecordEvent(h, stream);
        _inUse[h] = ev;
        return h;
    }

    public bool IsEventComplete(nint ev) => Driver.QueryEvent(ev);

    public void WaitEvent(nint ev) => Driver.SynchronizeEvent(ev);

    public void ReleaseEvent(nint ev)
    {
        if (_inUse.Remove(ev, out var handle)) _idle.Push(handle);
    }
}

using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CudaTensor.VirtualDevice.Driver;

// Events: ordering between streams and wall-clock timing.
internal static unsafe partial class DriverExports
{
    private const uint EventDisableTiming = 0x2;
    private const uint EventFlags = 0x1 | 0x2 | 0x4; // blocking sync, disable timing, interprocess

    private static void AddEvents(List<(string, IntPtr)> t)
    {
        t.Add(("cuEventCreate", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr*, uint, int>)&cuEventCreate));
        t.Add(("cuEventDestroy_v2", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&cuEventDestroy_v2));
        t.Add(("cuEventRecord", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int>)&cuEventRecord));
        t.Add(("cuEventSynchronize", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&cuEventSynchronize));
        t.Add(("cuEventQuery", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&cuEventQuery));
        t.Add(("cuEventElapsedTime", (IntPtr)(delegate* unmanaged[Cdecl]<float*, IntPtr, IntPtr, int>)&cuEventElapsedTime));
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuEventCreate(IntPtr* phEvent, uint flags) => WithContext("cuEventCreate", context =>
    {
        if (phEvent == null || (flags & ~EventFlags) != 0)
        {
            return Fail(CudaErrorCode.InvalidValue, $"cuEventCreate: flags 0x{flags:X} or a null handle pointer");
        }
        *phEvent = new DriverEvent(context, (flags & EventDisableTiming) == 0).Handle;
        return 0;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuEventDestroy_v2(IntPtr hEvent)
    {
        if (!HandleTable.TryGet(hEvent, out DriverEvent _))
        {
            return Fail(CudaErrorCode.InvalidHandle, $"cuEventDestroy(0x{hEvent:X}): not a live event");
        }
        HandleTable.Remove(hEvent); // a stream already waiting on it keeps its marker
        return 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuEventRecord(IntPtr hEvent, IntPtr hStream) => Guard("cuEventRecord", () =>
    {
        if (!HandleTable.TryGet(hEvent, out DriverEvent ev))
        {
            return Fail(CudaErrorCode.InvalidHandle, $"cuEventRecord: 0x{hEvent:X} is not a live event");
        }
        CudaErrorCode r = DriverContext.ResolveStream(hStream, out DriverStream s);
        if (r != CudaErrorCode.Success)
        {
            return Error(r);
        }
        if (s.Context != ev.Context)
        {
            return Fail(CudaErrorCode.InvalidHandle, "cuEventRecord: the event and the stream belong to different contexts");
        }
        lock (s.Context.Gate)
        {
            if (s.Capture is { } capture)
            {
                ev.CapturedIn = capture;
                ev.Marker = null;
                capture.Nodes.Add(new GraphNode("cuEventRecord", null));
                return 0;
            }
        }
        r = s.Context.Enqueue(s, "cuEventRecord", null, null, out WorkItem? marker);
        if (r == CudaErrorCode.Success)
        {
            ev.CapturedIn = null;
            ev.Marker = marker;
        }
        return Error(r);
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuEventSynchronize(IntPtr hEvent) => WithEvent("cuEventSynchronize", hEvent, ev =>
    {
        ev.Marker?.Ensure();
        return Error(ev.Context.TakeFault());
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuEventQuery(IntPtr hEvent)
        => WithEvent("cuEventQuery", hEvent, ev => ev.Marker is { IsDone: false } ? Error(CudaErrorCode.NotReady) : 0);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuEventElapsedTime(float* pMilliseconds, IntPtr hStart, IntPtr hEnd)
        => WithEvent("cuEventElapsedTime", hStart, start => WithEvent("cuEventElapsedTime", hEnd, end =>
        {
            if (pMilliseconds == null)
            {
                return Error(CudaErrorCode.InvalidValue);
            }
            if (!start.Timing || !end.Timing || start.Marker is null || end.Marker is null)
            {
                return Fail(CudaErrorCode.InvalidHandle, "cuEventElapsedTime: both events must be recorded and created without CU_EVENT_DISABLE_TIMING");
            }
            if (!start.Marker.IsDone || !end.Marker.IsDone)
            {
                return Error(CudaErrorCode.NotReady);
            }
            *pMilliseconds = (float)((end.Marker.CompletedTicks - start.Marker.CompletedTicks) * 1000.0 / Stopwatch.Frequency);
            return 0;
        }));

    private static CudaErrorCode LiveEvent(string call, IntPtr handle, out DriverEvent ev)
    {
        if (!HandleTable.TryGet(handle, out ev))
        {
            return DriverErrors.Fail(CudaErrorCode.InvalidHandle, $"{call}: 0x{handle:X} is not a live event");
        }
        if (ev.CapturedIn is not null)
        {
            return DriverErrors.Fail(CudaErrorCode.CapturedEvent, $"{call}: the event was last recorded in a capturing stream");
        }
        return CudaErrorCode.Success;
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CudaTensor.VirtualDevice.Driver;

// Streams.
internal static unsafe partial class DriverExports
{
    private const uint StreamNonBlocking = 0x1;

    private static void AddStreams(List<(string, IntPtr)> t)
    {
        t.Add(("cuStreamCreate", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr*, uint, int>)&cuStreamCreate));
        t.Add(("cuStreamDestroy_v2", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&cuStreamDestroy_v2));
        t.Add(("cuStreamSynchronize", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&cuStreamSynchronize));
        t.Add(("cuStreamQuery", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&cuStreamQuery));
        t.Add(("cuStreamWaitEvent", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, IntPtr, uint, int>)&cuStreamWaitEvent));
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuStreamCreate(IntPtr* phStream, uint flags) => WithContext("cuStreamCreate", context =>
    {
        if (phStream == null || (flags & ~StreamNonBlocking) != 0)
        {
            return Fail(CudaErrorCode.InvalidValue, $"cuStreamCreate: flags 0x{flags:X} (only CU_STREAM_NON_BLOCKING = 1 is defined) or a null handle pointer");
        }
        *phStream = context.CreateStream((flags & StreamNonBlocking) != 0).Handle;
        return 0;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuStreamDestroy_v2(IntPtr hStream)
    {
        // The driver returns at once and lets queued work finish; the context keeps the stream until it is idle.
        if (hStream == IntPtr.Zero || !HandleTable.TryGet(hStream, out DriverStream stream) || stream.Destroyed)
        {
            return Fail(CudaErrorCode.InvalidHandle, $"cuStreamDestroy(0x{hStream:X}): not a live stream");
        }
        lock (stream.Context.Gate)
        {
            if (stream.Capture is { } capture)
            {
                capture.Invalidated = "a capturing stream was destroyed";
                if (capture.Origin == stream)
                {
                    capture.End();
                }
                else
                {
                    stream.Capture = null;
                }
            }
            stream.Destroyed = true;
        }
        HandleTable.Remove(hStream);
        return 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuStreamSynchronize(IntPtr hStream) => WithWaitableStream("cuStreamSynchronize", hStream, s =>
    {
        s.Tail?.Ensure();
        return Error(s.Context.TakeFault());
    });

    // Strict mode does not run anything here: a query is not a wait, so polling code sees "not ready" until it waits.
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuStreamQuery(IntPtr hStream)
        => WithWaitableStream("cuStreamQuery", hStream, s => s.IsIdle ? 0 : Error(CudaErrorCode.NotReady));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuStreamWaitEvent(IntPtr hStream, IntPtr hEvent, uint flags) => WithStream("cuStreamWaitEvent", hStream, s =>
    {
        if (!HandleTable.TryGet(hEvent, out DriverEvent ev))
        {
            return Fail(CudaErrorCode.InvalidHandle, $"cuStreamWaitEvent: 0x{hEvent:X} is not a live event");
        }
        if (flags != 0)
        {
            return Fail(CudaErrorCode.InvalidValue, $"cuStreamWaitEvent: flags {flags} (only 0 is implemented)");
        }
        lock (s.Context.Gate)
        {
            if (ev.CapturedIn is { } capture)
            {
                if (capture.Ended)
                {
                    return Fail(CudaErrorCode.CapturedEvent, "cuStreamWaitEvent: the event was last recorded in a capture that has ended; record it again outside the capture");
                }
                // Waiting on an event recorded inside a capture joins the stream to that capture.
                if (s.Capture is null)
                {
                    s.Capture = capture;
                    capture.Joined.Add(s);
                }
                else if (s.Capture != capture)
                {
                    return Fail(CudaErrorCode.StreamCaptureIsolation, "cuStreamWaitEvent: the event belongs to another capture");
                }
                return 0;
            }
        }
        if (ev.Marker is not { IsDone: false } marker)
        {
            return 0; // never recorded, or already complete: nothing to wait for
        }
        return Error(s.Context.Enqueue(s, "cuStreamWaitEvent", null, [marker], out _));
    });

    private static CudaErrorCode RefuseWhileCapturing(DriverStream s, string call)
    {
        lock (s.Context.Gate)
        {
            if (s.Capture is { } capture)
            {
                capture.Invalidated ??= $"{call} was called on a capturing stream";
                return DriverErrors.Fail(CudaErrorCode.StreamCaptureUnsupported, $"{call} on a capturing stream: a capture records work, it cannot wait for it");
            }
        }
        return CudaErrorCode.Success;
    }
}

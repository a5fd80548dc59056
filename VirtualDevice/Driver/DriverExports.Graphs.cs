using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CudaTensor.VirtualDevice.Driver;

// Stream capture and graphs: a capture records the work submitted to a stream (and to streams joined to it by
// events) in order; a graph replays it on a stream as one operation.
internal static unsafe partial class DriverExports
{
    private static void AddGraphs(List<(string, IntPtr)> t)
    {
        t.Add(("cuStreamBeginCapture_v2", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int, int>)&cuStreamBeginCapture_v2));
        t.Add(("cuStreamEndCapture", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int>)&cuStreamEndCapture));
        t.Add(("cuStreamIsCapturing", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int*, int>)&cuStreamIsCapturing));
        t.Add(("cuGraphInstantiateWithFlags", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr*, IntPtr, ulong, int>)&cuGraphInstantiateWithFlags));
        t.Add(("cuGraphLaunch", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int>)&cuGraphLaunch));
        t.Add(("cuGraphDestroy", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&cuGraphDestroy));
        t.Add(("cuGraphExecDestroy", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&cuGraphExecDestroy));
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuStreamBeginCapture_v2(IntPtr hStream, int mode) => WithStream("cuStreamBeginCapture", hStream, s =>
    {
        if (s.IsLegacy)
        {
            return Fail(CudaErrorCode.StreamCaptureUnsupported, "cuStreamBeginCapture on the legacy default stream: capture a stream created with cuStreamCreate");
        }
        if (mode is < 0 or > 2)
        {
            return Fail(CudaErrorCode.InvalidValue, $"cuStreamBeginCapture: mode {mode} (0 global, 1 thread-local, 2 relaxed)");
        }
        lock (s.Context.Gate)
        {
            if (s.Capture is not null)
            {
                return Fail(CudaErrorCode.IllegalState, "cuStreamBeginCapture: the stream is already capturing");
            }
            s.Capture = new StreamCapture(s, mode);
        }
        return 0;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuStreamEndCapture(IntPtr hStream, IntPtr* phGraph) => WithStream("cuStreamEndCapture", hStream, s =>
    {
        if (phGraph == null)
        {
            return Error(CudaErrorCode.InvalidValue);
        }
        *phGraph = IntPtr.Zero;
        StreamCapture capture;
        lock (s.Context.Gate)
        {
            if (s.Capture is null)
            {
                return Fail(CudaErrorCode.IllegalState, "cuStreamEndCapture: the stream is not capturing");
            }
            capture = s.Capture;
            if (capture.Origin != s)
            {
                return Fail(CudaErrorCode.StreamCaptureUnmatched, "cuStreamEndCapture on a stream that joined the capture: end it on the stream that began it");
            }
            if (capture.Mode == 1 && capture.ThreadId != Environment.CurrentManagedThreadId)
            {
                return Fail(CudaErrorCode.StreamCaptureWrongThread, "cuStreamEndCapture: a thread-local capture must end on the thread that began it");
            }
            capture.End();
        }
        if (capture.Invalidated is not null)
        {
            return Fail(CudaErrorCode.StreamCaptureInvalidated, "cuStreamEndCapture: the capture was invalidated: " + capture.Invalidated);
        }
        *phGraph = HandleTable.Add(new DriverGraph([.. capture.Nodes], Executable: false));
        return 0;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuStreamIsCapturing(IntPtr hStream, int* captureStatus) => WithStream("cuStreamIsCapturing", hStream, s =>
    {
        if (captureStatus == null)
        {
            return Error(CudaErrorCode.InvalidValue);
        }
        lock (s.Context.Gate)
        {
            // CU_STREAM_CAPTURE_STATUS_NONE 0, ACTIVE 1, INVALIDATED 2
            *captureStatus = s.Capture is null ? 0 : s.Capture.Invalidated is null ? 1 : 2;
        }
        return 0;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuGraphInstantiateWithFlags(IntPtr* phGraphExec, IntPtr hGraph, ulong flags)
    {
        if (!HandleTable.TryGet(hGraph, out DriverGraph graph) || graph.Executable)
        {
            return Fail(CudaErrorCode.InvalidValue, $"cuGraphInstantiateWithFlags: 0x{hGraph:X} is not a graph");
        }
        if (phGraphExec == null)
        {
            return Error(CudaErrorCode.InvalidValue);
        }
        *phGraphExec = HandleTable.Add(graph with { Executable = true });
        return 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuGraphLaunch(IntPtr hGraphExec, IntPtr hStream) => Guard("cuGraphLaunch", () =>
    {
        if (!HandleTable.TryGet(hGraphExec, out DriverGraph exec) || !exec.Executable)
        {
            return Fail(CudaErrorCode.InvalidValue, $"cuGraphLaunch: 0x{hGraphExec:X} is not an instantiated graph");
        }
        CudaErrorCode r = DriverContext.ResolveStream(hStream, out DriverStream s);
        if (r != CudaErrorCode.Success)
        {
            return Error(r);
        }
        return Error(s.Context.Enqueue(s, $"cuGraphLaunch ({exec.Nodes.Count} nodes)", exec.Run, null, out _));
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuGraphDestroy(IntPtr hGraph)
    {
        if (!HandleTable.TryGet(hGraph, out DriverGraph graph) || graph.Executable)
        {
            return Fail(CudaErrorCode.InvalidValue, $"cuGraphDestroy: 0x{hGraph:X} is not a graph");
        }
        HandleTable.Remove(hGraph);
        return 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuGraphExecDestroy(IntPtr hGraphExec)
    {
        if (!HandleTable.TryGet(hGraphExec, out DriverGraph exec) || !exec.Executable)
        {
            return Fail(CudaErrorCode.InvalidValue, $"cuGraphExecDestroy: 0x{hGraphExec:X} is not an instantiated graph");
        }
        HandleTable.Remove(hGraphExec);
        return 0;
    }
}

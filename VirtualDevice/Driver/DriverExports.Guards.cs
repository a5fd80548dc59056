namespace CudaTensor.VirtualDevice.Driver;

// The checks most entry points begin with, once each: the entry point states only its own work. No exception
// crosses into native code (it would end the process): each becomes the CUresult the driver would report.
internal static unsafe partial class DriverExports
{
    // Runs an entry point's work, turning an exception into a CUresult with its text recorded.
    private static int Guard(string call, Func<int> work)
    {
        try
        {
            return work();
        }
        catch (Exception e)
        {
            return DriverErrors.Unexpected(call, e);
        }
    }

    // An entry point that needs the calling thread's current context.
    private static int WithContext(string call, Func<DriverContext, int> work) => Guard(call, () =>
    {
        CudaErrorCode r = RequireContext(call, out DriverContext context);
        return r != CudaErrorCode.Success ? Error(r) : work(context);
    });

    // An entry point that needs the current context and that a capture in progress forbids (it would wait for
    // the device or change memory the captured work may use).
    private static int WithUnsafeContext(string call, Func<DriverContext, int> work) => WithContext(call, context =>
    {
        CudaErrorCode r = context.CheckUnsafeCall(call);
        return r != CudaErrorCode.Success ? Error(r) : work(context);
    });

    // An entry point about one device ordinal: NOT_INITIALIZED before cuInit, INVALID_DEVICE out of range.
    private static int WithDevice(string call, int ordinal, Func<VirtualGpu, int> work) => Guard(call, () =>
    {
        CudaErrorCode r = CheckDevice(call, ordinal, out VirtualGpu device);
        return r != CudaErrorCode.Success ? Error(r) : work(device);
    });

    // An entry point on a stream handle (0 and CU_STREAM_LEGACY name the current context's legacy stream).
    private static int WithStream(string call, IntPtr hStream, Func<DriverStream, int> work) => Guard(call, () =>
    {
        CudaErrorCode r = DriverContext.ResolveStream(hStream, out DriverStream stream);
        return r != CudaErrorCode.Success ? Error(r) : work(stream);
    });

    // An entry point that waits for a stream, which a capturing stream refuses.
    private static int WithWaitableStream(string call, IntPtr hStream, Func<DriverStream, int> work) => WithStream(call, hStream, stream =>
    {
        CudaErrorCode r = RefuseWhileCapturing(stream, call);
        return r != CudaErrorCode.Success ? Error(r) : work(stream);
    });

    // An entry point on a live event last recorded outside a capture.
    private static int WithEvent(string call, IntPtr hEvent, Func<DriverEvent, int> work) => Guard(call, () =>
    {
        CudaErrorCode r = LiveEvent(call, hEvent, out DriverEvent ev);
        return r != CudaErrorCode.Success ? Error(r) : work(ev);
    });
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CudaTensor.VirtualDevice.Driver;

// Copies, with the driver's documented host synchronization:
// - host to device from pageable memory: the source is read at the call (staged), the device write is queued;
// - host to device from pinned memory: the synchronous form waits for the copy; the async form reads the source
//   when the copy executes;
// - device to host: the synchronous form, and the async form into pageable memory, return when the copy is done;
//   the async form into pinned memory writes when the copy executes;
// - device to device: queued, no host synchronization.
// Synchronous forms use the legacy default stream. While a stream captures, copies are recorded and read or
// write host memory when the graph runs.
internal static unsafe partial class DriverExports
{
    private static void AddCopies(List<(string, IntPtr)> t)
    {
        t.Add(("cuMemcpy", (IntPtr)(delegate* unmanaged[Cdecl]<ulong, ulong, nuint, int>)&cuMemcpy));
        t.Add(("cuMemcpyAsync", (IntPtr)(delegate* unmanaged[Cdecl]<ulong, ulong, nuint, IntPtr, int>)&cuMemcpyAsync));
        t.Add(("cuMemcpyHtoD_v2", (IntPtr)(delegate* unmanaged[Cdecl]<ulong, void*, nuint, int>)&cuMemcpyHtoD_v2));
        t.Add(("cuMemcpyDtoH_v2", (IntPtr)(delegate* unmanaged[Cdecl]<void*, ulong, nuint, int>)&cuMemcpyDtoH_v2));
        t.Add(("cuMemcpyDtoD_v2", (IntPtr)(delegate* unmanaged[Cdecl]<ulong, ulong, nuint, int>)&cuMemcpyDtoD_v2));
        t.Add(("cuMemcpyHtoDAsync_v2", (IntPtr)(delegate* unmanaged[Cdecl]<ulong, void*, nuint, IntPtr, int>)&cuMemcpyHtoDAsync_v2));
        t.Add(("cuMemcpyDtoHAsync_v2", (IntPtr)(delegate* unmanaged[Cdecl]<void*, ulong, nuint, IntPtr, int>)&cuMemcpyDtoHAsync_v2));
        t.Add(("cuMemcpyDtoDAsync_v2", (IntPtr)(delegate* unmanaged[Cdecl]<ulong, ulong, nuint, IntPtr, int>)&cuMemcpyDtoDAsync_v2));
        t.Add(("cuMemcpyPeer", (IntPtr)(delegate* unmanaged[Cdecl]<ulong, IntPtr, ulong, IntPtr, nuint, int>)&cuMemcpyPeer));
        t.Add(("cuMemcpyPeerAsync", (IntPtr)(delegate* unmanaged[Cdecl]<ulong, IntPtr, ulong, IntPtr, nuint, IntPtr, int>)&cuMemcpyPeerAsync));
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuMemcpyHtoD_v2(ulong dstDevice, void* srcHost, nuint byteCount)
        => CopyToDevice("cuMemcpyHtoD", dstDevice, (ulong)srcHost, byteCount, IntPtr.Zero, synchronous: true);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuMemcpyHtoDAsync_v2(ulong dstDevice, void* srcHost, nuint byteCount, IntPtr hStream)
        => CopyToDevice("cuMemcpyHtoDAsync", dstDevice, (ulong)srcHost, byteCount, hStream, synchronous: false);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuMemcpyDtoH_v2(void* dstHost, ulong srcDevice, nuint byteCount)
        => CopyToHost("cuMemcpyDtoH", (ulong)dstHost, srcDevice, byteCount, IntPtr.Zero, synchronous: true);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuMemcpyDtoHAsync_v2(void* dstHost, ulong srcDevice, nuint byteCount, IntPtr hStream)
        => CopyToHost("cuMemcpyDtoHAsync", (ulong)dstHost, srcDevice, byteCount, hStream, synchronous: false);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuMemcpyDtoD_v2(ulong dstDevice, ulong srcDevice, nuint byteCount)
        => CopyDeviceToDevice("cuMemcpyDtoD", dstDevice, srcDevice, byteCount, IntPtr.Zero);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuMemcpyDtoDAsync_v2(ulong dstDevice, ulong srcDevice, nuint byteCount, IntPtr hStream)
        => CopyDeviceToDevice("cuMemcpyDtoDAsync", dstDevice, srcDevice, byteCount, hStream);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuMemcpyPeer(ulong dstDevice, IntPtr dstContext, ulong srcDevice, IntPtr srcContext, nuint byteCount)
        => CopyDeviceToDevice("cuMemcpyPeer", dstDevice, srcDevice, byteCount, IntPtr.Zero);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuMemcpyPeerAsync(ulong dstDevice, IntPtr dstContext, ulong srcDevice, IntPtr srcContext, nuint byteCount, IntPtr hStream)
        => CopyDeviceToDevice("cuMemcpyPeerAsync", dstDevice, srcDevice, byteCount, hStream);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuMemcpy(ulong dst, ulong src, nuint byteCount) => UnifiedCopy("cuMemcpy", dst, src, byteCount, IntPtr.Zero, synchronous: true);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuMemcpyAsync(ulong dst, ulong src, nuint byteCount, IntPtr hStream) => UnifiedCopy("cuMemcpyAsync", dst, src, byteCount, hStream, synchronous: false);

    // cuMemcpy with unified addressing: the direction follows from which side is device memory.
    private static int UnifiedCopy(string call, ulong dst, ulong src, nuint count, IntPtr stream, bool synchronous)
    {
        bool dstDevice = DriverState.MemoryOf(dst)?.Find(dst) is not null;
        bool srcDevice = DriverState.MemoryOf(src)?.Find(src) is not null;
        return (dstDevice, srcDevice) switch
        {
            (true, true) => CopyDeviceToDevice(call, dst, src, count, stream),
            (true, false) => CopyToDevice(call, dst, src, count, stream, synchronous),
            (false, true) => CopyToHost(call, dst, src, count, stream, synchronous),
            _ => Fail(CudaErrorCode.InvalidValue, $"{call}: neither 0x{dst:X} nor 0x{src:X} is device memory; copy host to host with the CPU"),
        };
    }

    private static int CopyToDevice(string call, ulong dst, ulong src, nuint count, IntPtr stream, bool synchronous) => Guard(call, () =>
    {
        CudaErrorCode r = PrepareHostCopy(call, stream, dst, src, "source", count, out DriverStream s);
        if (r != CudaErrorCode.Success || count == 0)
        {
            return Error(r);
        }
        ulong bytes = count;
        string name = $"{call}(0x{dst:X}, {bytes} bytes)";
        bool pinned = PinnedHostMemory.Contains(src, bytes, out _);
        if (pinned || s.Capture is not null)
        {
            r = s.Context.Enqueue(s, name, () => Buffer.MemoryCopy((void*)src, DeviceBytes(dst, bytes, write: true), bytes, bytes), null, out WorkItem? item);
            return Error(r == CudaErrorCode.Success && synchronous && pinned ? Wait(s.Context, item) : r);
        }
        // Pageable source: staged now, so the caller may reuse its buffer as soon as the call returns.
        byte* staged = (byte*)NativeMemory.Alloc((nuint)bytes);
        Buffer.MemoryCopy((void*)src, staged, bytes, bytes);
        r = s.Context.Enqueue(s, name, () =>
        {
            try
            {
                Buffer.MemoryCopy(staged, DeviceBytes(dst, bytes, write: true), bytes, bytes);
            }
            finally
            {
                NativeMemory.Free(staged);
            }
        }, null, out _);
        if (r != CudaErrorCode.Success)
        {
            NativeMemory.Free(staged);
        }
        return Error(r);
    });

    private static int CopyToHost(string call, ulong dst, ulong src, nuint count, IntPtr stream, bool synchronous) => Guard(call, () =>
    {
        CudaErrorCode r = PrepareHostCopy(call, stream, src, dst, "destination", count, out DriverStream s);
        if (r != CudaErrorCode.Success || count == 0)
        {
            return Error(r);
        }
        ulong bytes = count;
        bool pinned = PinnedHostMemory.Contains(dst, bytes, out _);
        if (s.Capture is not null && (synchronous || !pinned))
        {
            return Fail(CudaErrorCode.StreamCaptureUnsupported, $"{call} into {(pinned ? "pinned" : "pageable")} host memory waits for the copy, which a capturing stream cannot do");
        }
        string name = $"{call}(0x{src:X}, {bytes} bytes)";
        r = s.Context.Enqueue(s, name, () => Buffer.MemoryCopy(DeviceBytes(src, bytes, write: false), (void*)dst, bytes, bytes), null, out WorkItem? item);
        return Error(r == CudaErrorCode.Success && (synchronous || !pinned) ? Wait(s.Context, item) : r);
    });

    private static int CopyDeviceToDevice(string call, ulong dst, ulong src, nuint count, IntPtr stream) => Guard(call, () =>
    {
        CudaErrorCode r = Prepare(call, stream, dst, count, out DriverStream s);
        if (r == CudaErrorCode.Success && count != 0)
        {
            r = CheckDeviceRange(call, src, count);
        }
        if (r != CudaErrorCode.Success || count == 0)
        {
            return Error(r);
        }
        ulong bytes = count;
        return Error(s.Context.Enqueue(s, $"{call}(0x{dst:X} <- 0x{src:X}, {bytes} bytes)",
            () => Buffer.MemoryCopy(DeviceBytes(src, bytes, write: false), DeviceBytes(dst, bytes, write: true), bytes, bytes), null, out _));
    });

    // Context, stream and the device side of a copy, checked at the call.
    private static CudaErrorCode Prepare(string call, IntPtr stream, ulong device, nuint count, out DriverStream s)
    {
        s = null!;
        CudaErrorCode r = RequireContext(call, out _);
        if (r == CudaErrorCode.Success)
        {
            r = DriverContext.ResolveStream(stream, out s);
        }
        if (r == CudaErrorCode.Success && count != 0)
        {
            r = CheckDeviceRange(call, device, count);
        }
        return r;
    }

    // Prepare for a copy between the device and host memory: a NULL host side of a non-empty copy is invalid.
    private static CudaErrorCode PrepareHostCopy(string call, IntPtr stream, ulong device, ulong host, string hostSide, nuint count, out DriverStream s)
    {
        CudaErrorCode r = Prepare(call, stream, device, count, out s);
        if (r == CudaErrorCode.Success && count != 0 && host == 0)
        {
            r = DriverErrors.Fail(CudaErrorCode.InvalidValue, $"{call}: the host {hostSide} is null");
        }
        return r;
    }

    // Runs the queue up to item (a synchronous call) and reports a pending fault of the context.
    private static CudaErrorCode Wait(DriverContext context, WorkItem? item)
    {
        item?.Ensure();
        return context.TakeFault();
    }
}

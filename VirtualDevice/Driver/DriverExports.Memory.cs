using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CudaTensor.VirtualDevice.Driver;

// Device and pinned host allocations, memsets, pointer attributes.
internal static unsafe partial class DriverExports
{
    private static void AddMemory(List<(string, IntPtr)> t)
    {
        t.Add(("cuMemAlloc_v2", (IntPtr)(delegate* unmanaged[Cdecl]<ulong*, nuint, int>)&cuMemAlloc_v2));
        t.Add(("cuMemFree_v2", (IntPtr)(delegate* unmanaged[Cdecl]<ulong, int>)&cuMemFree_v2));
        t.Add(("cuMemAllocHost_v2", (IntPtr)(delegate* unmanaged[Cdecl]<void**, nuint, int>)&cuMemAllocHost_v2));
        t.Add(("cuMemFreeHost", (IntPtr)(delegate* unmanaged[Cdecl]<void*, int>)&cuMemFreeHost));
        t.Add(("cuMemsetD8_v2", (IntPtr)(delegate* unmanaged[Cdecl]<ulong, byte, nuint, int>)&cuMemsetD8_v2));
        t.Add(("cuMemsetD32_v2", (IntPtr)(delegate* unmanaged[Cdecl]<ulong, uint, nuint, int>)&cuMemsetD32_v2));
        t.Add(("cuMemsetD8Async", (IntPtr)(delegate* unmanaged[Cdecl]<ulong, byte, nuint, IntPtr, int>)&cuMemsetD8Async));
        t.Add(("cuMemsetD32Async", (IntPtr)(delegate* unmanaged[Cdecl]<ulong, uint, nuint, IntPtr, int>)&cuMemsetD32Async));
        t.Add(("cuPointerGetAttribute", (IntPtr)(delegate* unmanaged[Cdecl]<void*, int, ulong, int>)&cuPointerGetAttribute));
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuMemAlloc_v2(ulong* dptr, nuint bytesize) => WithUnsafeContext("cuMemAlloc", context =>
    {
        if (dptr == null)
        {
            return Fail(CudaErrorCode.InvalidValue, "cuMemAlloc: dptr is null");
        }
        CudaErrorCode r = context.Device.Memory.Allocate(bytesize, out ulong address);
        *dptr = address;
        return Error(r);
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuMemFree_v2(ulong dptr) => WithUnsafeContext("cuMemFree", _ =>
    {
        DeviceMemory? memory = DriverState.MemoryOf(dptr);
        if (memory is null)
        {
            return Fail(CudaErrorCode.InvalidValue, $"cuMemFree(0x{dptr:X}): not a device address");
        }
        // As cudaFree, the free waits for the device's queued work, which may still use the memory.
        DriverState.Devices[memory.Ordinal].Primary.Drain();
        return Error(memory.Free(dptr));
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuMemAllocHost_v2(void** pp, nuint bytesize) => WithUnsafeContext("cuMemAllocHost", context =>
    {
        if (pp == null || bytesize == 0)
        {
            return Fail(CudaErrorCode.InvalidValue, $"cuMemAllocHost of {bytesize} bytes{(pp == null ? " with a null pointer" : string.Empty)}");
        }
        void* p = PinnedHostMemory.Allocate(bytesize, context);
        *pp = p;
        return p == null ? Fail(CudaErrorCode.OutOfMemory, $"cuMemAllocHost of {bytesize} bytes: the host has no memory left") : 0;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuMemFreeHost(void* p) => WithUnsafeContext("cuMemFreeHost", _ =>
    {
        if (!PinnedHostMemory.Contains((ulong)p, 1, out DriverContext? owner))
        {
            return Fail(CudaErrorCode.InvalidValue, $"cuMemFreeHost(0x{(ulong)p:X}): not a block from cuMemAllocHost");
        }
        owner!.Drain(); // a queued copy may still read or write the block
        return PinnedHostMemory.Free(p) ? 0 : Fail(CudaErrorCode.InvalidValue, $"cuMemFreeHost(0x{(ulong)p:X}): not the start of a block from cuMemAllocHost");
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuMemsetD8_v2(ulong dstDevice, byte uc, nuint n) => Memset("cuMemsetD8", dstDevice, uc, 1, n, IntPtr.Zero);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuMemsetD32_v2(ulong dstDevice, uint ui, nuint n) => Memset("cuMemsetD32", dstDevice, ui, 4, n, IntPtr.Zero);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuMemsetD8Async(ulong dstDevice, byte uc, nuint n, IntPtr hStream) => Memset("cuMemsetD8Async", dstDevice, uc, 1, n, hStream);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuMemsetD32Async(ulong dstDevice, uint ui, nuint n, IntPtr hStream) => Memset("cuMemsetD32Async", dstDevice, ui, 4, n, hStream);

    // Synchronous memsets of device memory are asynchronous with respect to the host (they run on the legacy
    // stream), as the driver documents; the async forms run on the given stream.
    private static int Memset(string call, ulong dst, uint value, int width, nuint count, IntPtr stream) => WithContext(call, context =>
    {
        CudaErrorCode r = DriverContext.ResolveStream(stream, out DriverStream s);
        if (r != CudaErrorCode.Success)
        {
            return Error(r);
        }
        ulong bytes = (ulong)count * (ulong)width;
        if (width == 4 && dst % 4 != 0)
        {
            return Fail(CudaErrorCode.InvalidValue, $"{call}(0x{dst:X}): the address must be 4-byte aligned");
        }
        if (count == 0)
        {
            return 0;
        }
        r = CheckDeviceRange(call, dst, bytes);
        if (r != CudaErrorCode.Success)
        {
            return Error(r);
        }
        string name = $"{call}(0x{dst:X}, {value}, {count})";
        return Error(s.Context.Enqueue(s, name, () => Fill(dst, bytes, value, width), null, out _));
    });

    private static void Fill(ulong dst, ulong bytes, uint value, int width)
    {
        byte* p = DeviceBytes(dst, bytes, write: true);
        if (width == 1)
        {
            NativeMemory.Fill(p, (nuint)bytes, (byte)value);
            return;
        }
        uint* words = (uint*)p;
        for (ulong i = 0; i < bytes / 4; i++)
        {
            words[i] = value;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuPointerGetAttribute(void* data, int attribute, ulong ptr) => Guard("cuPointerGetAttribute", () =>
    {
        if (!DriverState.Initialized)
        {
            return Fail(CudaErrorCode.NotInitialized, "cuPointerGetAttribute before cuInit");
        }
        if (data == null)
        {
            return Error(CudaErrorCode.InvalidValue);
        }
        DeviceMemory? memory = DriverState.MemoryOf(ptr);
        bool device = memory?.Find(ptr) is not null;
        DriverContext? owner = null;
        if (!device && !PinnedHostMemory.Contains(ptr, 1, out owner))
        {
            return Fail(CudaErrorCode.InvalidValue, $"cuPointerGetAttribute: 0x{ptr:X} is neither device memory nor pinned host memory of the virtual device");
        }
        VirtualGpu gpu = device ? DriverState.Devices[memory!.Ordinal] : owner!.Device;
        switch (attribute)
        {
            case 1: // CU_POINTER_ATTRIBUTE_CONTEXT: CUcontext
                *(IntPtr*)data = device ? gpu.Primary.Handle : owner!.Handle;
                return 0;
            case 2: // CU_POINTER_ATTRIBUTE_MEMORY_TYPE: unsigned int CUmemorytype
                *(uint*)data = device ? 2u : 1u;
                return 0;
            case 3: // CU_POINTER_ATTRIBUTE_DEVICE_POINTER: CUdeviceptr (pinned memory is mapped at its host address)
                *(ulong*)data = ptr;
                return 0;
            case 4: // CU_POINTER_ATTRIBUTE_HOST_POINTER: void*, only for host memory
                if (device)
                {
                    return Fail(CudaErrorCode.InvalidValue, $"cuPointerGetAttribute(HOST_POINTER): 0x{ptr:X} is device memory, which has no host address");
                }
                *(ulong*)data = ptr;
                return 0;
            case 8: // CU_POINTER_ATTRIBUTE_IS_MANAGED: unsigned int boolean
                *(uint*)data = 0;
                return 0;
            case 9: // CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL: int
                *(int*)data = gpu.Ordinal;
                return 0;
            default:
                return Fail(CudaErrorCode.NotSupported, $"cuPointerGetAttribute: attribute {attribute} is not implemented by the virtual device");
        }
    });

    // Call-time check of a device range (the driver refuses a bad pointer with CUDA_ERROR_INVALID_VALUE).
    private static CudaErrorCode CheckDeviceRange(string call, ulong address, ulong bytes)
    {
        DeviceMemory? memory = DriverState.MemoryOf(address);
        if (memory is not null && memory.TryGetHost(address, bytes, out _))
        {
            return CudaErrorCode.Success;
        }
        string why = memory?.Describe(address, bytes) ?? (DriverState.Devices.Count > 0 ? DriverState.Devices[0].Memory.Describe(address, bytes) : "no device");
        return DriverErrors.Fail(CudaErrorCode.InvalidValue, $"{call}: {bytes} bytes at 0x{address:X} are not device memory: {why}");
    }

    // Execution-time access to a device range: it may have been freed since the call was made.
    private static byte* DeviceBytes(ulong address, ulong bytes, bool write)
    {
        DeviceMemory? memory = DriverState.MemoryOf(address);
        if (memory is not null && memory.TryGetHost(address, bytes, out byte* host))
        {
            return host;
        }
        throw (memory ?? DriverState.Devices[0].Memory).OutOfBounds(address, bytes, write);
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CudaTensor.VirtualDevice.Ptx;

namespace CudaTensor.VirtualDevice.Driver;

// Modules, functions and their attributes, occupancy.
internal static unsafe partial class DriverExports
{
    private static void AddModules(List<(string, IntPtr)> t)
    {
        t.Add(("cuModuleLoadData", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr*, void*, int>)&cuModuleLoadData));
        t.Add(("cuModuleUnload", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&cuModuleUnload));
        t.Add(("cuModuleGetFunction", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr*, IntPtr, byte*, int>)&cuModuleGetFunction));
        t.Add(("cuModuleGetGlobal_v2", (IntPtr)(delegate* unmanaged[Cdecl]<ulong*, nuint*, IntPtr, byte*, int>)&cuModuleGetGlobal_v2));
        t.Add(("cuFuncGetAttribute", (IntPtr)(delegate* unmanaged[Cdecl]<int*, int, IntPtr, int>)&cuFuncGetAttribute));
        t.Add(("cuFuncSetAttribute", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int, int, int>)&cuFuncSetAttribute));
        t.Add(("cuLaunchKernel", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, uint, uint, uint, uint, uint, uint, uint, IntPtr, void**, void**, int>)&cuLaunchKernel));
        t.Add(("cuOccupancyMaxPotentialBlockSize", (IntPtr)(delegate* unmanaged[Cdecl]<int*, int*, IntPtr, IntPtr, nuint, int, int>)&cuOccupancyMaxPotentialBlockSize));
        t.Add(("cuOccupancyMaxActiveBlocksPerMultiprocessor", (IntPtr)(delegate* unmanaged[Cdecl]<int*, IntPtr, int, nuint, int>)&cuOccupancyMaxActiveBlocksPerMultiprocessor));
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuModuleLoadData(IntPtr* module, void* image) => WithContext("cuModuleLoadData", context =>
    {
        if (module == null || image == null)
        {
            return Fail(CudaErrorCode.InvalidValue, "cuModuleLoadData: null module or image pointer");
        }
        byte* bytes = (byte*)image;
        if (bytes[0] == 0x7F && bytes[1] == (byte)'E' && bytes[2] == (byte)'L' && bytes[3] == (byte)'F')
        {
            return Fail(CudaErrorCode.NoBinaryForGpu, "cuModuleLoadData was given a cubin (ELF): the virtual device executes PTX only; compile for compute_90 (a virtual architecture) instead of sm_XY");
        }
        if (*(uint*)bytes == 0xBA55ED50)
        {
            return Fail(CudaErrorCode.NoBinaryForGpu, "cuModuleLoadData was given a fatbinary: the virtual device executes PTX only; pass the PTX text");
        }
        string ptx = Marshal.PtrToStringUTF8((IntPtr)image) ?? string.Empty;
        PtxModule parsed;
        try
        {
            parsed = PtxModule.Parse(ptx);
        }
        catch (PtxLoadException e)
        {
            return Fail(CudaErrorCode.InvalidPtx, "cuModuleLoadData: " + e.Message);
        }
        catch (NotImplementedException e)
        {
            return Fail(CudaErrorCode.InvalidPtx, "cuModuleLoadData: this build's PTX engine cannot load modules: " + e.Message);
        }
        var globals = new ulong[parsed.Globals.Count];
        for (int i = 0; i < globals.Length; i++)
        {
            PtxGlobalVariable g = parsed.Globals[i];
            CudaErrorCode r = context.Device.Memory.Allocate((ulong)Math.Max(1, g.SizeBytes), out globals[i]);
            if (r != CudaErrorCode.Success)
            {
                for (int j = 0; j < i; j++)
                {
                    context.Device.Memory.Free(globals[j]);
                }
                return Error(r);
            }
            context.Device.Memory.TryGetHost(globals[i], (ulong)g.InitialBytes.Length, out byte* host);
            g.InitialBytes.AsSpan().CopyTo(new Span<byte>(host, g.InitialBytes.Length));
        }
        *module = new DriverModule(context, parsed, globals).Handle;
        return 0;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuModuleUnload(IntPtr hmod) => Guard("cuModuleUnload", () =>
    {
        if (!HandleTable.TryGet(hmod, out DriverModule module))
        {
            return Fail(CudaErrorCode.InvalidHandle, $"cuModuleUnload(0x{hmod:X}): not a loaded module");
        }
        module.Context.Drain(); // queued launches still use the module's variables
        module.Unload();
        foreach (ulong address in module.GlobalAddresses)
        {
            module.Context.Device.Memory.Free(address);
        }
        return 0;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuModuleGetFunction(IntPtr* hfunc, IntPtr hmod, byte* name) => Guard("cuModuleGetFunction", () =>
    {
        if (!HandleTable.TryGet(hmod, out DriverModule module))
        {
            return Fail(CudaErrorCode.InvalidHandle, $"cuModuleGetFunction: 0x{hmod:X} is not a loaded module");
        }
        if (hfunc == null || name == null)
        {
            return Error(CudaErrorCode.InvalidValue);
        }
        string entry = Utf8(name);
        DriverFunction? f = module.Function(entry);
        if (f is null)
        {
            string known = string.Join(", ", module.Module.Kernels.Take(8).Select(k => k.Name));
            return Fail(CudaErrorCode.NotFound, $"cuModuleGetFunction: no kernel '{entry}' in the module (it has {module.Module.Kernels.Count}: {known})");
        }
        *hfunc = f.Handle;
        return 0;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuModuleGetGlobal_v2(ulong* dptr, nuint* bytes, IntPtr hmod, byte* name) => Guard("cuModuleGetGlobal", () =>
    {
        if (!HandleTable.TryGet(hmod, out DriverModule module))
        {
            return Fail(CudaErrorCode.InvalidHandle, $"cuModuleGetGlobal: 0x{hmod:X} is not a loaded module");
        }
        string symbol = Utf8(name);
        for (int i = 0; i < module.Module.Globals.Count; i++)
        {
            if (module.Module.Globals[i].Name == symbol)
            {
                if (dptr != null)
                {
                    *dptr = module.GlobalAddresses[i];
                }
                if (bytes != null)
                {
                    *bytes = (nuint)module.Module.Globals[i].SizeBytes;
                }
                return 0;
            }
        }
        return Fail(CudaErrorCode.NotFound, $"cuModuleGetGlobal: no module variable '{symbol}'");
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuFuncGetAttribute(int* pi, int attrib, IntPtr hfunc)
    {
        if (!HandleTable.TryGet(hfunc, out DriverFunction f))
        {
            return Fail(CudaErrorCode.InvalidHandle, $"cuFuncGetAttribute: 0x{hfunc:X} is not a function");
        }
        if (pi == null)
        {
            return Error(CudaErrorCode.InvalidValue);
        }
        int? value = attrib switch
        {
            0 => f.MaxThreadsPerBlock,           // CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK
            1 => f.Kernel.StaticSharedBytes,     // SHARED_SIZE_BYTES
            2 => 0,                              // CONST_SIZE_BYTES
            3 => 0,                              // LOCAL_SIZE_BYTES (local memory lives in the executor)
            4 => 32,                             // NUM_REGS: nominal
            5 => 90,                             // PTX_VERSION: compute_90
            6 => 90,                             // BINARY_VERSION
            7 => 0,                              // CACHE_MODE_CA
            8 => f.MaxDynamicSharedBytes,        // MAX_DYNAMIC_SHARED_SIZE_BYTES
            9 => -1,                             // PREFERRED_SHARED_MEMORY_CARVEOUT: no preference
            >= 10 and <= 15 => 0,                // cluster attributes: no clusters
            _ => null,
        };
        if (value is null)
        {
            return Fail(CudaErrorCode.InvalidValue, $"cuFuncGetAttribute: {attrib} is not a CUfunction_attribute");
        }
        *pi = value.Value;
        return 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuFuncSetAttribute(IntPtr hfunc, int attrib, int value)
    {
        if (!HandleTable.TryGet(hfunc, out DriverFunction f))
        {
            return Fail(CudaErrorCode.InvalidHandle, $"cuFuncSetAttribute: 0x{hfunc:X} is not a function");
        }
        switch (attrib)
        {
            case 8: // CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
                int limit = DeviceProperties.SharedPerBlockOptIn - f.Kernel.StaticSharedBytes;
                if (value < 0 || value > limit)
                {
                    return Fail(CudaErrorCode.InvalidValue,
                        $"cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES, {value}) for {f.Kernel.Name}: at most {limit} bytes "
                        + $"({DeviceProperties.SharedPerBlockOptIn} per block less {f.Kernel.StaticSharedBytes} static)");
                }
                f.MaxDynamicSharedBytes = value;
                return 0;
            case 9: // PREFERRED_SHARED_MEMORY_CARVEOUT: a hint
                return value is >= -1 and <= 100 ? 0 : Fail(CudaErrorCode.InvalidValue, $"cuFuncSetAttribute(CARVEOUT, {value}): expected -1 to 100");
            default:
                return Fail(CudaErrorCode.InvalidValue, $"cuFuncSetAttribute: attribute {attrib} cannot be set (the virtual device implements 8 and 9)");
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuOccupancyMaxActiveBlocksPerMultiprocessor(int* numBlocks, IntPtr func, int blockSize, nuint dynamicSMemSize)
    {
        if (!HandleTable.TryGet(func, out DriverFunction f))
        {
            return Fail(CudaErrorCode.InvalidHandle, $"cuOccupancyMaxActiveBlocksPerMultiprocessor: 0x{func:X} is not a function");
        }
        if (numBlocks == null)
        {
            return Error(CudaErrorCode.InvalidValue);
        }
        *numBlocks = ActiveBlocks(f, blockSize, (long)dynamicSMemSize);
        return 0;
    }

    // CUoccupancyB2DSize is size_t (CUDA_CB *)(int blockSize): called for each candidate block size.
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuOccupancyMaxPotentialBlockSize(int* minGridSize, int* blockSize, IntPtr func, IntPtr blockSizeToDynamicSMemSize,
        nuint dynamicSMemSize, int blockSizeLimit) => Guard("cuOccupancyMaxPotentialBlockSize", () =>
    {
        if (!HandleTable.TryGet(func, out DriverFunction f))
        {
            return Fail(CudaErrorCode.InvalidHandle, $"cuOccupancyMaxPotentialBlockSize: 0x{func:X} is not a function");
        }
        if (minGridSize == null || blockSize == null)
        {
            return Error(CudaErrorCode.InvalidValue);
        }
        var sharedFor = (delegate* unmanaged[Cdecl]<int, nuint>)blockSizeToDynamicSMemSize;
        int largest = f.MaxThreadsPerBlock;
        if (blockSizeLimit > 0)
        {
            largest = Math.Min(largest, blockSizeLimit);
        }
        int bestBlock = 0, bestBlocks = 0, bestThreads = 0;
        for (int size = largest; size > 0; size = size % 32 == 0 ? size - 32 : size / 32 * 32)
        {
            long shared = sharedFor != null ? (long)sharedFor(size) : (long)dynamicSMemSize;
            int blocks = ActiveBlocks(f, size, shared);
            if (blocks * size > bestThreads)
            {
                bestThreads = blocks * size;
                bestBlock = size;
                bestBlocks = blocks;
            }
        }
        *blockSize = bestBlock;
        *minGridSize = bestBlocks * DeviceProperties.MultiprocessorCount;
        return 0;
    });

    // Resident blocks per SM: limited by threads (2048), blocks (32) and shared memory (228 KiB, 1 KiB reserved per block).
    private static int ActiveBlocks(DriverFunction f, int blockSize, long dynamicShared)
    {
        if (blockSize <= 0 || blockSize > f.MaxThreadsPerBlock || dynamicShared > f.MaxDynamicSharedBytes)
        {
            return 0;
        }
        int warps = (blockSize + 31) / 32;
        int byThreads = DeviceProperties.MaxThreadsPerMultiprocessor / (warps * 32);
        long shared = f.Kernel.StaticSharedBytes + dynamicShared + 1024;
        long byShared = DeviceProperties.SharedPerMultiprocessor / shared;
        return (int)Math.Min(Math.Min(byThreads, DeviceProperties.MaxBlocksPerMultiprocessor), byShared);
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CudaTensor.VirtualDevice.Ptx;

namespace CudaTensor.VirtualDevice.Driver;

// cuLaunchKernel: validated as the driver validates, arguments packed at the call, the grid run on the stream.
internal static unsafe partial class DriverExports
{
    // CU_LAUNCH_PARAM_* markers of the extra array (cuda.h).
    private const nint LaunchParamEnd = 0x00, LaunchParamBufferPointer = 0x01, LaunchParamBufferSize = 0x02;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuLaunchKernel(IntPtr f, uint gridDimX, uint gridDimY, uint gridDimZ, uint blockDimX, uint blockDimY, uint blockDimZ,
        uint sharedMemBytes, IntPtr hStream, void** kernelParams, void** extra) => Guard("cuLaunchKernel", () =>
    {
        if (!HandleTable.TryGet(f, out DriverFunction function))
        {
            return Fail(CudaErrorCode.InvalidHandle, $"cuLaunchKernel: 0x{f:X} is not a function (was its module unloaded?)");
        }
        CudaErrorCode r = RequireContext("cuLaunchKernel", out _);
        if (r == CudaErrorCode.Success)
        {
            r = DriverContext.ResolveStream(hStream, out DriverStream stream);
            if (r == CudaErrorCode.Success)
            {
                var grid = new Dim3(gridDimX, gridDimY, gridDimZ);
                var block = new Dim3(blockDimX, blockDimY, blockDimZ);
                r = Validate(function, grid, block, sharedMemBytes);
                if (r == CudaErrorCode.Success)
                {
                    r = PackParameters(function.Kernel, kernelParams, extra, out byte[] parameters);
                    if (r == CudaErrorCode.Success)
                    {
                        r = Enqueue(stream, function, grid, block, (int)sharedMemBytes, parameters);
                    }
                }
            }
        }
        return Error(r);
    });

    private static CudaErrorCode Validate(DriverFunction f, Dim3 grid, Dim3 block, uint dynamicShared)
    {
        string kernel = f.Kernel.Name;
        if (grid.X == 0 || grid.Y == 0 || grid.Z == 0 || grid.X > DeviceProperties.MaxGridX || grid.Y > DeviceProperties.MaxGridY || grid.Z > DeviceProperties.MaxGridZ)
        {
            return DriverErrors.Fail(CudaErrorCode.InvalidValue,
                $"cuLaunchKernel({kernel}): grid ({grid.X}, {grid.Y}, {grid.Z}) is outside (1..{DeviceProperties.MaxGridX}, 1..{DeviceProperties.MaxGridY}, 1..{DeviceProperties.MaxGridZ})");
        }
        if (block.X == 0 || block.Y == 0 || block.Z == 0 || block.X > DeviceProperties.MaxBlockX || block.Y > DeviceProperties.MaxBlockY || block.Z > DeviceProperties.MaxBlockZ
            || block.Count > DeviceProperties.MaxThreadsPerBlock)
        {
            return DriverErrors.Fail(CudaErrorCode.InvalidValue,
                $"cuLaunchKernel({kernel}): block ({block.X}, {block.Y}, {block.Z}) = {block.Count} threads; the limits are "
                + $"{DeviceProperties.MaxThreadsPerBlock} threads and ({DeviceProperties.MaxBlockX}, {DeviceProperties.MaxBlockY}, {DeviceProperties.MaxBlockZ})");
        }
        if (block.Count > (ulong)f.MaxThreadsPerBlock)
        {
            return DriverErrors.Fail(CudaErrorCode.LaunchOutOfResources,
                $"cuLaunchKernel({kernel}): block of {block.Count} threads, but the kernel was compiled for at most {f.MaxThreadsPerBlock} (.maxntid / __launch_bounds__)");
        }
        if (dynamicShared > (uint)f.MaxDynamicSharedBytes)
        {
            return DriverErrors.Fail(CudaErrorCode.InvalidValue,
                $"cuLaunchKernel({kernel}): {dynamicShared} bytes of dynamic shared memory, above the function's limit of {f.MaxDynamicSharedBytes} "
                + $"({f.Kernel.StaticSharedBytes} static; raise it with cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES), up to {DeviceProperties.SharedPerBlockOptIn} in all)");
        }
        return CudaErrorCode.Success;
    }

    // kernelParams[i] points at parameter i's value (its size from the PTX); extra is the packed-buffer form.
    private static CudaErrorCode PackParameters(PtxKernel kernel, void** kernelParams, void** extra, out byte[] buffer)
    {
        buffer = new byte[kernel.ParameterBytes];
        if (kernelParams != null && extra != null)
        {
            return DriverErrors.Fail(CudaErrorCode.InvalidValue, $"cuLaunchKernel({kernel.Name}): kernelParams and extra are both given; pass one");
        }
        if (kernelParams != null)
        {
            for (int i = 0; i < kernel.Parameters.Count; i++)
            {
                PtxParameter p = kernel.Parameters[i];
                if (kernelParams[i] == null)
                {
                    return DriverErrors.Fail(CudaErrorCode.InvalidValue, $"cuLaunchKernel({kernel.Name}): kernelParams[{i}] is null");
                }
                new ReadOnlySpan<byte>(kernelParams[i], p.SizeBytes).CopyTo(buffer.AsSpan(p.Offset, p.SizeBytes));
            }
            return CudaErrorCode.Success;
        }
        if (extra != null)
        {
            void* data = null;
            nuint size = 0;
            bool sized = false;
            for (int i = 0; (nint)extra[i] != LaunchParamEnd; i += 2)
            {
                switch ((nint)extra[i])
                {
                    case LaunchParamBufferPointer:
                        data = extra[i + 1];
                        break;
                    case LaunchParamBufferSize:
                        size = *(nuint*)extra[i + 1];
                        sized = true;
                        break;
                    default:
                        return DriverErrors.Fail(CudaErrorCode.InvalidValue, $"cuLaunchKernel({kernel.Name}): extra[{i}] = 0x{(nint)extra[i]:X} is not a CU_LAUNCH_PARAM_* marker");
                }
            }
            if (data == null || !sized || size < (nuint)kernel.ParameterBytes)
            {
                return DriverErrors.Fail(CudaErrorCode.InvalidValue,
                    $"cuLaunchKernel({kernel.Name}): extra must give CU_LAUNCH_PARAM_BUFFER_POINTER and a CU_LAUNCH_PARAM_BUFFER_SIZE of at least {kernel.ParameterBytes} bytes (got {size})");
            }
            new ReadOnlySpan<byte>(data, kernel.ParameterBytes).CopyTo(buffer);
            return CudaErrorCode.Success;
        }
        return kernel.Parameters.Count == 0
            ? CudaErrorCode.Success
            : DriverErrors.Fail(CudaErrorCode.InvalidValue, $"cuLaunchKernel({kernel.Name}): the kernel takes {kernel.Parameters.Count} parameters but neither kernelParams nor extra is given");
    }

    private static CudaErrorCode Enqueue(DriverStream stream, DriverFunction f, Dim3 grid, Dim3 block, int dynamicShared, byte[] parameters)
    {
        var settings = new LaunchSettings(grid, block, dynamicShared, Environment.ProcessorCount);
        PtxKernel kernel = f.Kernel;
        ulong[] globals = f.Module.GlobalAddresses;
        string name = $"kernel {kernel.Name} <<<({grid.X}, {grid.Y}, {grid.Z}), ({block.X}, {block.Y}, {block.Z}), {dynamicShared}>>>";
        return stream.Context.Enqueue(stream, name, () => PtxExecutor.Launch(kernel, settings, parameters, UnifiedMemory.Instance, globals), null, out _);
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace CudaTensor.VirtualDevice.Driver;

// Errors, initialization, devices and contexts.
internal static unsafe partial class DriverExports
{
    private static void AddDevice(List<(string, IntPtr)> t)
    {
        t.Add(("cuGetErrorName", (IntPtr)(delegate* unmanaged[Cdecl]<int, byte**, int>)&cuGetErrorName));
        t.Add(("cuGetErrorString", (IntPtr)(delegate* unmanaged[Cdecl]<int, byte**, int>)&cuGetErrorString));
        t.Add(("cuInit", (IntPtr)(delegate* unmanaged[Cdecl]<uint, int>)&cuInit));
        t.Add(("cuDriverGetVersion", (IntPtr)(delegate* unmanaged[Cdecl]<int*, int>)&cuDriverGetVersion));
        t.Add(("cuDeviceGetCount", (IntPtr)(delegate* unmanaged[Cdecl]<int*, int>)&cuDeviceGetCount));
        t.Add(("cuDeviceGet", (IntPtr)(delegate* unmanaged[Cdecl]<int*, int, int>)&cuDeviceGet));
        t.Add(("cuDeviceGetName", (IntPtr)(delegate* unmanaged[Cdecl]<byte*, int, int, int>)&cuDeviceGetName));
        t.Add(("cuDeviceGetAttribute", (IntPtr)(delegate* unmanaged[Cdecl]<int*, int, int, int>)&cuDeviceGetAttribute));
        t.Add(("cuDeviceTotalMem_v2", (IntPtr)(delegate* unmanaged[Cdecl]<nuint*, int, int>)&cuDeviceTotalMem_v2));
        t.Add(("cuDeviceCanAccessPeer", (IntPtr)(delegate* unmanaged[Cdecl]<int*, int, int, int>)&cuDeviceCanAccessPeer));
        t.Add(("cuMemGetInfo_v2", (IntPtr)(delegate* unmanaged[Cdecl]<nuint*, nuint*, int>)&cuMemGetInfo_v2));
        t.Add(("cuDevicePrimaryCtxRetain", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr*, int, int>)&cuDevicePrimaryCtxRetain));
        t.Add(("cuDevicePrimaryCtxRelease_v2", (IntPtr)(delegate* unmanaged[Cdecl]<int, int>)&cuDevicePrimaryCtxRelease_v2));
        t.Add(("cuCtxSetCurrent", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&cuCtxSetCurrent));
        t.Add(("cuCtxGetCurrent", (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr*, int>)&cuCtxGetCurrent));
        t.Add(("cuCtxGetDevice", (IntPtr)(delegate* unmanaged[Cdecl]<int*, int>)&cuCtxGetDevice));
        t.Add(("cuCtxSynchronize", (IntPtr)(delegate* unmanaged[Cdecl]<int>)&cuCtxSynchronize));
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuGetErrorName(int error, byte** pStr)
    {
        if (pStr == null)
        {
            return Error(CudaErrorCode.InvalidValue);
        }
        *pStr = ErrorNames.Text(error, description: false);
        return *pStr == null ? Error(CudaErrorCode.InvalidValue) : 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuGetErrorString(int error, byte** pStr)
    {
        if (pStr == null)
        {
            return Error(CudaErrorCode.InvalidValue);
        }
        *pStr = ErrorNames.Text(error, description: true);
        return *pStr == null ? Error(CudaErrorCode.InvalidValue) : 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuInit(uint flags)
    {
        if (flags != 0)
        {
            return Fail(CudaErrorCode.InvalidValue, $"cuInit({flags}): flags must be 0");
        }
        DriverState.Initialize();
        return 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuDriverGetVersion(int* driverVersion)
    {
        if (driverVersion == null)
        {
            return Error(CudaErrorCode.InvalidValue);
        }
        *driverVersion = DeviceProperties.DriverVersion;
        return 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuDeviceGetCount(int* count)
    {
        if (!DriverState.Initialized)
        {
            return Fail(CudaErrorCode.NotInitialized, "cuDeviceGetCount before cuInit");
        }
        if (count == null)
        {
            return Error(CudaErrorCode.InvalidValue);
        }
        *count = DriverState.Devices.Count;
        return 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuDeviceGet(int* device, int ordinal) => WithDevice("cuDeviceGet", ordinal, _ =>
    {
        if (device == null)
        {
            return Error(CudaErrorCode.InvalidValue);
        }
        *device = ordinal;
        return 0;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuDeviceGetName(byte* name, int len, int dev) => WithDevice("cuDeviceGetName", dev, _ =>
    {
        if (name == null || len <= 0)
        {
            return Fail(CudaErrorCode.InvalidValue, $"cuDeviceGetName: buffer null or length {len}");
        }
        byte[] bytes = Encoding.UTF8.GetBytes(DeviceProperties.Name(dev));
        int n = Math.Min(bytes.Length, len - 1);
        bytes.AsSpan(0, n).CopyTo(new Span<byte>(name, len));
        name[n] = 0;
        return 0;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuDeviceGetAttribute(int* pi, int attrib, int dev) => WithDevice("cuDeviceGetAttribute", dev, _ =>
    {
        int? value = DeviceProperties.Attribute(attrib, dev);
        if (pi == null || value is null)
        {
            return Fail(CudaErrorCode.InvalidValue, $"cuDeviceGetAttribute: {attrib} is not a CUdevice_attribute");
        }
        *pi = value.Value;
        return 0;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuDeviceTotalMem_v2(nuint* bytes, int dev) => WithDevice("cuDeviceTotalMem", dev, device =>
    {
        if (bytes == null)
        {
            return Error(CudaErrorCode.InvalidValue);
        }
        *bytes = (nuint)device.Memory.TotalBytes;
        return 0;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuDeviceCanAccessPeer(int* canAccessPeer, int dev, int peerDev)
        => WithDevice("cuDeviceCanAccessPeer", dev, _ => WithDevice("cuDeviceCanAccessPeer", peerDev, _ =>
        {
            if (canAccessPeer == null)
            {
                return Error(CudaErrorCode.InvalidValue);
            }
            // One address space on one host: every device reaches every other's memory through copies.
            *canAccessPeer = dev != peerDev ? 1 : 0;
            return 0;
        }));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuMemGetInfo_v2(nuint* free, nuint* total) => WithContext("cuMemGetInfo", context =>
    {
        if (free == null || total == null)
        {
            return Error(CudaErrorCode.InvalidValue);
        }
        DeviceMemory memory = context.Device.Memory;
        *total = (nuint)memory.TotalBytes;
        *free = (nuint)(memory.TotalBytes - memory.UsedBytes);
        return 0;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuDevicePrimaryCtxRetain(IntPtr* pctx, int dev) => WithDevice("cuDevicePrimaryCtxRetain", dev, device =>
    {
        if (pctx == null)
        {
            return Error(CudaErrorCode.InvalidValue);
        }
        *pctx = device.RetainPrimary().Handle;
        return 0;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuDevicePrimaryCtxRelease_v2(int dev) => WithDevice("cuDevicePrimaryCtxRelease", dev, device
        => device.ReleasePrimary() ? 0 : Fail(CudaErrorCode.InvalidContext, $"cuDevicePrimaryCtxRelease({dev}): the primary context is not retained"));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuCtxSetCurrent(IntPtr ctx)
    {
        if (!DriverState.Initialized)
        {
            return Fail(CudaErrorCode.NotInitialized, "cuCtxSetCurrent before cuInit");
        }
        if (ctx == IntPtr.Zero)
        {
            DriverState.Current = null;
            return 0;
        }
        if (!HandleTable.TryGet(ctx, out DriverContext context))
        {
            return Fail(CudaErrorCode.InvalidContext, $"cuCtxSetCurrent(0x{ctx:X}): not a context of the virtual device");
        }
        DriverState.Current = context;
        return 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuCtxGetCurrent(IntPtr* pctx)
    {
        if (!DriverState.Initialized)
        {
            return Fail(CudaErrorCode.NotInitialized, "cuCtxGetCurrent before cuInit");
        }
        if (pctx == null)
        {
            return Error(CudaErrorCode.InvalidValue);
        }
        *pctx = DriverState.Current?.Handle ?? IntPtr.Zero;
        return 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuCtxGetDevice(int* device) => WithContext("cuCtxGetDevice", context =>
    {
        if (device == null)
        {
            return Error(CudaErrorCode.InvalidValue);
        }
        *device = context.Device.Ordinal;
        return 0;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int cuCtxSynchronize() => WithUnsafeContext("cuCtxSynchronize", context =>
    {
        context.Drain();
        return Error(context.TakeFault());
    });

    private static CudaErrorCode CheckDevice(string call, int ordinal, out VirtualGpu device)
    {
        device = null!;
        if (!DriverState.Initialized)
        {
            return DriverErrors.Fail(CudaErrorCode.NotInitialized, $"{call} before cuInit");
        }
        VirtualGpu? d = DriverState.Device(ordinal);
        if (d is null)
        {
            return DriverErrors.Fail(CudaErrorCode.InvalidDevice, $"{call}: device {ordinal} does not exist; the virtual device has {DriverState.Devices.Count} (set {VirtualDeviceOptions.Variable}=devices=N)");
        }
        device = d;
        return CudaErrorCode.Success;
    }
}

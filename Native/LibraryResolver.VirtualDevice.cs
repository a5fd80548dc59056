using CudaTensor.VirtualDevice;

namespace CudaTensor.Native;

// The virtual device: when CUDATENSOR_VIRTUAL_DEVICE is set, the driver, cuBLAS and cuBLASLt resolve to the
// emulator's shims (never the real libraries); NVRTC is still the real one.
public static partial class LibraryResolver
{
    /// <summary>
    /// The environment variable that switches on the virtual CUDA device: <c>1</c>, or options such as
    /// <c>devices=2,memory=2GiB,sync=strict</c>. Read once, before the first CUDA call.
    /// </summary>
    public const string VirtualDeviceVariable = VirtualDeviceOptions.Variable;

    /// <summary>True when <see cref="VirtualDeviceVariable"/> asks for the virtual device (set, not empty, not "0").</summary>
    public static bool IsVirtualDeviceRequested => VirtualDeviceActivation.IsRequested;

    /// <summary>The virtual device's name, options and shim folder when it is requested, else null.</summary>
    public static string? VirtualDeviceDescription => IsVirtualDeviceRequested ? VirtualDeviceActivation.Describe() : null;

    /// <summary>What the virtual device recorded about this thread's last failed driver call with <paramref name="result"/>, or null.</summary>
    /// <param name="result">The status the call returned.</param>
    /// <returns>The detail, or null when the virtual device is not in use or has none.</returns>
    internal static string? VirtualDeviceDetail(CuResult result)
        => IsVirtualDeviceRequested && Probe(NativeLibraryKind.Driver).Found ? VirtualDeviceActivation.LastErrorDetail((int)result) : null;

    /// <summary>Why the virtual device's cuBLAS/cuBLASLt returned <paramref name="status"/> on this thread's last failed call, or null.</summary>
    /// <param name="status">The status the call returned.</param>
    /// <returns>The detail (the call and its numbers), or null when the virtual device is not in use or has none.</returns>
    internal static string? VirtualBlasDetail(CublasStatus status)
        => IsVirtualDeviceRequested ? CudaTensor.VirtualDevice.Blas.BlasFailure.LastErrorDetail((int)status) : null;

    // The shim for kind when the virtual device is requested (a probe that is not found, with the reason, when
    // activation fails); null for NVRTC or when the virtual device is not requested.
    private static NativeLibraryProbe? ProbeVirtualDevice(NativeLibraryKind kind)
    {
        VirtualLibrary? library = kind switch
        {
            NativeLibraryKind.Driver => VirtualLibrary.Driver,
            NativeLibraryKind.Cublas => VirtualLibrary.Cublas,
            NativeLibraryKind.CublasLt => VirtualLibrary.CublasLt,
            _ => null,
        };
        if (library is null || !IsVirtualDeviceRequested)
        {
            return null;
        }
        try
        {
            VirtualLibraryHandle shim = VirtualDeviceActivation.Load(library.Value);
            return new NativeLibraryProbe(kind, shim.Handle, shim.Path, [shim.Path]);
        }
        catch (InvalidOperationException e)
        {
            return new NativeLibraryProbe(kind, IntPtr.Zero, null, [$"the virtual device ({VirtualDeviceVariable}): {e.Message.TrimEnd('.')}"]);
        }
    }
}

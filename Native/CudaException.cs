using System.Globalization;

namespace CudaTensor.Native;

/// <summary>A CUDA driver API call failed. The message names the error, the call and, where one helps, the fix.</summary>
public sealed class CudaException : Exception
{
    /// <summary>Creates the exception for a failed driver call.</summary>
    /// <param name="result">The status the driver returned.</param>
    /// <param name="call">The failing call, as written in the source.</param>
    public CudaException(CuResult result, string call)
        : base(Format(result, call))
    {
        Result = result;
        Call = call;
    }

    /// <summary>The driver's status code.</summary>
    public CuResult Result { get; }

    /// <summary>The driver's name for <see cref="Result"/>, e.g. <c>CUDA_ERROR_NO_DEVICE</c>.</summary>
    public string ErrorName => Driver.ErrorName(Result);

    /// <summary>The failing call.</summary>
    public string Call { get; }

    /// <summary>A fix for the status, or null where there is nothing to add to the driver's description.</summary>
    /// <param name="result">The status.</param>
    /// <returns>The hint or null.</returns>
    public static string? Hint(CuResult result) => result switch
    {
        CuResult.CUDA_ERROR_NO_DEVICE => "no CUDA-capable GPU is visible; the CPU backend is used",
        CuResult.CUDA_ERROR_STUB_LIBRARY =>
            "the libcuda that was loaded is the CUDA toolkit's link stub; put the driver's libcuda.so.1 first on the loader path",
        CuResult.CUDA_ERROR_SYSTEM_DRIVER_MISMATCH =>
            "the NVIDIA kernel module and the user-mode driver library have different versions; reinstall the driver or reboot",
        CuResult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION or CuResult.CUDA_ERROR_NO_BINARY_FOR_GPU =>
            $"the driver is older than the compiler: driver supports CUDA {VersionText(Driver.TryGetVersion())}, "
            + $"NVRTC is {NvrtcVersionText()}; update the driver or use an NVRTC no newer than the driver",
        CuResult.CUDA_ERROR_OUT_OF_MEMORY => "free tensors (Dispose) or release cached blocks before retrying",
        CuResult.CUDA_ERROR_NOT_INITIALIZED => "cuInit was not called or failed; check Cuda.Diagnose()",
        CuResult.CUDA_ERROR_INVALID_CONTEXT => "no context is current on this thread; make the device's primary context current first",
        _ => null,
    };

    private static string Format(CuResult result, string call)
    {
        string name = Driver.ErrorName(result);
        string description = Driver.ErrorDescription(result);
        string? hint = Hint(result);
        string? detail = LibraryResolver.VirtualDeviceDetail(result);
        string message = string.Create(CultureInfo.InvariantCulture,
            $"{name} ({(int)result}): {description}, in {call}{(hint is null ? "." : "; " + hint + ".")}");
        return detail is null ? message : message + " Virtual device: " + detail;
    }

    private static string VersionText(int version)
        => version <= 0 ? "(unknown)" : string.Create(CultureInfo.InvariantCulture, $"{version / 1000}.{version % 1000 / 10}");

    private static string NvrtcVersionText()
    {
        var (major, minor) = Nvrtc.TryGetVersion();
        return major <= 0 ? "(not loaded)" : string.Create(CultureInfo.InvariantCulture, $"{major}.{minor}");
    }
}

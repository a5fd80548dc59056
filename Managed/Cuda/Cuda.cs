using CudaTensor.Runtime.Cuda;

namespace CudaTensor;

/// <summary>Whether CUDA can be used on this machine, and why not.</summary>
public static class Cuda
{
    /// <summary>
    /// True when the CUDA driver, at least one GPU and NVRTC are usable. Never throws; the first call probes
    /// (loads the driver, calls cuInit) and later calls return the cached answer.
    /// </summary>
    public static bool IsAvailable => CudaProbe.Default.IsAvailable;

    /// <summary>Number of CUDA devices (0 when CUDA is unusable). Never throws.</summary>
    public static int DeviceCount => CudaProbe.Default.DeviceCount;

    /// <summary>Why CUDA is unusable, or null when it is available. Never throws.</summary>
    public static string? UnavailableReason => CudaProbe.Default.Reason;

    /// <summary>Properties of device <paramref name="index"/>.</summary>
    /// <param name="index">Device index, 0 to <see cref="DeviceCount"/> - 1.</param>
    /// <returns>Name, compute capability, memory, SMs, limits.</returns>
    /// <exception cref="InvalidOperationException">CUDA is unusable (the message says why).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a device.</exception>
    public static CudaDeviceInfo GetDeviceProperties(int index)
    {
        if (!IsAvailable)
        {
            throw new InvalidOperationException("CUDA is unusable: " + UnavailableReason);
        }
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, DeviceCount);
        return CudaDeviceInfo.Query(index);
    }

    /// <summary>
    /// A readable report: which libraries were found (path, version) or not (names tried), the driver's CUDA
    /// version, each device, NVRTC's version and architectures, and the exact reason when CUDA is unusable.
    /// Never throws.
    /// </summary>
    /// <returns>The report.</returns>
    public static string Diagnose() => CudaProbe.Default.Report();
}

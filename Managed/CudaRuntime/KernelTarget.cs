using System.Globalization;

namespace CudaTensor.CudaRuntime;

/// <summary>
/// What NVRTC compiles for: a cubin for one real architecture (<c>-arch=sm_XY</c>), or PTX for a virtual one
/// (<c>-arch=compute_XY</c>) that the driver finishes compiling when it loads the module.
/// </summary>
/// <param name="Architecture">Compute capability times ten (80 for sm_80).</param>
/// <param name="Cubin">True for sm_XY cubin, false for compute_XY PTX.</param>
internal readonly record struct KernelTarget(int Architecture, bool Cubin)
{
    /// <summary>The <c>-arch</c> value: "sm_80" or "compute_80".</summary>
    public override string ToString()
        => (Cubin ? "sm_" : "compute_") + Architecture.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The target for a device of compute capability <paramref name="deviceArchitecture"/> given the
    /// architectures this NVRTC supports: its own cubin when NVRTC knows it; PTX for the newest older
    /// architecture when the GPU is newer than NVRTC (the driver JIT-compiles PTX forward).
    /// </summary>
    /// <param name="deviceArchitecture">The GPU's compute capability times ten.</param>
    /// <param name="supported">Architectures from nvrtcGetSupportedArchs.</param>
    /// <returns>The target.</returns>
    /// <exception cref="NotSupportedException">The GPU is older than every architecture NVRTC supports (CUDA 13 dropped sm_70 and below).</exception>
    public static KernelTarget ForDevice(int deviceArchitecture, IReadOnlyCollection<int> supported)
    {
        ArgumentNullException.ThrowIfNull(supported);
        if (supported.Contains(deviceArchitecture))
        {
            return new KernelTarget(deviceArchitecture, Cubin: true);
        }
        int[] older = supported.Where(a => a <= deviceArchitecture).ToArray();
        if (older.Length == 0)
        {
            string list = string.Join(", ", supported.Select(a => "sm_" + a.ToString(CultureInfo.InvariantCulture)));
            throw new NotSupportedException(
                $"The GPU's architecture sm_{deviceArchitecture.ToString(CultureInfo.InvariantCulture)} is older than every "
                + $"architecture this NVRTC supports ({list}); use an older CUDA toolkit's NVRTC (CUDA 12 supports sm_50 and later).");
        }
        return new KernelTarget(older.Max(), Cubin: false);
    }
}

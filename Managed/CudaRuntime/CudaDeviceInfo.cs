using CudaTensor.Native;

namespace CudaTensor.CudaRuntime;

/// <summary>Properties of one CUDA device, read from the driver.</summary>
/// <param name="Ordinal">Device index.</param>
/// <param name="Name">Marketing name.</param>
/// <param name="ComputeCapabilityMajor">Compute capability, major.</param>
/// <param name="ComputeCapabilityMinor">Compute capability, minor.</param>
/// <param name="TotalMemoryBytes">Device memory in bytes.</param>
/// <param name="MultiprocessorCount">Number of SMs.</param>
/// <param name="MaxThreadsPerBlock">Largest block.</param>
/// <param name="MaxSharedMemoryPerBlockBytes">Shared memory per block without opt-in, bytes.</param>
/// <param name="MaxSharedMemoryPerBlockOptinBytes">Shared memory per block with opt-in, bytes.</param>
/// <param name="WarpSize">Threads per warp.</param>
public sealed record CudaDeviceInfo(int Ordinal, string Name, int ComputeCapabilityMajor, int ComputeCapabilityMinor,
    ulong TotalMemoryBytes, int MultiprocessorCount, int MaxThreadsPerBlock, int MaxSharedMemoryPerBlockBytes,
    int MaxSharedMemoryPerBlockOptinBytes, int WarpSize)
{
    /// <summary>Compute capability times ten (e.g. 90 for sm_90).</summary>
    public int Architecture => (ComputeCapabilityMajor * 10) + ComputeCapabilityMinor;

    /// <summary>Reads the properties of device <paramref name="ordinal"/> (cuInit must have succeeded).</summary>
    /// <param name="ordinal">Device index.</param>
    /// <returns>The properties.</returns>
    /// <exception cref="CudaException">The driver call failed (e.g. CUDA_ERROR_INVALID_DEVICE).</exception>
    public static CudaDeviceInfo Query(int ordinal)
    {
        int d = Driver.GetDevice(ordinal);
        return new CudaDeviceInfo(ordinal, Driver.GetName(d),
            Driver.GetAttribute(d, DeviceAttribute.ComputeCapabilityMajor),
            Driver.GetAttribute(d, DeviceAttribute.ComputeCapabilityMinor),
            Driver.GetTotalMemory(d),
            Driver.GetAttribute(d, DeviceAttribute.MultiprocessorCount),
            Driver.GetAttribute(d, DeviceAttribute.MaxThreadsPerBlock),
            Driver.GetAttribute(d, DeviceAttribute.MaxSharedMemoryPerBlock),
            Driver.GetAttribute(d, DeviceAttribute.MaxSharedMemoryPerBlockOptin),
            Driver.GetAttribute(d, DeviceAttribute.WarpSize));
    }
}

using CudaTensor.Backends.Cpu;
using CudaTensor.Backends.Cuda;

namespace CudaTensor.Backends;

/// <summary>Finds the backend for a device: the managed CPU backend, or the CUDA backend of GPU N.</summary>
internal static class Backend
{
    public static IBackend For(Device device)
    {
        if (device.IsCpu) return CpuBackend.Instance;
        // Throws NotSupportedException naming the reason when CUDA is unusable or the device does not exist.
        return CudaBackend.For(device.Index);
    }
}

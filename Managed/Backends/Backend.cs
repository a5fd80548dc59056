using CudaTensor.Backends.Cpu;

namespace CudaTensor.Backends;

/// <summary>Finds the backend for a device.</summary>
internal static class Backend
{
    public static IBackend For(Device device)
    {
        if (device.IsCpu) return CpuBackend.Instance;
        throw new NotSupportedException(
            $"Device {device} is not available: the CUDA backend is not part of this build yet. Create the tensor on Device.Cpu.");
    }
}

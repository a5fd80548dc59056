namespace CudaTensor.Tests.Support;

/// <summary>
/// The devices every device-parametrized fixture runs on: the CPU always, plus the first CUDA device when
/// <see cref="Cuda.IsAvailable"/> (so the whole suite runs again on the GPU on a machine that has one). Use with
/// <c>[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]</c>.
/// </summary>
public static class TestDevices
{
    public static IEnumerable<Device> Available
    {
        get
        {
            yield return Device.Cpu;
            if (Cuda.IsAvailable) yield return Device.Cuda();
        }
    }
}

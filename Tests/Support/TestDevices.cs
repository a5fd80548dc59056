namespace CudaTensor.Tests.Support;

/// <summary>
/// The devices every device-parametrized fixture runs on: the CPU always, plus CUDA devices once the CUDA
/// backend exists and a GPU is present. Use with <c>[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]</c>.
/// </summary>
public static class TestDevices
{
    public static IEnumerable<Device> Available
    {
        get
        {
            yield return Device.Cpu;
        }
    }
}

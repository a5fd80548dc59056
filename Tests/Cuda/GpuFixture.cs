using CudaTensor.Tests.NativeBinding;
using NUnit.Framework;

namespace CudaTensor.Tests.CudaBackend;

/// <summary>
/// Base of the fixtures that compare CUDA with the CPU backend: skipped, with the reason, on machines without a usable
/// GPU; otherwise <see cref="Gpu"/> is cuda:0.
/// </summary>
[Category("Gpu")]
[NonParallelizable]
public abstract class GpuFixture
{
    protected static readonly Device Cpu = Device.Cpu;

    protected Device Gpu { get; private set; }

    [OneTimeSetUp]
    public void RequireGpu()
    {
        NativeRequirement.Gpu();
        Gpu = Device.Cuda();
    }
}

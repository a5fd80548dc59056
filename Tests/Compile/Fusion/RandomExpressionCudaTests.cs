using CudaTensor.Native;
using CudaTensor.Tests.CudaBackend;
using CudaTensor.Tests.NativeBinding;
using NUnit.Framework;

namespace CudaTensor.Tests.Compilation.Fusion;

/// <summary>
/// Random elementwise expressions on cuda:0 (the virtual device in CI, so tensors stay small): the generated kernel
/// calls the same ops.cuh functions as the eager kernels without FMA contraction, so it must match eager CUDA exactly,
/// and the CPU backend within the two math libraries' ulps.
/// </summary>
public sealed class RandomExpressionCudaTests : GpuFixture
{
    private static IEnumerable<int> Seeds => Enumerable.Range(1000, 8);

    [TestCaseSource(nameof(Seeds))]
    public void FusedMatchesEager(int seed)
    {
        NativeRequirement.Library(NativeLibraryKind.Nvrtc);
        using var scope = Tensor.NewScope();
        var rng = new Random(seed);
        int count = rng.Next(1, 4);
        var dtypes = RandomExpressions.ArgumentTypes(rng, count);
        var shapes = RandomExpressions.BroadcastShapes(rng, count, large: false);
        var (body, text) = RandomExpressions.Expression(rng, dtypes, rng.Next(2, 7));
        var gen = new Generator((ulong)seed);
        var cpuArgs = shapes.Select((s, k) => RandomExpressions.Values(s, dtypes[k], gen, Cpu)).ToArray();
        var gpuArgs = cpuArgs.Select(a => a.To(Gpu)).ToArray();

        var eagerGpu = body(gpuArgs);
        var fusedGpu = new ElementwiseKernel(body).Invoke(gpuArgs);
        var eagerCpu = body(cpuArgs);

        string what = $"seed {seed}: {text}";
        Assert.That(fusedGpu.Device, Is.EqualTo(Gpu));
        FusedAssert.Identical(fusedGpu.To(Cpu), eagerGpu.To(Cpu), what + " (fused vs eager CUDA)");
        if (eagerCpu.DType == DType.Float32) FusedAssert.Close(fusedGpu.To(Cpu), eagerCpu, what + " (CUDA vs CPU)", 1e-5, 1e-6);
        else FusedAssert.Close(fusedGpu.To(Cpu), eagerCpu, what + " (CUDA vs CPU)", 1e-12, 1e-13);
    }
}

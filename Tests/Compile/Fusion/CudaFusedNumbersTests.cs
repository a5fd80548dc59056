using CudaTensor.CudaRuntime;
using CudaTensor.Native;
using CudaTensor.Tests.CudaBackend;
using CudaTensor.Tests.NativeBinding;
using NUnit.Framework;

namespace CudaTensor.Tests.Compilation.Fusion;

/// <summary>
/// Numbers in fused CUDA kernels are kernel arguments: programs that differ only in a constant or a unary op's
/// parameter share one generated source, so one NVRTC compilation (the cache key is the source), and each gives its
/// own values.
/// </summary>
public sealed class CudaFusedNumbersTests : GpuFixture
{
    private static string CudaSource(string explain) => explain[explain.IndexOf("CUDA C:", StringComparison.Ordinal)..];

    [Test]
    public void ProgramsDifferingInConstantsShareOneKernel()
    {
        NativeRequirement.Library(NativeLibraryKind.Nvrtc);
        using var scope = Tensor.NewScope();
        var x = Tensor.Randn([5, 37], DType.Float32, Cpu, generator: new Generator(7));
        var gx = x.To(Gpu);
        // Constants nobody else compiles (so the first kernel is a fresh cache entry), and LeakyRelu's slope.
        Func<Tensor[], Tensor> first = a => ((a[0] * 2.71828) + 0.125).LeakyRelu(0.0625).Tanh() - 3.5;
        Func<Tensor[], Tensor> second = a => ((a[0] * -1.25) + 9.0).LeakyRelu(0.3).Tanh() - 0.001;
        var k1 = new ElementwiseKernel(first);
        var k2 = new ElementwiseKernel(second);
        Assert.That(CudaSource(k2.Explain(gx)), Is.EqualTo(CudaSource(k1.Explain(gx))), "the source must not contain the numbers");
        Assert.That(CudaSource(k1.Explain(gx)), Does.Not.Contain("2.71828").And.Not.Contain("0x402df84d"), "no literal of the constant");

        var cache = KernelCache.Shared;
        int before = cache.Compilations + cache.DiskHits;
        var r1 = k1.Invoke(gx).To(Cpu);
        var r2 = k2.Invoke(gx).To(Cpu);
        Assert.That(cache.Compilations + cache.DiskHits - before, Is.LessThanOrEqualTo(1), "one kernel compiled (or read from disk) for both programs");

        FusedAssert.Close(r1, first([x]), "first program vs CPU", 1e-5, 1e-6);
        FusedAssert.Close(r2, second([x]), "second program vs CPU", 1e-5, 1e-6);
        FusedAssert.Identical(r1, first([gx]).To(Cpu), "first program vs eager CUDA");
        FusedAssert.Identical(r2, second([gx]).To(Cpu), "second program vs eager CUDA");
    }

    [Test]
    public void CompiledFunctionsDifferingInAConstantShareOneKernel()
    {
        NativeRequirement.Library(NativeLibraryKind.Nvrtc);
        using var scope = Tensor.NewScope();
        var gen = new Generator(11);
        var a = Tensor.Randn([6, 20], DType.Float64, Cpu, generator: gen);
        var b = Tensor.Randn([20], DType.Float64, Cpu, generator: gen);
        var (ga, gb) = (a.To(Gpu), b.To(Gpu));
        Func<Tensor, Tensor, Tensor> f1 = (p, q) => ((p * q + 0.75).Sigmoid() * p - q * 1.5).Tanh();
        Func<Tensor, Tensor, Tensor> f2 = (p, q) => ((p * q + -4.0).Sigmoid() * p - q * 0.2).Tanh();
        var c1 = Compile.Function(f1);
        var c2 = Compile.Function(f2);
        for (int call = 0; call < 3; call++) c1(ga, gb).Dispose();
        // c1's replays compiled its fused kernel; c2 differs only in its numbers, so it compiles nothing.
        var cache = KernelCache.Shared;
        int before = cache.Compilations + cache.DiskHits;
        for (int call = 0; call < 3; call++) c2(ga, gb).Dispose();
        var r1 = c1(ga, gb).To(Cpu);
        var r2 = c2(ga, gb).To(Cpu);
        Assert.That(cache.Compilations + cache.DiskHits, Is.EqualTo(before), "the second function reuses the first one's kernel");
        FusedAssert.Close(r1, f1(a, b), "first function vs CPU", 1e-12, 1e-13);
        FusedAssert.Close(r2, f2(a, b), "second function vs CPU", 1e-12, 1e-13);
    }
}

using CudaTensor.Native;
using CudaTensor.Tests.CudaBackend;
using CudaTensor.Tests.NativeBinding;
using NUnit.Framework;

namespace CudaTensor.Tests.Compilation.Fusion;

/// <summary>The fusion pass on cuda:0 (the virtual device in CI): the fused node's kernel matches eager CUDA exactly.</summary>
public sealed class ElementwiseFusionPassCudaTests : GpuFixture
{
    [Test]
    public void CompiledChainMatchesEagerCuda()
    {
        NativeRequirement.Library(NativeLibraryKind.Nvrtc);
        using var scope = Tensor.NewScope();
        var gen = new Generator(31);
        Func<Tensor, Tensor, Tensor> chain = (a, b) => ((a * b + 1).Sigmoid() * a - b).Tanh();
        var compiled = Compile.Function(chain);
        for (int call = 0; call < 3; call++)
        {
            var a = Tensor.Randn([7, 30], DType.Float32, Cpu, generator: gen).To(Gpu);
            var b = Tensor.Randn([30], DType.Float32, Cpu, generator: gen).To(Gpu);
            FusedAssert.Identical(compiled(a, b).To(Cpu), chain(a, b).To(Cpu), $"call {call}");
        }
    }
}

using NUnit.Framework;

namespace CudaTensor.Tests.Compilation.Fusion;

/// <summary>
/// The elementwise fusion pass inside compiled functions: chains of recorded elementwise primitives become one fused
/// node, and every call (warm-up, trace, replays) gives eager mode's values; elementwise work around a product, numbers
/// and broadcast operands, and in-place state updates fuse too.
/// </summary>
public sealed class ElementwiseFusionPassTests
{
    private static readonly Device Cpu = Device.Cpu;

    [Test]
    public void TheSixOpChainBecomesOneFusedNode()
    {
        using var scope = Tensor.NewScope();
        var gen = new Generator(21);
        Func<Tensor, Tensor, Tensor> chain = (a, b) => ((a * b + 1).Sigmoid() * a - b).Tanh();
        var compiled = Compile.Function(chain);
        for (int call = 0; call < 4; call++)
        {
            var a = Tensor.Randn([3, 700], DType.Float64, Cpu, generator: gen);
            var b = Tensor.Randn([3, 700], DType.Float64, Cpu, generator: gen);
            FusedAssert.Identical(compiled(a, b), chain(a, b), $"call {call}");
        }
        string report = Compile.Explain(compiled, Tensor.Zeros([3, 700], DType.Float64), Tensor.Zeros([3, 700], DType.Float64));
        Assert.That(report, Does.Contain("FusedElementwise").And.Contain("6 node(s) in 1 fused group(s)"));
    }

    [Test]
    public void ElementwiseWorkAroundAProductFuses()
    {
        using var scope = Tensor.NewScope();
        var gen = new Generator(22);
        var w = Tensor.Randn([16, 8], DType.Float32, Cpu, generator: gen);
        var bias = Tensor.Randn([8], DType.Float32, Cpu, generator: gen);
        Func<Tensor, Tensor> layer = x => ((x.MatMul(w) + bias).Relu() * 0.5 - x.MatMul(w).Sigmoid()).Clamp(-1, 1);
        var compiled = Compile.Function(layer);
        for (int call = 0; call < 4; call++)
        {
            var x = Tensor.Randn([5, 16], DType.Float32, Cpu, generator: gen);
            FusedAssert.Close(compiled(x), layer(x), $"call {call}", 1e-6, 1e-7);
        }
        Assert.That(Compile.Explain(compiled, Tensor.Zeros([5, 16])), Does.Contain("FusedElementwise"));
    }

    [Test]
    public void InPlaceUpdatesOfStateFuse()
    {
        using var scope = Tensor.NewScope();
        var gen = new Generator(23);
        var state = Tensor.Randn([64], DType.Float64, Cpu, generator: gen);
        var mirror = state.Clone();
        Func<Tensor, Tensor> step = g =>
        {
            // A hand-written momentum update: state = 0.9 state + g, result = state * 2 - g.
            state.MulInPlace(0.9).AddInPlace(g);
            return state * 2 - g;
        };
        Func<Tensor, Tensor> eagerStep = g =>
        {
            mirror.MulInPlace(0.9).AddInPlace(g);
            return mirror * 2 - g;
        };
        var compiled = Compile.Function(step);
        for (int call = 0; call < 5; call++)
        {
            var g = Tensor.Randn([64], DType.Float64, Cpu, generator: gen);
            FusedAssert.Identical(compiled(g), eagerStep(g), $"result of call {call}");
            FusedAssert.Identical(state, mirror, $"state after call {call}");
        }
    }

    [Test]
    public void AnElementwiseKernelInsideACompiledFunctionIsRecordedAndFused()
    {
        using var scope = Tensor.NewScope();
        var gen = new Generator(24);
        var kernel = ElementwiseKernel.Create((a, b) => (a * b + 1).Sigmoid());
        Func<Tensor, Tensor, Tensor> body = (a, b) => kernel(a, b) - b;
        var compiled = Compile.Function(body);
        for (int call = 0; call < 4; call++)
        {
            var a = Tensor.Randn([40], DType.Float64, Cpu, generator: gen);
            var b = Tensor.Randn([40], DType.Float64, Cpu, generator: gen);
            FusedAssert.Identical(compiled(a, b), (a * b + 1).Sigmoid() - b, $"call {call}");
        }
        Assert.That(Compile.Explain(compiled, Tensor.Zeros([40], DType.Float64), Tensor.Zeros([40], DType.Float64)), Does.Contain("FusedElementwise"));
    }
}

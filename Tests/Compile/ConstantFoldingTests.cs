using CudaTensor.Compilation;
using CudaTensor.Tests.Compilation.Fusion;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Compilation;

/// <summary>Constant folding (<see cref="ConstantFolding"/>): work on constants of the capture runs once, at compile time.</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class ConstantFoldingTests(Device device)
{
    [Test]
    public void WorkOnNumbersBecomesOneFill()
    {
        using var scope = Tensor.NewScope();
        // exp(full(2) * 3) is the same number everywhere: computed once, then a Fill of it.
        Func<Tensor, Tensor> body = x => x * (Tensor.Full([4], 2.0, DType.Float64, device) * 3.0).Exp();
        var compiled = Compile.Function(body);
        var gen = new Generator(51);
        for (int call = 0; call < 3; call++)
        {
            var x = Tensor.Randn([3, 4], DType.Float64, Device.Cpu, generator: gen).To(device);
            FusedAssert.Identical(compiled(x), body(x), $"call {call}");
        }
        string report = Compile.Explain(compiled, Tensor.Zeros([3, 4], DType.Float64, device));
        TestContext.Out.WriteLine(report);
        Assert.That(report, Does.Contain("constant folding: folded 2 node(s)"));
        Assert.That(report, Does.Not.Contain("Unary.Exp"));
        Assert.That(report, Does.Contain("value=403.428793492735"));
    }

    [Test]
    public void WorkOnAHostArrayBecomesOneHostWrite()
    {
        using var scope = Tensor.NewScope();
        Func<Tensor, Tensor> body = x => x + Tensor.FromArray(new float[] { 1, 4, 9, 16 }, device).Sqrt().Neg();
        var compiled = Compile.Function(body);
        var gen = new Generator(52);
        for (int call = 0; call < 3; call++)
        {
            var x = Tensor.Randn([2, 4], DType.Float32, Device.Cpu, generator: gen).To(device);
            FusedAssert.Identical(compiled(x), body(x), $"call {call}");
        }
        string report = Compile.Explain(compiled, Tensor.Zeros([2, 4], DType.Float32, device));
        TestContext.Out.WriteLine(report);
        Assert.That(report, Does.Contain("constant folding: folded 2 node(s)"));
        Assert.That(report, Does.Not.Contain("Unary.Sqrt").And.Not.Contain("Unary.Neg"));
        Assert.That(report, Does.Contain("WriteFromHost"));
    }

    [Test]
    public void InputsAndStateAreNotConstants()
    {
        using var scope = Tensor.NewScope();
        var state = Tensor.Full([4], 2.0, DType.Float32, device);
        Func<Tensor, Tensor> body = x => x.Exp() + state.Sqrt();
        var compiled = Compile.Function(body);
        var x = Tensor.Full([4], 1.0, DType.Float32, device);
        compiled(x).Dispose();
        compiled(x).Dispose();
        // State changes between calls are seen: the Sqrt of state was not baked in.
        state.AddInPlace(2.0);
        FusedAssert.Identical(compiled(x), body(x), "after the state changed");
        Assert.That(Compile.Explain(compiled, x), Does.Contain("constant folding: folded 0 node(s)"));
    }
}

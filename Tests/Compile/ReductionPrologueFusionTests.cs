using CudaTensor.Compilation;
using CudaTensor.Tests.Compilation.Fusion;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Compilation;

/// <summary>Reduction prologue fusion (<see cref="ReductionPrologueFusion"/>): elementwise work feeding a reduction runs with it.</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class ReductionPrologueFusionTests(Device device)
{
    private Tensor Randn(long[] shape, DType dtype, Generator gen) => Tensor.Randn(shape, dtype, Device.Cpu, generator: gen).To(device);

    // Rows and columns: on the CPU enough rows for several slabs of the scratch buffer; on the virtual device small.
    private long[] Shape => device.IsCpu ? [300, 1000] : [6, 40];

    [TestCase(DType.Float32)]
    [TestCase(DType.Float64)]
    public void SquaredDistanceRowSumsMatchEager(DType dtype)
    {
        using var scope = Tensor.NewScope();
        var gen = new Generator(61);
        Func<Tensor, Tensor, Tensor> body = (x, y) => (x - y).Square().Sum(-1);
        var compiled = Compile.Function(body);
        for (int call = 0; call < 3; call++)
        {
            var x = Randn(Shape, dtype, gen);
            var y = Randn(Shape, dtype, gen);
            // The same reduction primitive sums the same values row by row: identical to eager mode.
            FusedAssert.Identical(compiled(x, y), body(x, y), $"call {call}");
        }
        string report = Compile.Explain(compiled, Randn(Shape, dtype, gen), Randn(Shape, dtype, gen));
        TestContext.Out.WriteLine(report);
        Assert.That(report, Does.Contain("FusedReduce.Sum").And.Contain("reduction prologue fusion: 1 reduction(s)"));
        Assert.That(report, Does.Not.Contain("Reduce.Sum(tmp"));
    }

    [Test]
    public void BroadcastOperandsMeanAndMaxFuse()
    {
        using var scope = Tensor.NewScope();
        var gen = new Generator(62);
        var bias = Randn([Shape[1]], DType.Float32, gen);
        Func<Tensor, Tensor[]> body = x => [(x * bias).Exp().Mean(-1, keepDim: true), (x + bias).Tanh().Amax(-1)];
        var compiled = Compile.Function((Tensor[] xs) => body(xs[0]));
        for (int call = 0; call < 3; call++)
        {
            var x = Randn(Shape, DType.Float32, gen);
            var got = compiled([x]);
            var want = body(x);
            FusedAssert.Close(got[0], want[0], $"mean, call {call}", 1e-6, 0);
            FusedAssert.Identical(got[1], want[1], $"max, call {call}");
        }
        string report = Compile.Explain(compiled, [Randn(Shape, DType.Float32, gen)]);
        TestContext.Out.WriteLine(report);
        Assert.That(report, Does.Contain("FusedReduce.Sum").And.Contain("FusedReduce.Max"));
    }

    [Test]
    public void AValueReadElsewhereIsNotFused()
    {
        using var scope = Tensor.NewScope();
        var gen = new Generator(63);
        Func<Tensor[], Tensor[]> body = xs => { var e = xs[0].Exp(); return [e, e.Sum(-1)]; };
        var compiled = Compile.Function(body);
        var x = Randn([4, 8], DType.Float64, gen);
        compiled([x]);
        var got = compiled([x]);
        var want = body([x]);
        FusedAssert.Identical(got[1], want[1], "sum");
        Assert.That(Compile.Explain(compiled, [x]), Does.Contain("reduction prologue fusion: 0 reduction(s)"));
    }
}

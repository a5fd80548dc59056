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

    [TestCase(DType.Float32)]
    [TestCase(DType.Float64)]
    public void ColumnSumsMatchEager(DType dtype)
    {
        using var scope = Tensor.NewScope();
        var gen = new Generator(64);
        var bias = Randn([Shape[1]], dtype, gen);
        // A bias gradient as a backward pass forms it: (g * mask).Sum(0), and a mean over the leading dimension.
        Func<Tensor[], Tensor[]> body = xs => [(xs[0] * xs[1].Gt(0).To(dtype)).Sum(0), (xs[0] * bias).Tanh().Mean(0, keepDim: true)];
        var compiled = Compile.Function(body);
        for (int call = 0; call < 3; call++)
        {
            var g = Randn(Shape, dtype, gen);
            var h = Randn(Shape, dtype, gen);
            var got = compiled([g, h]);
            var want = body([g, h]);
            // Each column is summed over its rows in eager mode's order: identical on the CPU.
            if (device.IsCpu)
            {
                FusedAssert.Identical(got[0], want[0], $"sum, call {call}");
                FusedAssert.Identical(got[1], want[1], $"mean, call {call}");
            }
            else
            {
                FusedAssert.Close(got[0], want[0], $"sum, call {call}", 1e-6, 1e-6);
                FusedAssert.Close(got[1], want[1], $"mean, call {call}", 1e-6, 1e-6);
            }
        }
        string report = Compile.Explain(compiled, [Randn(Shape, dtype, gen), Randn(Shape, dtype, gen)]);
        TestContext.Out.WriteLine(report);
        if (device.IsCpu) Assert.That(report, Does.Contain("FusedReduce.Sum.Leading").And.Contain("reduction prologue fusion: 2 reduction(s)"));
    }

    [Test]
    public void ColumnSumOfThreeDimensionsOverTwoLeadingOnes()
    {
        using var scope = Tensor.NewScope();
        var gen = new Generator(65);
        long[] shape = device.IsCpu ? [7, 50, 33] : [2, 3, 5];
        Func<Tensor, Tensor, Tensor> body = (x, y) => (x * y - 1).Sum([0, 1]);
        var compiled = Compile.Function(body);
        for (int call = 0; call < 2; call++)
        {
            var x = Randn(shape, DType.Float64, gen);
            var y = Randn(shape, DType.Float64, gen);
            FusedAssert.Close(compiled(x, y), body(x, y), $"call {call}", 1e-12, 1e-12);
        }
    }

    [Test]
    public void OneHotWithAClassCountRecordsWithoutFallingBack()
    {
        using var scope = Tensor.NewScope();
        Func<Tensor, Tensor, Tensor> body = (labels, x) => (labels.OneHot(5).To(DType.Float32) * x).Sum(-1);
        var compiled = Compile.Function(body, new CompileOptions { FallbackToEager = false });
        var gen = new Generator(66);
        for (int call = 0; call < 3; call++)
        {
            var labels = Tensor.FromArray(new long[] { 4, 0, 2, 2, 1, 3 }, device);
            var x = Randn([6, 5], DType.Float32, gen);
            FusedAssert.Identical(compiled(labels, x), body(labels, x), $"call {call}");
        }
        var bad = Tensor.FromArray(new long[] { 4, 0, 5, 2, 1, 3 }, device);
        Assert.That(() =>
        {
            using var r = compiled(bad, Randn([6, 5], DType.Float32, gen));
            r.ToArray<float>();
        }, Throws.Exception.With.Message.Contains("OneHot").And.Message.Contains("index 5"));
    }
}

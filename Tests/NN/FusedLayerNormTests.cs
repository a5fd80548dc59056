using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.NN;

/// <summary>
/// The fused layer norm against the composed definition (<see cref="F.ComposedLayerNorm"/>): values and gradients of
/// input, weight and bias on random inputs, gradient checks of first and second order, and float32 rows against float64.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class FusedLayerNormTests(Device device)
{
    private Tensor Randn(ulong seed, DType dtype, params long[] shape) => Tensor.Randn(shape, dtype, device, generator: new Generator(seed));

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var dtype in new[] { DType.Float64, DType.Float32 })
        {
            yield return new TestCaseData(dtype, new long[] { 6, 5 }, 1, true, true).SetName($"LayerNorm {dtype} [6, 5] affine");
            yield return new TestCaseData(dtype, new long[] { 3, 4, 7 }, 1, false, false).SetName($"LayerNorm {dtype} [3, 4, 7] no affine");
            yield return new TestCaseData(dtype, new long[] { 2, 3, 2, 6 }, 2, true, false).SetName($"LayerNorm {dtype} [2, 3, 2, 6] over 2 dims weight only");
            yield return new TestCaseData(dtype, new long[] { 5, 33 }, 1, false, true).SetName($"LayerNorm {dtype} [5, 33] bias only");
            yield return new TestCaseData(dtype, new long[] { 9 }, 1, true, true).SetName($"LayerNorm {dtype} [9] one row");
            yield return new TestCaseData(dtype, new long[] { 300, 1500 }, 1, true, true).SetName($"LayerNorm {dtype} [300, 1500] split across threads");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void MatchesTheComposedDefinition(DType dtype, long[] shape, int normalizedDims, bool withWeight, bool withBias)
    {
        long[] normalized = shape[^normalizedDims..];
        using var x = Randn(1, dtype, shape);
        using var w = Randn(2, dtype, normalized);
        using var b = Randn(3, dtype, normalized);
        var inputs = new List<Tensor> { x };
        if (withWeight) inputs.Add(w);
        if (withBias) inputs.Add(b);
        Tensor? W(Tensor[] xs) => withWeight ? xs[1] : null;
        Tensor? B(Tensor[] xs) => withBias ? xs[withWeight ? 2 : 1] : null;
        var fused = FusedTestSupport.ValueAndGrads(xs => F.LayerNorm(xs[0], normalized, W(xs), B(xs)), [.. inputs]);
        var composed = FusedTestSupport.ValueAndGrads(xs => F.ComposedLayerNorm(xs[0], normalized, W(xs), B(xs), 1e-5), [.. inputs]);
        // Sums of ~1500 float32 products: a few ulps of the largest partial sums.
        double tol = dtype == DType.Float32 ? 2e-4 : 1e-10;
        FusedTestSupport.AssertSame(fused, composed, tol, tol, "LayerNorm");
    }

    [Test]
    public void RecordsOneNode()
    {
        using var x = Tensor.Randn([4, 6], DType.Float64, device, requiresGrad: true, generator: new Generator(1));
        using var w = Tensor.Ones([6], DType.Float64, device, requiresGrad: true);
        using var y = F.LayerNorm(x, [6], w);
        Assert.That(y.GradFn!.Name, Is.EqualTo("LayerNormBackward"));
        Assert.That(y.GradFn.Inputs, Has.Count.EqualTo(3));
    }

    [Test]
    public void Float32LongRowsMatchFloat64()
    {
        // Rows of 4096 around a mean of 10 (so E[x²] - E[x]² would lose digits), with a spread of 1.
        using var raw = Randn(7, DType.Float32, 8, 4096);
        using var x32 = raw + 10.0;
        using var x64 = x32.To(DType.Float64);
        using var w32 = Randn(8, DType.Float32, 4096);
        using var b32 = Randn(9, DType.Float32, 4096);
        using var w64 = w32.To(DType.Float64);
        using var b64 = b32.To(DType.Float64);
        using var y32 = F.LayerNorm(x32, [4096], w32, b32);
        using var y64 = F.LayerNorm(x64, [4096], w64, b64);
        var a = TensorAssert.ToDoubles(y32);
        var e = TensorAssert.ToDoubles(y64);
        double worst = a.Zip(e, (p, q) => Math.Abs(p - q) / Math.Max(1, Math.Abs(q))).Max();
        Assert.That(worst, Is.LessThan(1e-5), "float32 layer norm vs float64");

        // The backward pass too: dx against float64.
        using var g32 = Randn(10, DType.Float32, 8, 4096);
        using var g64 = g32.To(DType.Float64);
        var dx32 = FusedTestSupport.ValueAndGrads(xs => F.LayerNorm(xs[0], [4096], w32, b32) * g32, x32).Grads[0];
        var dx64 = FusedTestSupport.ValueAndGrads(xs => F.LayerNorm(xs[0], [4096], w64, b64) * g64, x64).Grads[0];
        double scale = dx64.Max(Math.Abs);
        double worstGrad = dx32.Zip(dx64, (p, q) => Math.Abs(p - q)).Max() / scale;
        Assert.That(worstGrad, Is.LessThan(1e-4), "float32 layer norm gradient vs float64, relative to the largest");
    }

    [Test]
    public void ConstantRowsNormalizeToZero()
    {
        using var x = Tensor.Full([3, 5], 7.25, DType.Float32, device);
        using var y = F.LayerNorm(x, [5]);
        TensorAssert.Close(y, new double[15], [3, 5], atol: 0);
    }

    [Test]
    public void NonContiguousInput()
    {
        using var raw = Randn(4, DType.Float64, 6, 5);
        using var x = raw.Transpose(0, 1);
        var fused = FusedTestSupport.ValueAndGrads(xs => F.LayerNorm(xs[0].Transpose(0, 1), [6]), raw);
        var composed = FusedTestSupport.ValueAndGrads(xs => F.ComposedLayerNorm(xs[0].Transpose(0, 1), [6], null, null, 1e-5), raw);
        FusedTestSupport.AssertSame(fused, composed, 1e-10, 1e-10, "transposed LayerNorm");
        using var y = F.LayerNorm(x, [6]);
        using var expected = F.ComposedLayerNorm(x, [6], null, null, 1e-5);
        TensorAssert.Close(y, TensorAssert.ToDoubles(expected), [5, 6], rtol: 1e-10, atol: 1e-10);
    }

    private static IEnumerable<TestCaseData> GradCheckCases()
    {
        yield return new TestCaseData(true, true).SetName("LayerNorm gradcheck affine");
        yield return new TestCaseData(true, false).SetName("LayerNorm gradcheck weight only");
        yield return new TestCaseData(false, true).SetName("LayerNorm gradcheck bias only");
        yield return new TestCaseData(false, false).SetName("LayerNorm gradcheck no affine");
    }

    [TestCaseSource(nameof(GradCheckCases))]
    public void GradientsOfFirstAndSecondOrder(bool withWeight, bool withBias)
    {
        var x = Tensor.Randn([3, 2, 4], DType.Float64, device, requiresGrad: true, generator: new Generator(11));
        var w = Tensor.Randn([2, 4], DType.Float64, device, requiresGrad: true, generator: new Generator(12));
        var b = Tensor.Randn([2, 4], DType.Float64, device, requiresGrad: true, generator: new Generator(13));
        var inputs = new List<Tensor> { x };
        if (withWeight) inputs.Add(w);
        if (withBias) inputs.Add(b);
        Tensor Apply(Tensor[] xs) => F.LayerNorm(xs[0], [2, 4], withWeight ? xs[1] : null, withBias ? xs[withWeight ? 2 : 1] : null);
        var first = GradCheck.Check(Apply, [.. inputs]);
        Assert.That(first.Passed, Is.True, first.ToString());
        var second = GradCheck.CheckSecondOrder(Apply, [.. inputs]);
        Assert.That(second.Passed, Is.True, second.ToString());
    }
}

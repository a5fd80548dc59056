using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.NN;

/// <summary>
/// The fused cross-entropy with class indices against the composed definition (<see cref="F.ComposedCrossEntropy"/>):
/// every input layout, class weights, ignoreIndex, label smoothing and reduction, values and gradients; gradient checks
/// of first and second order; and the edge cases (every target ignored, large logits, bad targets).
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class FusedCrossEntropyTests(Device device)
{
    private static readonly Reduction[] Reductions = [Reduction.Mean, Reduction.Sum, Reduction.None];

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var dtype in new[] { DType.Float64, DType.Float32 })
        {
            foreach (var reduction in Reductions)
            {
                yield return new TestCaseData(dtype, new long[] { 7, 5 }, reduction, false, -100L, 0.0).SetName($"CrossEntropy {dtype} [7, 5] {reduction}");
                yield return new TestCaseData(dtype, new long[] { 7, 5 }, reduction, true, 2L, 0.0).SetName($"CrossEntropy {dtype} [7, 5] {reduction} weights ignoreIndex");
                yield return new TestCaseData(dtype, new long[] { 7, 5 }, reduction, true, 2L, 0.3).SetName($"CrossEntropy {dtype} [7, 5] {reduction} weights ignoreIndex smoothing");
                yield return new TestCaseData(dtype, new long[] { 7, 5 }, reduction, false, 1L, 0.1).SetName($"CrossEntropy {dtype} [7, 5] {reduction} ignoreIndex smoothing");
                yield return new TestCaseData(dtype, new long[] { 6 }, reduction, true, -100L, 0.2).SetName($"CrossEntropy {dtype} [6] {reduction} weights smoothing");
                yield return new TestCaseData(dtype, new long[] { 3, 4, 5 }, reduction, true, 0L, 0.25).SetName($"CrossEntropy {dtype} [3, 4, 5] {reduction} weights ignoreIndex smoothing");
                yield return new TestCaseData(dtype, new long[] { 2, 3, 2, 4 }, reduction, false, -100L, 0.0).SetName($"CrossEntropy {dtype} [2, 3, 2, 4] {reduction}");
            }
            yield return new TestCaseData(dtype, new long[] { 512, 1000 }, Reduction.Mean, true, 3L, 0.1).SetName($"CrossEntropy {dtype} [512, 1000] split across threads");
            yield return new TestCaseData(dtype, new long[] { 4, 3000 }, Reduction.Sum, false, -100L, 0.05).SetName($"CrossEntropy {dtype} [4, 3000] long rows");
        }
    }

    private Tensor Targets(long[] inputShape, long ignoreIndex, ulong seed)
    {
        long classes = inputShape.Length == 1 ? inputShape[0] : inputShape[1];
        var shape = inputShape.Length == 1 ? Array.Empty<long>() : inputShape.Where((_, i) => i != 1).ToArray();
        using var t = Tensor.RandInt(0, classes, shape, DType.Int64, device, new Generator(seed));
        if (ignoreIndex < 0) return t.Clone();
        // About one target in four becomes ignoreIndex (an index outside [0, C) when negative).
        using var coin = Tensor.RandInt(0, 4, shape, DType.Int64, device, new Generator(seed + 1));
        using var hit = coin.Eq(0);
        return Tensor.Where(hit, ignoreIndex, t);
    }

    [TestCaseSource(nameof(Cases))]
    public void MatchesTheComposedDefinition(DType dtype, long[] shape, Reduction reduction, bool weighted, long ignoreIndex, double smoothing)
    {
        long classes = shape.Length == 1 ? shape[0] : shape[1];
        using var x = Tensor.Randn(shape, dtype, device, generator: new Generator(1)) * 3.0;
        using var t = Targets(shape, ignoreIndex, 2);
        using var w = weighted ? Tensor.Rand([classes], dtype, device, generator: new Generator(3)) + 0.5 : null;
        var fused = FusedTestSupport.ValueAndGrads(xs => F.CrossEntropy(xs[0], t, w, ignoreIndex, reduction, smoothing), x);
        var composed = FusedTestSupport.ValueAndGrads(xs => F.ComposedCrossEntropy(xs[0], t, w, ignoreIndex, reduction, smoothing), x);
        double tol = dtype == DType.Float32 ? 1e-4 : 1e-11;
        FusedTestSupport.AssertSame(fused, composed, tol, tol * 1e-2, "CrossEntropy");
    }

    [Test]
    public void RecordsOneNode()
    {
        using var x = Tensor.Randn([4, 3], DType.Float64, device, requiresGrad: true, generator: new Generator(1));
        using var t = Tensor.FromArray(new long[] { 0, 2, 1, 1 }, [4], device);
        using var loss = F.CrossEntropy(x, t, reduction: Reduction.None);
        Assert.That(loss.GradFn!.Name, Is.EqualTo("CrossEntropyBackward"));
        Assert.That(loss.GradFn.Inputs.Single(), Is.Not.Null);
    }

    [Test]
    public void Int32TargetsAndTheModule()
    {
        using var x = Tensor.Randn([5, 4], DType.Float64, device, generator: new Generator(1));
        using var t64 = Tensor.FromArray(new long[] { 3, 0, 1, 2, 2 }, [5], device);
        using var t32 = t64.To(DType.Int32);
        using var a = F.CrossEntropy(x, t32, labelSmoothing: 0.1);
        using var b = F.ComposedCrossEntropy(x, t64, null, -100, Reduction.Mean, 0.1);
        TensorAssert.Close(a, [b.ToDouble()], [], rtol: 1e-12);
        using var w = Tensor.FromArray(new double[] { 1, 2, 3, 4 }, [4], device);
        using var module = new CrossEntropyLoss(w).Forward(x, t64);
        using var reference = F.ComposedCrossEntropy(x, t64, w, -100, Reduction.Mean, 0);
        TensorAssert.Close(module, [reference.ToDouble()], [], rtol: 1e-12);
    }

    [Test]
    public void EveryTargetIgnoredGivesNaNMeanAndZeroGradient()
    {
        using var x = Tensor.Randn([3, 4], DType.Float32, device, requiresGrad: true, generator: new Generator(1));
        using var t = Tensor.FromArray(new long[] { -100, -100, -100 }, [3], device);
        using var w = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, [4], device);
        foreach (var weight in new[] { null, w })
        {
            using var mean = F.CrossEntropy(x, t, weight, labelSmoothing: 0.2);
            Assert.That(double.IsNaN(mean.ToDouble()), Is.True, "0/0, as PyTorch");
            using var sum = F.CrossEntropy(x, t, weight, reduction: Reduction.Sum, labelSmoothing: 0.2);
            Assert.That(sum.ToDouble(), Is.Zero);
            var grads = Autograd.Grad([mean], [x]);
            using var g = grads[0]!;
            TensorAssert.Close(g, new double[12], [3, 4], atol: 0);
        }
    }

    [Test]
    public void LargeLogitsStayFinite()
    {
        using var x = Tensor.FromArray(new float[] { 1e4f, 0, -1e4f, 3e4f, 3e4f, 0 }, [2, 3], device, requiresGrad: true);
        using var t = Tensor.FromArray(new long[] { 1, 0 }, [2], device);
        using var loss = F.CrossEntropy(x, t, reduction: Reduction.None, labelSmoothing: 0.3);
        // Row 0: (1 - ε)·1e4 + (ε/3)·(0 + 1e4 + 2e4); row 1: lse = 3e4 + log 2.
        double l0 = 0.7 * 1e4 + 0.1 * 3e4, lse1 = 3e4 + Math.Log(2), l1 = 0.7 * (lse1 - 3e4) + 0.1 * (2 * (lse1 - 3e4) + lse1);
        TensorAssert.Close(loss, [l0, l1], [2], rtol: 1e-6);
        using var total = loss.Sum();
        var g = Autograd.Grad([total], [x])[0]!;
        // Row 0: softmax (1, 0, 0) - q with q = (0.1, 0.8, 0.1).
        TensorAssert.Close(g, [0.9, -0.8, -0.1, 0.5 - 0.8, 0.5 - 0.1, -0.1], [2, 3], atol: 1e-6);
        g.Dispose();
    }

    [Test]
    public void NonFiniteLogitsGiveNaNAsTheComposedPath()
    {
        using var x = Tensor.FromArray(new double[] { double.NegativeInfinity, double.NegativeInfinity, 1, double.NaN, double.NegativeInfinity, 0, 2, 5 }, [2, 4], device);
        using var t = Tensor.FromArray(new long[] { 2, 3 }, [2], device);
        foreach (double eps in new[] { 0.0, 0.2 })
        {
            using var fused = F.CrossEntropy(x, t, reduction: Reduction.None, labelSmoothing: eps);
            using var composed = F.ComposedCrossEntropy(x, t, null, -100, Reduction.None, eps);
            TensorAssert.Close(fused, TensorAssert.ToDoubles(composed), [2], rtol: 1e-12);
        }
    }

    [Test]
    public void BadTargetsThrowTheComposedPathsError()
    {
        using var x = Tensor.Randn([2, 3, 4], DType.Float32, device, generator: new Generator(1));
        using var t = Tensor.FromArray(new long[] { 0, 1, 2, 1, 2, 7, 0, -3 }, [2, 4], device);
        Assert.That(DeferredErrors.AtNextSync(device, () => F.CrossEntropy(x, t)), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("target 7 is out of bounds for 3 classes"));
        Assert.That(() => F.ComposedCrossEntropy(x, t, null, -100, Reduction.Mean, 0), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("target 7 is out of bounds for 3 classes"));
        using var ignoredBad = Tensor.FromArray(new long[] { 0, 1, 2, 1, 2, -3, 0, -3 }, [2, 4], device);
        Assert.That(F.CrossEntropy(x, ignoredBad, ignoreIndex: -3).ToDouble(), Is.Not.NaN);
    }

    [Test]
    public void WeightsThatRequireGradKeepTheComposedPath()
    {
        using var x = Tensor.Randn([5, 3], DType.Float64, device, requiresGrad: true, generator: new Generator(1));
        using var w = Tensor.FromArray(new double[] { 1, 2, 3 }, [3], device, requiresGrad: true);
        using var t = Tensor.FromArray(new long[] { 0, 2, 1, 1, 2 }, [5], device);
        var r = GradCheck.Check(xs => F.CrossEntropy(xs[0], t, xs[1], labelSmoothing: 0.1), [x, w]);
        Assert.That(r.Passed, Is.True, r.ToString());
    }

    private static IEnumerable<TestCaseData> GradCheckCases()
    {
        foreach (var reduction in Reductions)
        {
            yield return new TestCaseData(reduction, false, -100L, 0.0, new long[] { 4, 3 }).SetName($"CrossEntropy gradcheck {reduction}");
            yield return new TestCaseData(reduction, true, 1L, 0.2, new long[] { 4, 3 }).SetName($"CrossEntropy gradcheck {reduction} weights ignoreIndex smoothing");
            yield return new TestCaseData(reduction, true, -100L, 0.1, new long[] { 3 }).SetName($"CrossEntropy gradcheck {reduction} 1-D weights smoothing");
            yield return new TestCaseData(reduction, false, 0L, 0.15, new long[] { 2, 3, 2 }).SetName($"CrossEntropy gradcheck {reduction} [N, C, d] ignoreIndex smoothing");
        }
    }

    [TestCaseSource(nameof(GradCheckCases))]
    public void GradientsOfFirstAndSecondOrder(Reduction reduction, bool weighted, long ignoreIndex, double smoothing, long[] shape)
    {
        using var t = shape.Length switch
        {
            1 => Tensor.FromArray(new long[] { 2 }, [], device),
            2 => Tensor.FromArray(new long[] { 0, 1, 2, 1 }, [4], device),
            _ => Tensor.FromArray(new long[] { 0, 1, 2, 0 }, [2, 2], device),
        };
        using var w = weighted ? Tensor.FromArray(new double[] { 0.5, 2, 1.5 }, [3], device) : null;
        var x = Tensor.Randn(shape, DType.Float64, device, requiresGrad: true, generator: new Generator(21));
        Tensor Apply(Tensor[] xs) => F.CrossEntropy(xs[0], t, w, ignoreIndex, reduction, smoothing);
        var first = GradCheck.Check(Apply, [x]);
        Assert.That(first.Passed, Is.True, first.ToString());
        var second = GradCheck.CheckSecondOrder(Apply, [x]);
        Assert.That(second.Passed, Is.True, second.ToString());
    }
}

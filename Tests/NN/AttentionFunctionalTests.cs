using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.NN;

/// <summary>
/// <see cref="F.ScaledDotProductAttention"/>: the fused path (where the backend has one) against the composed definition
/// (<see cref="F.ComposedScaledDotProductAttention"/>) for values and gradients, a hand-computed case, gradient checks of
/// first and second order, masks, dropout, CPU against CUDA, and the errors.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class AttentionFunctionalTests(Device device)
{
    private Tensor Randn(ulong seed, DType dtype, params long[] shape) => Tensor.Randn(shape, dtype, device, generator: new Generator(seed));

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var dtype in new[] { DType.Float64, DType.Float32 })
        {
            yield return new TestCaseData(dtype, new long[] { 2, 3 }, 5L, 7L, 8L, 6L, "none", false, null).SetName($"SDPA {dtype} [2, 3] L5 S7 E8 Ev6");
            yield return new TestCaseData(dtype, new long[] { 2, 3 }, 5L, 7L, 8L, 6L, "none", true, null).SetName($"SDPA {dtype} causal L5 S7");
            yield return new TestCaseData(dtype, new long[] { 2, 3 }, 7L, 5L, 4L, 4L, "none", true, null).SetName($"SDPA {dtype} causal L7 S5");
            yield return new TestCaseData(dtype, new long[] { 2, 3 }, 5L, 7L, 8L, 6L, "bool", false, null).SetName($"SDPA {dtype} bool mask [L, S]");
            yield return new TestCaseData(dtype, new long[] { 2, 3 }, 5L, 7L, 8L, 6L, "padding", false, null).SetName($"SDPA {dtype} bool key padding [2, 1, 1, S]");
            yield return new TestCaseData(dtype, new long[] { 2, 3 }, 5L, 7L, 8L, 6L, "float", false, 0.3).SetName($"SDPA {dtype} float mask [2, 1, L, S] scale 0.3");
            yield return new TestCaseData(dtype, new long[] { 3 }, 33L, 40L, 3L, 5L, "none", true, null).SetName($"SDPA {dtype} [3] L33 S40 two tiles");
            yield return new TestCaseData(dtype, new long[] { 1 }, 4L, 6L, 72L, 20L, "bool", false, null).SetName($"SDPA {dtype} E72 (second kernel bound)");
        }
    }

    private Tensor? Mask(string kind, long l, long s, DType dtype) => kind switch
    {
        "bool" => Randn(5, DType.Float64, l, s).Gt(-0.5),
        "padding" => Tensor.FromArray(new[] { true, true, false, true, true, true, false, true, true, true, true, false, false, true }, [2, 1, 1, 7]).To(device),
        "float" => Randn(6, dtype, 2, 1, l, s),
        _ => null,
    };

    [TestCaseSource(nameof(Cases))]
    public void MatchesTheComposedDefinition(DType dtype, long[] batch, long l, long s, long e, long ev, string maskKind, bool causal, double? scale)
    {
        using var q = Randn(1, dtype, [.. batch, l, e]);
        using var k = Randn(2, dtype, [.. batch, s, e]);
        using var v = Randn(3, dtype, [.. batch, s, ev]);
        using var mask = Mask(maskKind, l, s, dtype);
        double sc = scale ?? 1 / Math.Sqrt(e);
        var fused = FusedTestSupport.ValueAndGrads(xs => F.ScaledDotProductAttention(xs[0], xs[1], xs[2], mask, isCausal: causal, scale: scale), q, k, v);
        var composed = FusedTestSupport.ValueAndGrads(xs => F.ComposedScaledDotProductAttention(xs[0], xs[1], xs[2], mask, 0, causal, sc, null), q, k, v);
        double tol = dtype == DType.Float32 ? 2e-5 : 1e-11;
        FusedTestSupport.AssertSame(fused, composed, tol, tol, "ScaledDotProductAttention");
    }

    [Test]
    public void TakesTheFusedPathWhereTheBackendHasOne()
    {
        using var q = Randn(1, DType.Float32, 2, 4, 3);
        using var k = Randn(2, DType.Float32, 2, 5, 3);
        using var v = Randn(3, DType.Float32, 2, 5, 3);
        q.RequiresGrad = true;
        using var y = F.ScaledDotProductAttention(q, k, v, isCausal: true);
        bool fused = q.Backend is CudaTensor.Backends.IFusedAttention;
        Assert.That(y.GradFn!.Name, fused ? Is.EqualTo("ScaledDotProductAttentionBackward") : Is.Not.EqualTo("ScaledDotProductAttentionBackward"));
    }

    [Test]
    public void HandComputedValue()
    {
        // One query [1, 0] over keys [1, 0] and [0, 1] with scale 1: weights e/(e+1) and 1/(e+1).
        using var q = Tensor.FromArray(new[] { 1.0, 0.0 }, [1, 2]).To(device);
        using var k = Tensor.FromArray(new[] { 1.0, 0.0, 0.0, 1.0 }, [2, 2]).To(device);
        using var v = Tensor.FromArray(new[] { 1.0, 2.0, 3.0, 4.0 }, [2, 2]).To(device);
        using var y = F.ScaledDotProductAttention(q, k, v, scale: 1.0);
        double a = Math.E / (Math.E + 1), b = 1 / (Math.E + 1);
        TensorAssert.Close(y, [a * 1 + b * 3, a * 2 + b * 4], [1, 2], 1e-12, 1e-12);
    }

    [Test]
    public void FullyMaskedRowsGiveZeros()
    {
        using var q = Randn(1, DType.Float64, 1, 3, 4);
        using var k = Randn(2, DType.Float64, 1, 5, 4);
        using var v = Randn(3, DType.Float64, 1, 5, 4);
        using var mask = Tensor.FromArray(new[] { true, false, true, true, true, false, false, false, false, false, true, true, true, true, true }, [3, 5]).To(device);
        using var y = F.ScaledDotProductAttention(q, k, v, mask);
        using var composed = F.ComposedScaledDotProductAttention(q, k, v, mask, 0, false, 0.5, null);
        var values = TensorAssert.ToDoubles(y);
        Assert.That(values.Skip(4).Take(4), Is.All.EqualTo(0.0), "the row with no key");
        Assert.That(values.Take(4), Has.Some.Not.EqualTo(0.0));
        FusedTestSupport.Close(values, TensorAssert.ToDoubles(composed), 1e-12, 1e-12, "fully masked row");
    }

    [Test]
    public void GradientsPassGradCheck([Values] bool causal)
    {
        using var q = Randn(1, DType.Float64, 2, 3, 4);
        using var k = Randn(2, DType.Float64, 2, 5, 4);
        using var v = Randn(3, DType.Float64, 2, 5, 3);
        q.RequiresGrad = k.RequiresGrad = v.RequiresGrad = true;
        var r = GradCheck.Check(xs => F.ScaledDotProductAttention(xs[0], xs[1], xs[2], isCausal: causal), [q, k, v]);
        Assert.That(r.Passed, r.ToString());
    }

    [Test]
    public void SecondOrderGradientsPassGradCheck()
    {
        using var q = Randn(1, DType.Float64, 1, 3, 2);
        using var k = Randn(2, DType.Float64, 1, 4, 2);
        using var v = Randn(3, DType.Float64, 1, 4, 2);
        using var bias = Randn(4, DType.Float64, 3, 4);
        q.RequiresGrad = k.RequiresGrad = v.RequiresGrad = true;
        var r = GradCheck.CheckSecondOrder(xs => F.ScaledDotProductAttention(xs[0], xs[1], xs[2], bias), [q, k, v]);
        Assert.That(r.Passed, r.ToString());
    }

    [Test]
    public void FloatMaskGetsGradients()
    {
        using var q = Randn(1, DType.Float64, 3, 4);
        using var k = Randn(2, DType.Float64, 5, 4);
        using var v = Randn(3, DType.Float64, 5, 2);
        using var bias = Randn(4, DType.Float64, 3, 5);
        q.RequiresGrad = bias.RequiresGrad = true;
        var r = GradCheck.Check(xs => F.ScaledDotProductAttention(xs[0], k, v, xs[1]), [q, bias]);
        Assert.That(r.Passed, r.ToString());
    }

    [Test]
    public void BroadcastsBatchDimensions()
    {
        // One key/value set shared by every head: the composed path broadcasts it, and the result equals the expanded call.
        using var q = Randn(1, DType.Float64, 2, 3, 4, 5);
        using var k = Randn(2, DType.Float64, 2, 1, 6, 5);
        using var v = Randn(3, DType.Float64, 2, 1, 6, 5);
        using var y = F.ScaledDotProductAttention(q, k, v);
        using var ke = k.Expand(2, 3, 6, 5);
        using var ve = v.Expand(2, 3, 6, 5);
        using var expected = F.ScaledDotProductAttention(q, ke, ve);
        FusedTestSupport.Close(TensorAssert.ToDoubles(y), TensorAssert.ToDoubles(expected), 1e-12, 1e-12, "broadcast batch");
    }

    [Test]
    public void DropoutDrawsFromTheGenerator()
    {
        using var q = Randn(1, DType.Float64, 2, 4, 3);
        using var k = Randn(2, DType.Float64, 2, 6, 3);
        using var v = Randn(3, DType.Float64, 2, 6, 3);
        using var a = F.ScaledDotProductAttention(q, k, v, dropoutP: 0.5, generator: new Generator(7));
        using var b = F.ScaledDotProductAttention(q, k, v, dropoutP: 0.5, generator: new Generator(7));
        using var weights = F.AttentionWeights(q, k, null, false, 1 / Math.Sqrt(3));
        using var dropped = F.Dropout(weights, 0.5, true, new Generator(7));
        using var expected = Tensor.MatMul(dropped, v);
        using var plain = F.ScaledDotProductAttention(q, k, v);
        FusedTestSupport.Close(TensorAssert.ToDoubles(a), TensorAssert.ToDoubles(expected), 1e-12, 1e-12, "dropout");
        FusedTestSupport.Close(TensorAssert.ToDoubles(b), TensorAssert.ToDoubles(a), 0, 0, "same seed");
        Assert.That(TensorAssert.ToDoubles(a), Is.Not.EqualTo(TensorAssert.ToDoubles(plain)));
    }

    [Test]
    public void CudaMatchesCpu()
    {
        if (device.Type != DeviceType.Cuda) Assert.Ignore("compares the CUDA result with the CPU's");
        using var q = Randn(1, DType.Float32, 2, 2, 9, 8);
        using var k = Randn(2, DType.Float32, 2, 2, 11, 8);
        using var v = Randn(3, DType.Float32, 2, 2, 11, 8);
        using var mask = Randn(4, DType.Float32, 2, 1, 9, 11);
        var onCuda = FusedTestSupport.ValueAndGrads(xs => F.ScaledDotProductAttention(xs[0], xs[1], xs[2], mask), q, k, v);
        using var qc = q.To(Device.Cpu);
        using var kc = k.To(Device.Cpu);
        using var vc = v.To(Device.Cpu);
        using var mc = mask.To(Device.Cpu);
        var onCpu = FusedTestSupport.ValueAndGrads(xs => F.ScaledDotProductAttention(xs[0], xs[1], xs[2], mc), qc, kc, vc);
        FusedTestSupport.AssertSame(onCuda, onCpu, 2e-5, 2e-5, "CUDA vs CPU");
    }

    [Test]
    public void ErrorsNameTheOpAndTheShapes()
    {
        using var q = Randn(1, DType.Float32, 2, 4, 3);
        using var k = Randn(2, DType.Float32, 2, 6, 5);
        using var v = Randn(3, DType.Float32, 2, 6, 3);
        var e = Assert.Throws<ArgumentException>(() => F.ScaledDotProductAttention(q, k, v))!;
        Assert.That(e.Message, Does.Contain("ScaledDotProductAttention").And.Contain("[2, 4, 3]").And.Contain("[2, 6, 5]"));
        using var k3 = Randn(2, DType.Float32, 2, 6, 3);
        using var badMask = Randn(4, DType.Float32, 5, 6);
        e = Assert.Throws<ArgumentException>(() => F.ScaledDotProductAttention(q, k3, v, badMask))!;
        Assert.That(e.Message, Does.Contain("attnMask").And.Contain("[5, 6]").And.Contain("[2, 4, 6]"));
        using var goodMask = Randn(4, DType.Float32, 4, 6);
        e = Assert.Throws<ArgumentException>(() => F.ScaledDotProductAttention(q, k3, v, goodMask, isCausal: true))!;
        Assert.That(e.Message, Does.Contain("isCausal"));
        using var v5 = Randn(3, DType.Float32, 2, 5, 3);
        e = Assert.Throws<ArgumentException>(() => F.ScaledDotProductAttention(q, k3, v5))!;
        Assert.That(e.Message, Does.Contain("[2, 5, 3]"));
    }
}

using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.NN;

/// <summary>
/// <see cref="MultiheadAttention"/>: parameter names and initialisation, gradient checks, the layouts (batchFirst,
/// unbatched) and paths (weights or not, averaged or not) against each other, train/eval, state dict and errors.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class AttentionMultiheadTests(Device device)
{
    private Tensor Randn(ulong seed, params long[] shape) => Tensor.Randn(shape, DType.Float64, device, generator: new Generator(seed));

    private MultiheadAttention Make(long e = 6, long h = 2, long? kdim = null, long? vdim = null, bool batchFirst = false, double dropout = 0)
        => new(e, h, dropout, kdim: kdim, vdim: vdim, batchFirst: batchFirst, device: device, dtype: DType.Float64, generator: new Generator(11));

    [Test]
    public void ParametersHavePyTorchNamesAndInitialisation()
    {
        using var mha = Make();
        var names = mha.NamedParameters().Select(p => (p.Name, Shape: p.Parameter.Shape.ToArray())).ToArray();
        Assert.That(names.Select(n => n.Name), Is.EqualTo(new[] { "in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias" }));
        Assert.That(names[0].Shape, Is.EqualTo(new long[] { 18, 6 }));
        Assert.That(TensorAssert.ToDoubles(mha.InProjBias!), Is.All.EqualTo(0.0));
        Assert.That(TensorAssert.ToDoubles(mha.OutProj.Bias!), Is.All.EqualTo(0.0));
        // Xavier-uniform bound √(6 / (fan_in + fan_out)) = √(6 / 24).
        var w = TensorAssert.ToDoubles(mha.InProjWeight!);
        Assert.That(w.Max(x => Math.Abs(x)), Is.LessThanOrEqualTo(Math.Sqrt(6.0 / 24)).And.GreaterThan(0.3));

        using var kv = Make(kdim: 4, vdim: 3);
        Assert.That(kv.NamedParameters().Select(p => p.Name),
            Is.EqualTo(new[] { "q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias" }));
        Assert.That(kv.KProjWeight!.Shape.ToArray(), Is.EqualTo(new long[] { 6, 4 }));
    }

    [Test]
    public void UnsupportedOptionsThrow()
    {
        var e = Assert.Throws<NotSupportedException>(() => new MultiheadAttention(4, 2, addBiasKv: true))!;
        Assert.That(e.Message, Does.Contain("addBiasKv"));
        e = Assert.Throws<NotSupportedException>(() => new MultiheadAttention(4, 2, addZeroAttn: true))!;
        Assert.That(e.Message, Does.Contain("addZeroAttn"));
        Assert.Throws<ArgumentException>(() => new MultiheadAttention(6, 4));
    }

    [Test]
    public void GradientsPassGradCheck([Values] bool needWeights)
    {
        using var mha = Make(4, 2, kdim: 3, vdim: 5);
        using var q = Randn(1, 3, 2, 4);
        using var k = Randn(2, 4, 2, 3);
        using var v = Randn(3, 4, 2, 5);
        using var padding = Tensor.FromArray(new[] { false, false, true, false, false, false, false, true }, [2, 4], device);
        var ps = mha.Parameters().ToArray();
        q.RequiresGrad = k.RequiresGrad = v.RequiresGrad = true;
        var r = GradCheck.Check(xs =>
        {
            var (y, w) = mha.Forward(xs[0], xs[1], xs[2], padding, needWeights);
            if (w is null) return y;
            using (y)
            using (w)
            {
                using var sy = y.Sum();
                using var sw = (w * w).Sum();
                return sy + sw;
            }
        }, [q, k, v, .. ps]);
        Assert.That(r.Passed, r.ToString());
    }

    [Test]
    public void PathsAndLayoutsAgree()
    {
        using var mha = Make();
        using var q = Randn(1, 4, 3, 6);
        using var k = Randn(2, 5, 3, 6);
        using var v = Randn(3, 5, 3, 6);
        using var mask = Randn(4, 4, 5);
        using var padding = Tensor.FromArray(new[] { false, false, false, false, true, false, true, false, false, false, false, false, false, true, false }, [3, 5], device);
        var (y, w) = mha.Forward(q, k, v, padding, needWeights: true, attnMask: mask);
        var (y2, none) = mha.Forward(q, k, v, padding, needWeights: false, attnMask: mask);
        var (y3, perHead) = mha.Forward(q, k, v, padding, needWeights: true, attnMask: mask, averageAttnWeights: false);
        using (y)
        using (w)
        using (y2)
        using (y3)
        using (perHead)
        {
            Assert.That(none, Is.Null);
            Assert.That(w!.Shape.ToArray(), Is.EqualTo(new long[] { 3, 4, 5 }));
            Assert.That(perHead!.Shape.ToArray(), Is.EqualTo(new long[] { 3, 2, 4, 5 }));
            FusedTestSupport.Close(TensorAssert.ToDoubles(y2), TensorAssert.ToDoubles(y), 1e-12, 1e-12, "weights or not");
            using var mean = perHead.Mean(1);
            FusedTestSupport.Close(TensorAssert.ToDoubles(mean), TensorAssert.ToDoubles(w), 1e-12, 1e-12, "averaged weights");
            using var rowSums = w.Sum(-1);
            Assert.That(TensorAssert.ToDoubles(rowSums), Is.All.EqualTo(1.0).Within(1e-12));
            // Padded keys get no weight.
            Assert.That(TensorAssert.ToDoubles(w.Select(0, 0).Select(1, 4)), Is.All.EqualTo(0.0));

            // batchFirst: the same weights on transposed inputs give the transposed output.
            using var bf = Make(batchFirst: true);
            bf.LoadStateDict(mha.StateDict());
            using var qt = q.Transpose(0, 1);
            using var kt = k.Transpose(0, 1);
            using var vt = v.Transpose(0, 1);
            var (yb, wb) = bf.Forward(qt, kt, vt, padding, attnMask: mask);
            using (yb)
            using (wb)
            using (var back = yb.Transpose(0, 1))
            {
                FusedTestSupport.Close(TensorAssert.ToDoubles(back), TensorAssert.ToDoubles(y), 1e-12, 1e-12, "batchFirst");
                FusedTestSupport.Close(TensorAssert.ToDoubles(wb!), TensorAssert.ToDoubles(w), 1e-12, 1e-12, "batchFirst weights");
            }

            // Unbatched: the batch's second sample alone.
            using var q1 = q.Select(1, 1);
            using var k1 = k.Select(1, 1);
            using var v1 = v.Select(1, 1);
            using var p1 = padding.Select(0, 1);
            var (yu, wu) = mha.Forward(q1, k1, v1, p1, attnMask: mask);
            using (yu)
            using (wu)
            using (var expected = y.Select(1, 1))
            using (var expectedW = w.Select(0, 1))
            {
                FusedTestSupport.Close(TensorAssert.ToDoubles(yu), TensorAssert.ToDoubles(expected), 1e-12, 1e-12, "unbatched");
                FusedTestSupport.Close(TensorAssert.ToDoubles(wu!), TensorAssert.ToDoubles(expectedW), 1e-12, 1e-12, "unbatched weights");
            }
        }
    }

    [Test]
    public void CausalHintUsesTheCausalPath()
    {
        using var mha = Make();
        using var x = Randn(1, 5, 2, 6);
        using var upper = NN_CausalNot(5);
        var (withMask, _) = mha.Forward(x, x, x, needWeights: false, attnMask: upper);
        var (withFlag, _) = mha.Forward(x, x, x, needWeights: false, attnMask: upper, isCausal: true);
        using (withMask)
        using (withFlag)
            FusedTestSupport.Close(TensorAssert.ToDoubles(withFlag), TensorAssert.ToDoubles(withMask), 1e-12, 1e-12, "isCausal");
        Assert.Throws<ArgumentException>(() => mha.Forward(x, x, x, isCausal: true));
    }

    // Bool mask, true above the diagonal (PyTorch's "not allowed" convention for a causal mask).
    private Tensor NN_CausalNot(long n)
    {
        using var r = Tensor.Arange(n, DType.Int64, device);
        using var rows = r.Unsqueeze(1);
        return r.Gt(rows);
    }

    [Test]
    public void DropoutOnlyWhileTraining()
    {
        using var mha = Make(dropout: 0.5);
        using var x = Randn(1, 4, 2, 6);
        var (a, _) = mha.Forward(x, x, x, needWeights: false);
        mha.Eval();
        var (b, _) = mha.Forward(x, x, x, needWeights: false);
        var (c, _) = mha.Forward(x, x, x, needWeights: false);
        using (a)
        using (b)
        using (c)
        {
            Assert.That(TensorAssert.ToDoubles(a), Is.Not.EqualTo(TensorAssert.ToDoubles(b)));
            Assert.That(TensorAssert.ToDoubles(c), Is.EqualTo(TensorAssert.ToDoubles(b)));
        }
    }

    [Test]
    public void StateDictRoundTrip()
    {
        using var a = Make(kdim: 4, vdim: 3);
        using var b = new MultiheadAttention(6, 2, kdim: 4, vdim: 3, device: device, dtype: DType.Float64, generator: new Generator(99));
        b.LoadStateDict(a.StateDict());
        using var q = Randn(1, 2, 1, 6);
        using var k = Randn(2, 3, 1, 4);
        using var v = Randn(3, 3, 1, 3);
        var (ya, _) = a.Forward(q, k, v);
        var (yb, _) = b.Forward(q, k, v);
        using (ya)
        using (yb)
            Assert.That(TensorAssert.ToDoubles(yb), Is.EqualTo(TensorAssert.ToDoubles(ya)));
    }

    [Test]
    public void ShapeErrorsNameTheLayerAndTheShapes()
    {
        using var mha = Make();
        using var q = Randn(1, 4, 2, 5);
        using var k = Randn(2, 3, 2, 6);
        var e = Assert.Throws<ArgumentException>(() => mha.Forward(q, k, k))!;
        Assert.That(e.Message, Does.Contain("MultiheadAttention").And.Contain("embedDim = 6").And.Contain("[4, 2, 5]"));
        using var q6 = Randn(1, 4, 2, 6);
        using var pad = Tensor.Zeros([2, 4], DType.Bool, device);
        e = Assert.Throws<ArgumentException>(() => mha.Forward(q6, k, k, pad))!;
        Assert.That(e.Message, Does.Contain("MultiheadAttention").And.Contain("[2, 3]").And.Contain("[2, 4]"));
        using var mask = Tensor.Zeros([4, 4], DType.Float64, device);
        e = Assert.Throws<ArgumentException>(() => mha.Forward(q6, k, k, attnMask: mask))!;
        Assert.That(e.Message, Does.Contain("attnMask").And.Contain("[4, 3]").And.Contain("[4, 4]"));
    }
}

using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Ops;

/// <summary>
/// Einsum against the ops it stands for (MatMul, Transpose, Sum, Mul and explicit loops): explicit and implicit output,
/// batch dimensions, '...' with broadcasting, repeated labels (diagonal, trace), three operands, float64 gradient checks
/// and errors that name Einsum, the label and the sizes.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class EinsumTests(Device device)
{
    private Tensor Randn(int seed, params long[] shape) => Tensor.Randn(shape, DType.Float64, device, generator: new Generator((ulong)seed));

    private static Tensor[] Leaves(params Tensor[] inputs)
    {
        foreach (var t in inputs) t.RequiresGrad = true;
        return inputs;
    }

    private static void Same(Tensor actual, Tensor expected)
    {
        TensorAssert.Close(actual, TensorAssert.ToDoubles(expected), expected.Shape.ToArray(), rtol: 1e-10, atol: 1e-12);
    }

    [Test]
    public void MatrixProductsTransposesAndReductions()
    {
        using var a = Randn(1, 3, 4);
        using var b = Randn(2, 4, 5);
        using (var y = Tensor.Einsum("ij,jk->ik", a, b))
        using (var e = Tensor.MatMul(a, b)) Same(y, e);
        using (var y = Tensor.Einsum("ij,jk", a, b))
        using (var e = Tensor.MatMul(a, b)) Same(y, e);
        using (var y = Tensor.Einsum("ij,jk->ki", a, b))
        using (var m = Tensor.MatMul(a, b))
        using (var e = m.T) Same(y, e);
        using (var y = Tensor.Einsum("ij->ji", a))
        using (var e = a.T) Same(y, e);
        using (var y = Tensor.Einsum("ba", a))
        using (var e = a.T) Same(y, e);
        using (var y = Tensor.Einsum("ij->", a))
        using (var e = a.Sum()) Same(y, e);
        using (var y = Tensor.Einsum("ij->j", a))
        using (var e = a.Sum(0)) Same(y, e);
    }

    [Test]
    public void VectorsOuterAndDotProducts()
    {
        using var u = Randn(3, 4);
        using var v = Randn(4, 4);
        using var w = Randn(5, 3);
        using (var y = Tensor.Einsum("i,i->", u, v))
        using (var p = u * v)
        using (var e = p.Sum()) Same(y, e);
        using (var y = Tensor.Einsum("i,j->ij", u, w))
        using (var cu = u.Unsqueeze(1))
        using (var e = cu * w) Same(y, e);
        using (var y = Tensor.Einsum("i,i->i", u, v))
        using (var e = u * v) Same(y, e);
    }

    [Test]
    public void BatchesAndAttentionScores()
    {
        using var q = Randn(6, 2, 3, 4, 5);
        using var k = Randn(7, 2, 3, 6, 5);
        using var y = Tensor.Einsum("bhqd,bhkd->bhqk", q, k);
        using var kt = k.Transpose(-1, -2);
        using var e = Tensor.MatMul(q, kt);
        Same(y, e);
    }

    [Test]
    public void EllipsisBroadcastsLeadingDimensions()
    {
        using var a = Randn(8, 2, 1, 3, 4);
        using var b = Randn(9, 5, 4, 2);
        using var y = Tensor.Einsum("...ij,...jk->...ik", a, b);
        using var e = Tensor.MatMul(a, b);
        Assert.That(y.Shape.ToArray(), Is.EqualTo(new long[] { 2, 5, 3, 2 }));
        Same(y, e);
        using var implicitOut = Tensor.Einsum("...ij,...jk", a, b);
        Same(implicitOut, e);
        using var sumBatch = Tensor.Einsum("...ij->ij", a);
        using var s = a.Sum([0, 1]);
        Same(sumBatch, s);
    }

    [Test]
    public void RepeatedLabelsTakeDiagonalsAndTraces()
    {
        using var m = Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, [3, 3], device);
        using (var d = Tensor.Einsum("ii->i", m)) TensorAssert.Close(d, [1, 5, 9], [3]);
        using (var t = Tensor.Einsum("ii", m)) TensorAssert.Close(t, [15], []);
        using var batch = Randn(10, 2, 3, 3);
        using var y = Tensor.Einsum("bii->b", batch);
        var data = batch.ToArray<double>();
        TensorAssert.Close(y, [data[0] + data[4] + data[8], data[9] + data[13] + data[17]], [2], rtol: 1e-12);
    }

    [Test]
    public void ThreeOperandsContractLeftToRight()
    {
        using var a = Randn(11, 2, 3);
        using var b = Randn(12, 3, 4);
        using var c = Randn(13, 4, 5);
        using var y = Tensor.Einsum("ij,jk,kl->il", a, b, c);
        using var ab = Tensor.MatMul(a, b);
        using var e = Tensor.MatMul(ab, c);
        Same(y, e);
        // A label shared by all three (kept) and one summed over all three.
        using var x = Randn(14, 3, 2);
        using var z = Randn(15, 3, 2);
        using var w = Randn(16, 3, 2);
        using var s = Tensor.Einsum("ij,ij,ij->i", x, z, w);
        using var p = x * z * w;
        using var ps = p.Sum(1);
        Same(s, ps);
    }

    [Test]
    public void GradCheckThroughContractionsAndDiagonals()
    {
        var r = GradCheck.Check(xs => Tensor.Einsum("bij,jk,bkk->bik", xs[0], xs[1], xs[2]), Leaves(Randn(17, 2, 3, 4), Randn(18, 4, 3), Randn(19, 2, 3, 3)));
        Assert.That(r.Passed, Is.True, r.ToString());
        var s = GradCheck.Check(xs => Tensor.Einsum("...i,...i->...", xs[0], xs[1]), Leaves(Randn(20, 2, 3), Randn(21, 3)));
        Assert.That(s.Passed, Is.True, s.ToString());
    }

    [Test]
    public void ErrorsNameTheEquationAndTheSizes()
    {
        using var a = Randn(1, 3, 4);
        using var b = Randn(2, 5, 6);
        Assert.That(() => Tensor.Einsum("ij,jk->ik", a, b),
            Throws.ArgumentException.With.Message.Contains("Einsum").And.Message.Contains("label 'j'").And.Message.Contains("size 5"));
        Assert.That(() => Tensor.Einsum("ij,jk->ik", a), Throws.ArgumentException.With.Message.Contains("2 operand(s) but 1"));
        Assert.That(() => Tensor.Einsum("ijk->i", a), Throws.ArgumentException.With.Message.Contains("2 dimension(s)"));
        Assert.That(() => Tensor.Einsum("ij->iz", a), Throws.ArgumentException.With.Message.Contains("'z'"));
        Assert.That(() => Tensor.Einsum("i1->i", a), Throws.ArgumentException.With.Message.Contains("invalid character"));
    }
}

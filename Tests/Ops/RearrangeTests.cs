using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Ops;

/// <summary>
/// Flip, Roll, Tril/Triu, CumProd, Repeat and RepeatInterleave against hand-computed values (PyTorch's documented
/// examples), their edge cases (negative dims, empty and size-1 dimensions, zeros in CumProd), float64 gradient checks
/// and errors that name the op.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class RearrangeTests(Device device)
{
    private Tensor T(double[] values, params long[] shape) => Tensor.FromArray(values, shape, device);

    private Tensor Randn(params long[] shape) => Tensor.Randn(shape, DType.Float64, device, generator: new Generator(7));

    private static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        foreach (var t in inputs) t.RequiresGrad = true;
        var r = GradCheck.Check(f, inputs);
        Assert.That(r.Passed, Is.True, r.ToString());
    }

    [Test]
    public void FlipReversesTheGivenDims()
    {
        using var x = T([1, 2, 3, 4, 5, 6], 2, 3);
        using (var a = x.Flip(0)) TensorAssert.Close(a, [4, 5, 6, 1, 2, 3], [2, 3]);
        using (var b = x.Flip(-1)) TensorAssert.Close(b, [3, 2, 1, 6, 5, 4], [2, 3]);
        using (var c = x.Flip(0, 1)) TensorAssert.Close(c, [6, 5, 4, 3, 2, 1], [2, 3]);
        using (var d = x.FlipLR()) TensorAssert.Close(d, [3, 2, 1, 6, 5, 4], [2, 3]);
        using (var e = x.FlipUD()) TensorAssert.Close(e, [4, 5, 6, 1, 2, 3], [2, 3]);
        using (var none = x.Flip()) TensorAssert.Close(none, [1, 2, 3, 4, 5, 6], [2, 3]);
        Assert.That(() => x.Flip(0, -2), Throws.ArgumentException.With.Message.Contains("Flip").And.Message.Contains("more than once"));
        Check(xs => xs[0].Flip(0, 2), Randn(2, 3, 4));
    }

    [Test]
    public void RollWrapsAround()
    {
        using var x = T([1, 2, 3, 4, 5, 6, 7, 8], 4, 2);
        // PyTorch's documented examples.
        using (var flat = x.Roll([1])) TensorAssert.Close(flat, [8, 1, 2, 3, 4, 5, 6, 7], [4, 2]);
        using (var a = x.Roll(1, 0)) TensorAssert.Close(a, [7, 8, 1, 2, 3, 4, 5, 6], [4, 2]);
        using (var b = x.Roll(-1, 0)) TensorAssert.Close(b, [3, 4, 5, 6, 7, 8, 1, 2], [4, 2]);
        using (var c = x.Roll([2, 1], [0, 1])) TensorAssert.Close(c, [6, 5, 8, 7, 2, 1, 4, 3], [4, 2]);
        using (var big = x.Roll(9, 0)) TensorAssert.Close(big, [7, 8, 1, 2, 3, 4, 5, 6], [4, 2]);
        Assert.That(() => x.Roll([1, 2], [0]), Throws.ArgumentException.With.Message.Contains("Roll"));
        using var empty = Tensor.Zeros([0, 2], device: device);
        using (var r = empty.Roll(3, 0)) Assert.That(r.Shape.ToArray(), Is.EqualTo(new long[] { 0, 2 }));
        Check(xs => xs[0].Roll([1, -2], [1, 0]), Randn(3, 4));
    }

    [Test]
    public void TrilAndTriuKeepTheTriangles()
    {
        using var x = T([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 3, 4);
        using (var a = x.Tril()) TensorAssert.Close(a, [1, 0, 0, 0, 5, 6, 0, 0, 9, 10, 11, 0], [3, 4]);
        using (var b = x.Tril(1)) TensorAssert.Close(b, [1, 2, 0, 0, 5, 6, 7, 0, 9, 10, 11, 12], [3, 4]);
        using (var c = x.Tril(-1)) TensorAssert.Close(c, [0, 0, 0, 0, 5, 0, 0, 0, 9, 10, 0, 0], [3, 4]);
        using (var d = x.Triu()) TensorAssert.Close(d, [1, 2, 3, 4, 0, 6, 7, 8, 0, 0, 11, 12], [3, 4]);
        using (var e = x.Triu(2)) TensorAssert.Close(e, [0, 0, 3, 4, 0, 0, 0, 8, 0, 0, 0, 0], [3, 4]);
        using (var f = x.Triu(-1)) TensorAssert.Close(f, [1, 2, 3, 4, 5, 6, 7, 8, 0, 10, 11, 12], [3, 4]);
        using var ints = Tensor.FromArray(new long[] { 1, 2, 3, 4, 5, 6, 7, 8 }, [2, 2, 2], device);
        using (var g = ints.Triu())
        {
            Assert.That(g.DType, Is.EqualTo(DType.Int64));
            Assert.That(g.ToArray<long>(), Is.EqualTo(new long[] { 1, 2, 0, 4, 5, 6, 0, 8 }));
        }
        using var v = T([1, 2], 2);
        Assert.That(() => v.Tril(), Throws.ArgumentException.With.Message.Contains("Tril").And.Message.Contains("2 dimensions"));
        Check(xs => xs[0].Tril(1) + xs[0].Triu(-1), Randn(2, 3, 3));
    }

    [Test]
    public void CumProdMultipliesRunningProducts()
    {
        using var x = T([1, 2, 3, 4, 5], 5);
        using (var y = x.CumProd(0)) TensorAssert.Close(y, [1, 2, 6, 24, 120], [5]);
        using var m = T([1, 2, 3, 4, 5, 6], 2, 3);
        using (var a = m.CumProd(-1)) TensorAssert.Close(a, [1, 2, 6, 4, 20, 120], [2, 3]);
        using (var b = m.CumProd(0)) TensorAssert.Close(b, [1, 2, 3, 4, 10, 18], [2, 3]);
        using var ints = Tensor.FromArray<int>([2, 3, 4], [3], device);
        using (var c = ints.CumProd(0))
        {
            Assert.That(c.DType, Is.EqualTo(DType.Int64));
            Assert.That(c.ToArray<long>(), Is.EqualTo(new long[] { 2, 6, 24 }));
        }
    }

    [Test]
    public void CumProdGradientIsExactAtZeros()
    {
        // y = [x0, x0 x1, x0 x1 x2] with x = [2, 0, 3]: d(sum y)/dx = [1 + x1 + x1 x2, x0 + x0 x2, x0 x1] = [1, 8, 0] (PyTorch's too).
        using var x = Tensor.FromArray(new double[] { 2, 0, 3 }, [3], device, requiresGrad: true);
        using (var y = x.CumProd(0))
        using (var s = y.Sum()) s.Backward();
        TensorAssert.Close(x.Grad!, [1, 8, 0], [3]);
        // Two zeros in a row, and a length that is not a power of two.
        using var z = Tensor.FromArray(new double[] { 1.5, 0, -2, 0, 0.5, 3, -1 }, [7], device);
        Check(xs => xs[0].CumProd(0), z);
        Check(xs => xs[0].CumProd(1), Randn(2, 5));
    }

    [Test]
    public void RepeatTilesWholeCopies()
    {
        using var x = T([1, 2, 3], 3);
        using (var a = x.Repeat(4, 2))
            TensorAssert.Close(a, [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3], [4, 6]);
        using (var b = x.Repeat(4, 2, 1)) Assert.That(b.Shape.ToArray(), Is.EqualTo(new long[] { 4, 2, 3 }));
        using var m = T([1, 2, 3, 4], 2, 2);
        using (var c = m.Repeat(2, 1)) TensorAssert.Close(c, [1, 2, 3, 4, 1, 2, 3, 4], [4, 2]);
        using (var d = m.Repeat(1, 0)) Assert.That(d.Shape.ToArray(), Is.EqualTo(new long[] { 2, 0 }));
        Assert.That(() => m.Repeat(2), Throws.ArgumentException.With.Message.Contains("Repeat"));
        Check(xs => xs[0].Repeat(2, 1, 3), Randn(2, 2));
    }

    [Test]
    public void RepeatInterleaveRepeatsEachElement()
    {
        using var x = T([1, 2, 3], 3);
        using (var a = x.RepeatInterleave(2)) TensorAssert.Close(a, [1, 1, 2, 2, 3, 3], [6]);
        using var m = T([1, 2, 3, 4], 2, 2);
        using (var b = m.RepeatInterleave(2)) TensorAssert.Close(b, [1, 1, 2, 2, 3, 3, 4, 4], [8]);
        using (var c = m.RepeatInterleave(3, 1)) TensorAssert.Close(c, [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4], [2, 6]);
        using var counts = Tensor.FromArray(new long[] { 1, 2 }, [2], device);
        using (var d = m.RepeatInterleave(counts, 0)) TensorAssert.Close(d, [1, 2, 3, 4, 3, 4], [3, 2]);
        using var withZero = Tensor.FromArray(new long[] { 2, 0, 1 }, [3], device);
        using (var e = Tensor.RepeatInterleave(withZero))
        {
            Assert.That(e.ToArray<long>(), Is.EqualTo(new long[] { 0, 0, 2 }));
            Assert.That(e.Device, Is.EqualTo(device));
        }
        using var wrong = Tensor.FromArray(new long[] { 1, 2, 3 }, [3], device);
        Assert.That(() => m.RepeatInterleave(wrong, 0), Throws.ArgumentException.With.Message.Contains("RepeatInterleave").And.Message.Contains("size 2"));
        Check(xs => xs[0].RepeatInterleave(2, -1), Randn(2, 3));
        Check(xs => xs[0].RepeatInterleave(counts, 0), Randn(2, 3));
    }
}

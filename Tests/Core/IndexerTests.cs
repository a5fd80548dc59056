using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Core;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public class IndexerTests(Device device)
{
    // x = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    private Tensor Grid() => Tensor.Arange(12, DType.Float32, device).Reshape(3, 4);

    private static void AssertSharesStorage(Tensor view, Tensor baseTensor)
        => Assert.That(view.Storage, Is.SameAs(baseTensor.Storage), "the view must share the base's storage");

    [Test]
    public void IntegerSelectsRow()
    {
        using var x = Grid();
        using var r = x[1];
        TensorAssert.Close(r, [4, 5, 6, 7], [4]);
        AssertSharesStorage(r, x);
        Assert.That(r.StorageOffset, Is.EqualTo(4));
        using var e = x[1, 2];
        Assert.That(e.Dim, Is.Zero);
        Assert.That(e.Item<float>(), Is.EqualTo(6f));
    }

    [Test]
    public void NegativeAndFromEnd()
    {
        using var x = Grid();
        using var last = x[^1];
        TensorAssert.Close(last, [8, 9, 10, 11], [4]);
        using var neg = x[-1, -2];
        Assert.That(neg.Item<float>(), Is.EqualTo(10f));
        using var m = x[^3, ^4];
        Assert.That(m.Item<float>(), Is.EqualTo(0f));
    }

    [Test]
    public void FromEndZeroIsOutOfRange()
    {
        using var x = Grid();
        // x[^0] means index 3 of a size-3 dimension, as for C# arrays: it must not wrap to 0.
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => x[^0].Dispose());
        Assert.That(ex!.Message, Does.Contain("dimension 0").And.Contain("size 3"));
        Assert.Throws<ArgumentOutOfRangeException>(() => x[0, ^5].Dispose());
    }

    [Test]
    public void ColumnWithFullRange()
    {
        using var x = Grid();
        using var c = x[.., 1];
        TensorAssert.Close(c, [1, 5, 9], [3]);
        Assert.That(c.Strides.ToArray(), Is.EqualTo(new long[] { 4 }));
        Assert.That(c.StorageOffset, Is.EqualTo(1));
        Assert.That(c.IsContiguous, Is.False);
        AssertSharesStorage(c, x);
    }

    [Test]
    public void IntThenRanges()
    {
        using var x = Grid();
        using var a = x[0, 2..];
        TensorAssert.Close(a, [2, 3], [2]);
        using var b = x[1.., 1..3];
        TensorAssert.Close(b, [5, 6, 9, 10], [2, 2]);
        Assert.That(b.StorageOffset, Is.EqualTo(5));
        using var c = x[..^1, ^2..];
        TensorAssert.Close(c, [2, 3, 6, 7], [2, 2]);
        using var empty = x[2..1];
        Assert.That(empty.Shape.ToArray(), Is.EqualTo(new long[] { 0, 4 }));
        using var t = Tensor.Arange(24, DType.Int64, device).Reshape(2, 3, 4);
        using var d = t[0, .., 2..];
        Assert.That(d.Shape.ToArray(), Is.EqualTo(new long[] { 3, 2 }));
        Assert.That(d.ToArray<long>(), Is.EqualTo(new long[] { 2, 3, 6, 7, 10, 11 }));
    }

    [Test]
    public void SteppedSlices()
    {
        using var r = Tensor.Arange(12, DType.Int64, device);
        using var a = r[TensorIndex.Slice(0, 10, 2)];
        Assert.That(a.ToArray<long>(), Is.EqualTo(new long[] { 0, 2, 4, 6, 8 }));
        Assert.That(a.Strides.ToArray(), Is.EqualTo(new long[] { 2 }));
        AssertSharesStorage(a, r);
        using var b = r[TensorIndex.Slice(1, null, 3)];
        Assert.That(b.ToArray<long>(), Is.EqualTo(new long[] { 1, 4, 7, 10 }));
        using var c = r[TensorIndex.Slice(-4, null, 2)];
        Assert.That(c.ToArray<long>(), Is.EqualTo(new long[] { 8, 10 }));
        using var d = r[TensorIndex.Slice(-100, 100, 5)];     // bounds clamp as in Python
        Assert.That(d.ToArray<long>(), Is.EqualTo(new long[] { 0, 5, 10 }));
        using var e = r[TensorIndex.Slice(stop: -9)];
        Assert.That(e.ToArray<long>(), Is.EqualTo(new long[] { 0, 1, 2 }));
        using var f = r[TensorIndex.Slice(5, 2)];
        Assert.That(f.NumElements, Is.Zero);
        using var g = a[TensorIndex.Slice(1, null, 2)];       // a slice of a slice: stride 4
        Assert.That(g.ToArray<long>(), Is.EqualTo(new long[] { 2, 6 }));
        Assert.That(g.Strides.ToArray(), Is.EqualTo(new long[] { 4 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorIndex.Slice(0, 4, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorIndex.Slice(0, 4, -1));
    }

    [Test]
    public void NewAxisAndEllipsis()
    {
        using var x = Grid();
        using var a = x[TensorIndex.NewAxis];
        Assert.That(a.Shape.ToArray(), Is.EqualTo(new long[] { 1, 3, 4 }));
        using var b = x[.., TensorIndex.NewAxis, 1];
        Assert.That(b.Shape.ToArray(), Is.EqualTo(new long[] { 3, 1 }));
        TensorAssert.Close(b, [1, 5, 9], [3, 1]);
        using var t = Tensor.Arange(24, DType.Int64, device).Reshape(2, 3, 4);
        using var c = t[TensorIndex.Ellipsis, 1];
        Assert.That(c.Shape.ToArray(), Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(c.ToArray<long>(), Is.EqualTo(new long[] { 1, 5, 9, 13, 17, 21 }));
        using var d = t[1, TensorIndex.Ellipsis];
        Assert.That(d.Shape.ToArray(), Is.EqualTo(new long[] { 3, 4 }));
        using var e = t[0, TensorIndex.Ellipsis, 3];
        Assert.That(e.ToArray<long>(), Is.EqualTo(new long[] { 3, 7, 11 }));
        using var f = t[TensorIndex.Ellipsis, TensorIndex.NewAxis];
        Assert.That(f.Shape.ToArray(), Is.EqualTo(new long[] { 2, 3, 4, 1 }));
        using var g = t[1, 2, 3, TensorIndex.Ellipsis];      // an ellipsis may stand for nothing
        Assert.That(g.Item<long>(), Is.EqualTo(23));
        var two = Assert.Throws<ArgumentException>(() => t[TensorIndex.Ellipsis, TensorIndex.Ellipsis].Dispose());
        Assert.That(two!.Message, Does.Contain("ellipsis"));
    }

    [Test]
    public void ZeroDimIndexing()
    {
        using var s = Tensor.Scalar(4f, device: device);
        using var a = s[TensorIndex.Ellipsis];
        Assert.That(a.Dim, Is.Zero);
        using var b = s[TensorIndex.NewAxis];
        Assert.That(b.Shape.ToArray(), Is.EqualTo(new long[] { 1 }));
        Assert.Throws<ArgumentException>(() => s[0].Dispose());
    }

    [Test]
    public void OutOfRangeNamesDimensionIndexAndSize()
    {
        using var x = Grid();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => x[1, 4].Dispose());
        Assert.That(ex!.Message, Does.Contain("index 4").And.Contain("dimension 1").And.Contain("size 4"));
        var neg = Assert.Throws<ArgumentOutOfRangeException>(() => x[-4].Dispose());
        Assert.That(neg!.Message, Does.Contain("index -4").And.Contain("dimension 0").And.Contain("size 3"));
    }

    [Test]
    public void TooManyIndices()
    {
        using var x = Grid();
        var ex = Assert.Throws<ArgumentException>(() => x[0, 0, 0].Dispose());
        Assert.That(ex!.Message, Does.Contain("too many indices").And.Contain("3").And.Contain("2 dimension"));
    }

    [Test]
    public void SetterCopiesWithBroadcastAndShowsInBase()
    {
        using var x = Grid();
        using var row = Tensor.FromArray(new float[] { -1, -2, -3, -4 }, device: device);
        x[0] = row;
        using var col = Tensor.Scalar(100f, device: device);
        x[.., 3] = col;
        using var ints = Tensor.FromArray(new long[] { 7, 8 }, device: device);
        x[2, 1..3] = ints;                                 // converts dtype while copying
        TensorAssert.Close(x, [-1, -2, -3, 100, 4, 5, 6, 100, 8, 7, 8, 100], [3, 4]);
        using var bad = Tensor.Zeros([3], device: device);
        var ex = Assert.Throws<ArgumentException>(() => x[0] = bad);
        Assert.That(ex!.Message, Does.Contain("[3]").And.Contain("[4]"));
    }
}

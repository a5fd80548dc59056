using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Core;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public class AliasingTests(Device device)
{
    private Tensor Grid() => Tensor.Arange(12, DType.Float32, device).Reshape(3, 4);

    [Test]
    public void AcceptanceExample()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3], device);
        using var col = x[.., 1];
        col.Fill(0f);
        TensorAssert.Close(x, [1, 0, 3, 4, 0, 6], [2, 3]);
        using var t = x.Transpose(0, 1);
        Assert.That(t.IsContiguous, Is.False);
        using var c = t.Contiguous();
        Assert.That(c.IsContiguous, Is.True);
    }

    [Test]
    public void FillAndZeroThroughViews()
    {
        using var x = Grid();
        using (var row = x[1]) row.Zero();
        using (var t = x.T)
        using (var tcol = t[.., 2])        // row 2 of x, reached through the transpose
            tcol.Fill(-1);
        using (var stepped = x[0, TensorIndex.Slice(null, null, 2)]) stepped.Fill(9.5);
        TensorAssert.Close(x, [9.5, 1, 9.5, 3, 0, 0, 0, 0, -1, -1, -1, -1], [3, 4]);
    }

    [Test]
    public void BaseWritesShowInViews()
    {
        using var x = Grid();
        using var v = x[1.., 2..];
        using var r = x.View(2, 6);
        x.MulInPlace(10f);
        TensorAssert.Close(v, [60, 70, 100, 110], [2, 2]);
        TensorAssert.Close(r, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110], [2, 6]);
        using var s = x.Select(1, 3);
        x[2, 3] = Tensor.Scalar(-5f, device: device);
        TensorAssert.Close(s, [30, 70, -5], [3]);
    }

    [Test]
    public void CopyFromBroadcastsIntoView()
    {
        using var x = Grid();
        using var block = x[..2, 1..3];
        using var row = Tensor.FromArray(new double[] { 100, 200 }, device: device);
        block.CopyFrom(row);
        TensorAssert.Close(x, [0, 100, 200, 3, 4, 100, 200, 7, 8, 9, 10, 11], [3, 4]);
        using var t = x.T;
        using var col = Tensor.FromArray(new float[] { -1, -2, -3 }, device: device);
        using (var tr = t[3]) tr.CopyFrom(col);           // last column of x
        TensorAssert.Close(x, [0, 100, 200, -1, 4, 100, 200, -2, 8, 9, 10, -3], [3, 4]);
        var ex = Assert.Throws<ArgumentException>(() => block.CopyFrom(col));
        Assert.That(ex!.Message, Does.Contain("CopyFrom").And.Contain("[3]").And.Contain("[2, 2]"));
    }

    [Test]
    public void CopyFromOverlappingViewOfItself()
    {
        // x[1:] = x[:-1] must read the old values (as torch's copy_ of overlapping memory after clone).
        using var x = Tensor.Arange(6, DType.Float64, device);
        using var dst = x[1..];
        using var src = x[..^1];
        dst.CopyFrom(src);
        TensorAssert.Close(x, [0, 0, 1, 2, 3, 4], [6]);
        using var g = Grid();
        using var gt = g.T;
        using var sq = g[.., ..3];
        using var sqt = gt[..3];
        sq.CopyFrom(sqt);                                   // transpose a 3x3 block in place
        TensorAssert.Close(g, [0, 4, 8, 3, 1, 5, 9, 7, 2, 6, 10, 11], [3, 4]);
    }

    [Test]
    public void InPlaceOpsThroughViews()
    {
        using var x = Grid();
        using (var c = x[.., 0])
        {
            using var add = Tensor.FromArray(new float[] { 1, 2, 3 }, device: device);
            c.AddInPlace(add);
        }
        using (var r = x[2]) r.SubInPlace(8f);
        using (var t = x.T)
        using (var tr = t[3]) tr.MulInPlace(2f);
        TensorAssert.Close(x, [1, 1, 2, 6, 6, 5, 6, 14, 3, 1, 2, 6], [3, 4]);
    }

    [Test]
    public void VersionCountsInPlaceWritesAndIsSharedByViews()
    {
        using var x = Grid();
        using var v = x[1];
        using var t = x.T;
        int v0 = x.Storage.Version;
        Assert.That(v.Storage.Version, Is.EqualTo(v0));
        v.Fill(1f);
        Assert.That(x.Storage.Version, Is.EqualTo(v0 + 1));
        Assert.That(t.Storage.Version, Is.EqualTo(v0 + 1));
        t.AddInPlace(1f);
        Assert.That(v.Storage.Version, Is.EqualTo(v0 + 2));
        using var src = Tensor.Zeros([4], device: device);
        v.CopyFrom(src);
        Assert.That(x.Storage.Version, Is.EqualTo(v0 + 3));
        x[0, 0] = src[0];
        Assert.That(x.Storage.Version, Is.EqualTo(v0 + 4));
        v.Zero();
        Assert.That(x.Storage.Version, Is.EqualTo(v0 + 5));
        using var y = x + 1f;                               // out-of-place: no write to x
        using var z = x.Reshape(12);
        Assert.That(x.Storage.Version, Is.EqualTo(v0 + 5));
        Assert.That(y.Storage.Version, Is.Zero);
    }

    [Test]
    public void ExpandedSourceCanBeRead()
    {
        using var col = Tensor.FromArray(new float[] { 1, 2 }, [2, 1], device);
        using var e = col.Expand(2, 3);
        using var y = e * 2f;
        TensorAssert.Close(y, [2, 2, 2, 4, 4, 4], [2, 3]);
        using var dst = Tensor.Zeros([2, 3], device: device);
        dst.CopyFrom(e);
        TensorAssert.Close(dst, [1, 1, 1, 2, 2, 2], [2, 3]);
        col.Fill(5f);
        TensorAssert.Close(e, [5, 5, 5, 5, 5, 5], [2, 3]);
    }
}

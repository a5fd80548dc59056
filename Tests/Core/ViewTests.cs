using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Core;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public class ViewTests(Device device)
{
    // [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    private Tensor Grid() => Tensor.Arange(12, DType.Float32, device).Reshape(3, 4);

    private static void AssertView(Tensor view, Tensor baseTensor)
        => Assert.That(view.Storage, Is.SameAs(baseTensor.Storage), "the view must share the base's storage");

    private static long[] ShapeOf(Tensor t) => t.Shape.ToArray();

    [Test]
    public void NarrowAndSelect()
    {
        using var x = Grid();
        using var n = x.Narrow(1, 1, 2);
        TensorAssert.Close(n, [1, 2, 5, 6, 9, 10], [3, 2]);
        AssertView(n, x);
        Assert.That(n.StorageOffset, Is.EqualTo(1));
        Assert.That(n.Strides.ToArray(), Is.EqualTo(new long[] { 4, 1 }));
        using var neg = x.Narrow(0, -1, 1);
        TensorAssert.Close(neg, [8, 9, 10, 11], [1, 4]);
        using var empty = x.Narrow(0, 3, 0);
        Assert.That(ShapeOf(empty), Is.EqualTo(new long[] { 0, 4 }));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => x.Narrow(1, 3, 2));
        Assert.That(ex!.Message, Does.Contain("Narrow").And.Contain("start 3").And.Contain("length 2").And.Contain("size 4"));

        using var s = x.Select(1, -1);
        TensorAssert.Close(s, [3, 7, 11], [3]);
        AssertView(s, x);
        var se = Assert.Throws<ArgumentOutOfRangeException>(() => x.Select(0, 3));
        Assert.That(se!.Message, Does.Contain("Select").And.Contain("index 3").And.Contain("size 3"));
        var de = Assert.Throws<ArgumentOutOfRangeException>(() => x.Select(2, 0));
        Assert.That(de!.Message, Does.Contain("Select").And.Contain("dimension 2"));
    }

    [Test]
    public void SliceWithStep()
    {
        using var x = Grid();
        using var s = x.Slice(1, 0, null, 2);
        TensorAssert.Close(s, [0, 2, 4, 6, 8, 10], [3, 2]);
        Assert.That(s.Strides.ToArray(), Is.EqualTo(new long[] { 4, 2 }));
        AssertView(s, x);
        using var r = x.Slice(0, -2);
        TensorAssert.Close(r, [4, 5, 6, 7, 8, 9, 10, 11], [2, 4]);
        using var odd = x.Slice(1, 1, 4, 2);
        TensorAssert.Close(odd, [1, 3, 5, 7, 9, 11], [3, 2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Slice(0, 0, 2, 0));
    }

    [Test]
    public void TransposePermuteAndT()
    {
        using var x = Grid();
        using var t = x.Transpose(0, 1);
        Assert.That(ShapeOf(t), Is.EqualTo(new long[] { 4, 3 }));
        Assert.That(t.Strides.ToArray(), Is.EqualTo(new long[] { 1, 4 }));
        Assert.That(t.IsContiguous, Is.False);
        AssertView(t, x);
        TensorAssert.Close(t, [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11], [4, 3]);
        using var tt = x.T;
        TensorAssert.Close(tt, [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11], [4, 3]);
        using var neg = x.Transpose(-1, -2);
        Assert.That(ShapeOf(neg), Is.EqualTo(new long[] { 4, 3 }));

        using var c = Tensor.Arange(24, DType.Int64, device).Reshape(2, 3, 4);
        using var p = c.Permute(2, 0, 1);
        Assert.That(ShapeOf(p), Is.EqualTo(new long[] { 4, 2, 3 }));
        Assert.That(p.Strides.ToArray(), Is.EqualTo(new long[] { 1, 12, 4 }));
        using var p1 = p[1];
        Assert.That(p1.ToArray<long>(), Is.EqualTo(new long[] { 1, 5, 9, 13, 17, 21 }));
        var dup = Assert.Throws<ArgumentException>(() => c.Permute(0, 0, 1));
        Assert.That(dup!.Message, Does.Contain("Permute").And.Contain("twice"));
        var cnt = Assert.Throws<ArgumentException>(() => c.Permute(0, 1));
        Assert.That(cnt!.Message, Does.Contain("Permute").And.Contain("2").And.Contain("3"));
        var t3 = Assert.Throws<InvalidOperationException>(() => _ = c.T);
        Assert.That(t3!.Message, Does.Contain("Permute").And.Contain("[2, 3, 4]"));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Transpose(0, 2));
    }

    [Test]
    public void ViewOfContiguousSharesStorage()
    {
        using var x = Grid();
        using var v = x.View(2, 6);
        AssertView(v, x);
        TensorAssert.Close(v, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [2, 6]);
        using var inferred = x.View(-1, 3);
        Assert.That(ShapeOf(inferred), Is.EqualTo(new long[] { 4, 3 }));
        using var flat = x.View(12);
        Assert.That(flat.Strides.ToArray(), Is.EqualTo(new long[] { 1 }));
        // A column slice can be viewed with split/merged dims that stay within a contiguous run.
        using var cols = x[.., 0..2];
        using var cv = cols.View(3, 2, 1);
        AssertView(cv, x);
        Assert.That(cv.Strides.ToArray(), Is.EqualTo(new long[] { 4, 1, 1 }));
        var bad = Assert.Throws<ArgumentException>(() => x.View(5, -1));
        Assert.That(bad!.Message, Does.Contain("View").And.Contain("[5, -1]").And.Contain("12"));
        Assert.Throws<ArgumentException>(() => x.View(-1, -1));
    }

    [Test]
    public void ViewRefusedWhenStridesForbidSaysReshape()
    {
        using var x = Grid();
        using var t = x.T;
        var ex = Assert.Throws<InvalidOperationException>(() => t.View(12));
        Assert.That(ex!.Message, Does.Contain("View").And.Contain("[4, 3]").And.Contain("[12]").And.Contain("Reshape"));
    }

    [Test]
    public void ReshapeIsViewWhenPossibleElseCopy()
    {
        using var x = Grid();
        using var r = x.Reshape(4, 3);
        AssertView(r, x);
        using var t = x.T;
        using var copy = t.Reshape(12);
        Assert.That(copy.Storage, Is.Not.SameAs(x.Storage));
        TensorAssert.Close(copy, [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11], [12]);
        x.Fill(-1f);
        TensorAssert.Close(r, Enumerable.Repeat(-1.0, 12).ToArray(), [4, 3]);
        Assert.That(copy.ToArray<float>()[1], Is.EqualTo(4f), "the copy does not follow the base");
        using var scalar = Tensor.Scalar(5f, device: device);
        using var one = scalar.Reshape(1, 1);
        Assert.That(ShapeOf(one), Is.EqualTo(new long[] { 1, 1 }));
        using var back = one.Reshape();
        Assert.That(back.Dim, Is.Zero);
        Assert.That(back.Item<float>(), Is.EqualTo(5f));
    }

    [Test]
    public void Flatten()
    {
        using var c = Tensor.Arange(24, DType.Int64, device).Reshape(2, 3, 4);
        using var f = c.Flatten();
        Assert.That(ShapeOf(f), Is.EqualTo(new long[] { 24 }));
        AssertView(f, c);
        using var f12 = c.Flatten(1);
        Assert.That(ShapeOf(f12), Is.EqualTo(new long[] { 2, 12 }));
        using var f01 = c.Flatten(0, 1);
        Assert.That(ShapeOf(f01), Is.EqualTo(new long[] { 6, 4 }));
        using var p = c.Permute(2, 1, 0);
        using var pf = p.Flatten();
        Assert.That(pf.ToArray<long>()[..4], Is.EqualTo(new long[] { 0, 12, 4, 16 }));
        using var s = Tensor.Scalar(3L, device: device);
        using var sf = s.Flatten();
        Assert.That(ShapeOf(sf), Is.EqualTo(new long[] { 1 }));
        Assert.Throws<ArgumentException>(() => c.Flatten(2, 1));
    }

    [Test]
    public void SqueezeUnsqueeze()
    {
        using var x = Tensor.Zeros([1, 3, 1, 2], device: device);
        using var s = x.Squeeze();
        Assert.That(ShapeOf(s), Is.EqualTo(new long[] { 3, 2 }));
        AssertView(s, x);
        using var s2 = x.Squeeze(2);
        Assert.That(ShapeOf(s2), Is.EqualTo(new long[] { 1, 3, 2 }));
        using var s1 = x.Squeeze(1);
        Assert.That(ShapeOf(s1), Is.EqualTo(new long[] { 1, 3, 1, 2 }));
        using var sNeg = x.Squeeze(-2);
        Assert.That(ShapeOf(sNeg), Is.EqualTo(new long[] { 1, 3, 2 }));

        using var g = Grid();
        using var u0 = g.Unsqueeze(0);
        Assert.That(ShapeOf(u0), Is.EqualTo(new long[] { 1, 3, 4 }));
        using var u2 = g.Unsqueeze(2);
        Assert.That(ShapeOf(u2), Is.EqualTo(new long[] { 3, 4, 1 }));
        Assert.That(u2.IsContiguous, Is.True);
        using var um = g.Unsqueeze(-1);
        Assert.That(ShapeOf(um), Is.EqualTo(new long[] { 3, 4, 1 }));
        using var u1 = g.Unsqueeze(1);
        TensorAssert.Close(u1, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [3, 1, 4]);
        AssertView(u1, g);
        Assert.Throws<ArgumentOutOfRangeException>(() => g.Unsqueeze(3));
        using var sc = Tensor.Scalar(1f, device: device);
        using var su = sc.Unsqueeze(0);
        Assert.That(ShapeOf(su), Is.EqualTo(new long[] { 1 }));
    }

    [Test]
    public void ExpandHasZeroStride()
    {
        using var col = Tensor.FromArray(new float[] { 1, 2, 3 }, [3, 1], device);
        using var e = col.Expand(3, 4);
        Assert.That(ShapeOf(e), Is.EqualTo(new long[] { 3, 4 }));
        Assert.That(e.Strides.ToArray(), Is.EqualTo(new long[] { 1, 0 }));
        AssertView(e, col);
        TensorAssert.Close(e, [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3], [3, 4]);
        using var lead = col.Expand(2, -1, 2);
        Assert.That(ShapeOf(lead), Is.EqualTo(new long[] { 2, 3, 2 }));
        Assert.That(lead.Strides.ToArray(), Is.EqualTo(new long[] { 0, 1, 0 }));
        using var other = Tensor.Zeros([5, 3, 2], device: device);
        using var ea = col.ExpandAs(other);
        Assert.That(ShapeOf(ea), Is.EqualTo(new long[] { 5, 3, 2 }));
        using var row = Tensor.FromArray(new float[] { 1, 2 }, device: device);
        using var b = row.BroadcastTo(3, 2);
        TensorAssert.Close(b, [1, 2, 1, 2, 1, 2], [3, 2]);
        Assert.That(b.Strides.ToArray(), Is.EqualTo(new long[] { 0, 1 }));
        var ex = Assert.Throws<ArgumentException>(() => col.Expand(4, 4));
        Assert.That(ex!.Message, Does.Contain("Expand").And.Contain("[3, 1]").And.Contain("[4, 4]"));
        var fewer = Assert.Throws<ArgumentException>(() => col.Expand(3));
        Assert.That(fewer!.Message, Does.Contain("Expand"));
        using var s = Tensor.Scalar(7f, device: device);
        using var se = s.Expand(2, 2);
        TensorAssert.Close(se, [7, 7, 7, 7], [2, 2]);
    }

    [Test]
    public void WritingIntoExpandedViewIsRefused()
    {
        using var col = Tensor.FromArray(new float[] { 1, 2, 3 }, [3, 1], device);
        using var e = col.Expand(3, 4);
        var ex = Assert.Throws<InvalidOperationException>(() => e.Fill(0f));
        Assert.That(ex!.Message, Does.Contain("Fill").And.Contain("expanded").And.Contain("Clone"));
    }

    [Test]
    public void SplitChunkUnbind()
    {
        using var r = Tensor.Arange(7, DType.Int64, device);
        var parts = r.Split(3);
        Assert.That(parts.Select(p => p.ToArray<long>()), Is.EqualTo(new[] { new long[] { 0, 1, 2 }, [3, 4, 5], [6] }));
        foreach (var p in parts) { AssertView(p, r); p.Dispose(); }
        var sized = r.Split([2, 0, 5]);
        Assert.That(sized.Select(p => p.NumElements), Is.EqualTo(new long[] { 2, 0, 5 }));
        Assert.That(sized[2].ToArray<long>(), Is.EqualTo(new long[] { 2, 3, 4, 5, 6 }));
        foreach (var p in sized) p.Dispose();
        var bad = Assert.Throws<ArgumentException>(() => r.Split([2, 2]));
        Assert.That(bad!.Message, Does.Contain("Split").And.Contain("[2, 2]").And.Contain("4").And.Contain("7"));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.Split(0));

        using var g = Grid();
        var cols = g.Split(3, dim: 1);
        Assert.That(cols.Select(ShapeOf), Is.EqualTo(new[] { new long[] { 3, 3 }, [3, 1] }));
        TensorAssert.Close(cols[1], [3, 7, 11], [3, 1]);
        foreach (var p in cols) p.Dispose();

        var chunks = r.Chunk(3);
        Assert.That(chunks.Select(p => p.NumElements), Is.EqualTo(new long[] { 3, 3, 1 }));
        foreach (var p in chunks) p.Dispose();
        var many = Tensor.Arange(2, DType.Int64, device).Chunk(5);
        Assert.That(many, Has.Length.EqualTo(2));
        foreach (var p in many) p.Dispose();
        var even = g.Chunk(2, dim: 1);
        Assert.That(even.Select(ShapeOf), Is.EqualTo(new[] { new long[] { 3, 2 }, [3, 2] }));
        foreach (var p in even) p.Dispose();
        Assert.Throws<ArgumentOutOfRangeException>(() => r.Chunk(0));

        var rows = g.Unbind();
        Assert.That(rows, Has.Length.EqualTo(3));
        TensorAssert.Close(rows[2], [8, 9, 10, 11], [4]);
        foreach (var p in rows) p.Dispose();
        var columns = g.Unbind(1);
        Assert.That(columns, Has.Length.EqualTo(4));
        TensorAssert.Close(columns[1], [1, 5, 9], [3]);
        AssertView(columns[1], g);
        foreach (var p in columns) p.Dispose();
    }

    [Test]
    public void Contiguous()
    {
        using var g = Grid();
        using var same = g.Contiguous();
        AssertView(same, g);
        using var t = g.T;
        using var c = t.Contiguous();
        Assert.That(c.IsContiguous, Is.True);
        Assert.That(c.Storage, Is.Not.SameAs(g.Storage));
        Assert.That(c.Strides.ToArray(), Is.EqualTo(new long[] { 3, 1 }));
        TensorAssert.Close(c, [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11], [4, 3]);
    }

    [Test]
    public void ContiguityFacts()
    {
        using var g = Grid();
        Assert.That(g.IsContiguous, Is.True);
        Assert.That(g.Strides.ToArray(), Is.EqualTo(new long[] { 4, 1 }));
        Assert.That(g.Stride(0), Is.EqualTo(4));
        Assert.That(g.Size(-1), Is.EqualTo(4));
        using var row = g[1];
        Assert.That(row.IsContiguous, Is.True, "a row of a contiguous matrix");
        Assert.That(row.StorageOffset, Is.EqualTo(4));
        using var block = g[1.., 1..];
        Assert.That(block.IsContiguous, Is.False);
        Assert.That(block.StorageOffset, Is.EqualTo(5));
        using var single = g[1..2, 1..];
        Assert.That(single.IsContiguous, Is.True, "size-1 dimensions do not constrain strides");
    }

    [Test]
    public void ZeroDimTensorsRejectDimensionOps()
    {
        // PyTorch: "dimension specified as 0 but tensor has no dimensions".
        using var s = Tensor.Scalar(1f, device: device);
        Assert.That(s.Dim, Is.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Size(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Stride(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Narrow(0, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Slice(0, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Split(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Chunk(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Unbind());
        Assert.Throws<InvalidOperationException>(() => s.Select(0, 0));
        // torch.tensor(1.).transpose(0, -1) is allowed and returns the tensor.
        using var t = s.Transpose(0, -1);
        Assert.That(t.Dim, Is.Zero);
        using var sq = s.Squeeze(0);
        Assert.That(sq.Dim, Is.Zero);
        using var p = s.Permute();
        Assert.That(p.Item<float>(), Is.EqualTo(1f));
    }
}

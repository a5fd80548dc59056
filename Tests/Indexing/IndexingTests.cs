#pragma warning disable CA1861 // test data: literal arrays are read once per test case
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Indexing;

/// <summary>IndexSelect, Gather, Scatter(Add), masks, NonZero, OneHot, Cat and Stack with hand-computed values (PyTorch's doc examples where they exist).</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public class IndexingTests(Device device)
{
    private Tensor F(float[] data, params long[] shape) => Tensor.FromArray(data, shape, device);
    private Tensor L(long[] data, params long[] shape) => Tensor.FromArray(data, shape, device);
    private Tensor Arange(int n, params long[] shape)
    {
        using var a = Tensor.Arange(n, dtype: DType.Float32, device: device);
        return a.Reshape(shape);
    }

    [Test]
    public void IndexSelectAlongEachDim()
    {
        using var x = Arange(12, 3, 4);
        using var idx = L([0, 2], 2);
        using (var r = x.IndexSelect(0, idx)) TensorAssert.Close(r, [0, 1, 2, 3, 8, 9, 10, 11], [2, 4]);
        using (var r = x.IndexSelect(1, idx)) TensorAssert.Close(r, [0, 2, 4, 6, 8, 10], [3, 2]);
        using (var r = x.IndexSelect(-1, idx)) TensorAssert.Close(r, [0, 2, 4, 6, 8, 10], [3, 2]);
        // Repeated and reordered indices, Int32 index, non-contiguous source.
        using var i32 = Tensor.FromArray(new[] { 2, 2, 0 }, [3], device);
        using var t = x.T;
        using (var r = t.IndexSelect(1, i32)) TensorAssert.Close(r, [8, 8, 0, 9, 9, 1, 10, 10, 2, 11, 11, 3], [4, 3]);
        using (var r = x.IndexSelect(0, i32)) TensorAssert.Close(r, [8, 9, 10, 11, 8, 9, 10, 11, 0, 1, 2, 3], [3, 4]);
        // Empty index and 3-D source.
        using var none = Tensor.Zeros([0], DType.Int64, device);
        using (var r = x.IndexSelect(1, none)) TensorAssert.Close(r, [], [3, 0]);
        using var y = Arange(24, 2, 3, 4);
        using var one = L([1], 1);
        using (var r = y.IndexSelect(1, one)) TensorAssert.Close(r, [4, 5, 6, 7, 16, 17, 18, 19], [2, 1, 4]);
        using var ints = Tensor.FromArray(new[] { 10, 20, 30 }, [3], device);
        using (var r = ints.IndexSelect(0, i32)) TensorAssert.Close(r, [30, 30, 10], [3], dtype: DType.Int32);
    }

    [Test]
    public void IndexSelectErrors()
    {
        using var x = Arange(12, 3, 4);
        using var bad = L([0, 3], 2);
        Assert.That(DeferredErrors.AtNextSync(device, () => x.IndexSelect(0, bad)), Throws.InstanceOf<ArgumentOutOfRangeException>()
            .With.Message.StartsWith("IndexSelect:").And.Message.Contains("index 3 is out of bounds for dimension 0 with size 3"));
        using var neg = L([-1], 1);
        Assert.That(DeferredErrors.AtNextSync(device, () => x.IndexSelect(1, neg)), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("index -1"));
        using var f = F([0], 1);
        Assert.That(() => x.IndexSelect(0, f), Throws.ArgumentException.With.Message.StartsWith("IndexSelect:").And.Message.Contains("Int64"));
        using var twoD = L([0, 1], 1, 2);
        Assert.That(() => x.IndexSelect(0, twoD), Throws.ArgumentException.With.Message.Contains("1-D"));
        Assert.That(() => x.IndexSelect(2, bad), Throws.InstanceOf<ArgumentException>());
    }

    [Test]
    public void IndexSelectOutOfRangeOnALargeSourceThrowsTheSameError()
    {
        // 100000 outputs: past the threading threshold, where a kernel exception would otherwise surface wrapped.
        using var x = Tensor.Zeros([1000, 100], device: device);
        var idx = Enumerable.Range(0, 1000).Select(i => (long)i).ToArray();
        idx[777] = 1000;
        using var index = L(idx, 1000);
        Assert.That(DeferredErrors.AtNextSync(device, () => x.IndexSelect(0, index)), Throws.InstanceOf<ArgumentOutOfRangeException>()
            .With.Message.StartsWith("IndexSelect:").And.Message.Contains("index 1000 is out of bounds"));
    }

    [Test]
    public void GatherDocExamples()
    {
        // torch.gather(torch.tensor([[1, 2], [3, 4]]), 1, torch.tensor([[0, 0], [1, 0]])) -> [[1, 1], [4, 3]]
        using var t = F([1, 2, 3, 4], 2, 2);
        using var i1 = L([0, 0, 1, 0], 2, 2);
        using (var r = t.Gather(1, i1)) TensorAssert.Close(r, [1, 1, 4, 3], [2, 2]);
        // dim 0: out[i][j] = t[index[i][j]][j]
        using (var r = t.Gather(0, i1)) TensorAssert.Close(r, [1, 2, 3, 2], [2, 2]);
        // An index smaller than the source in the other dim, and larger along dim; Int32 index; transposed source.
        using var x = Arange(12, 3, 4);
        using var i2 = Tensor.FromArray(new[] { 3, 3, 3, 0, 1, 2 }, [2, 3], device);
        using (var r = x.Gather(1, i2)) TensorAssert.Close(r, [3, 3, 3, 4, 5, 6], [2, 3]);
        using var xt = x.T;  // [4, 3]: xt[i][j] = 4 j + i
        using var i4 = L([2, 0, 1], 1, 3);
        using (var r = xt.Gather(0, i4)) TensorAssert.Close(r, [2, 4, 9], [1, 3]);
        using var i5 = L([0, 2, 2, 1, 0, 0, 1, 2], 4, 2);
        using (var r = xt.Gather(-1, i5)) TensorAssert.Close(r, [0, 8, 9, 5, 2, 2, 7, 11], [4, 2]);
    }

    [Test]
    public void GatherErrors()
    {
        using var x = Arange(12, 3, 4);
        using var bad = L([0, 4], 1, 2);
        Assert.That(DeferredErrors.AtNextSync(device, () => x.Gather(1, bad)), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.StartsWith("Gather:").And.Message.Contains("index 4"));
        using var rank1 = L([0], 1);
        Assert.That(() => x.Gather(1, rank1), Throws.ArgumentException.With.Message.Contains("as many dimensions"));
        using var tooBig = L(new long[8], 4, 2);
        Assert.That(() => x.Gather(1, tooBig), Throws.ArgumentException.With.Message.Contains("exceeds"));
    }

    [Test]
    public void ScatterDocExamples()
    {
        using var src = Tensor.Arange(1, 11, dtype: DType.Float32, device: device);
        using var s = src.Reshape(2, 5);
        using var z = Tensor.Zeros([3, 5], device: device);
        using var i0 = L([0, 1, 2, 0], 1, 4);
        using (var r = z.Scatter(0, i0, s)) TensorAssert.Close(r, [1, 0, 0, 4, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 0], [3, 5]);
        using var i1 = L([0, 1, 2, 0, 1, 4], 2, 3);
        using (var r = z.Scatter(1, i1, s)) TensorAssert.Close(r, [1, 2, 3, 0, 0, 6, 7, 0, 0, 8, 0, 0, 0, 0, 0], [3, 5]);
        // Out of place: the input is unchanged.
        TensorAssert.Close(z, new double[15], [3, 5]);
    }

    [Test]
    public void ScatterAddAccumulatesDuplicates()
    {
        using var ones = Tensor.Ones([2, 5], device: device);
        using var z = Tensor.Zeros([3, 5], device: device);
        using var i0 = L([0, 1, 2, 0, 0], 1, 5);
        using (var r = z.ScatterAdd(0, i0, ones)) TensorAssert.Close(r, [1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0], [3, 5]);
        using var i2 = L([0, 1, 2, 0, 0, 0, 1, 2, 2, 2], 2, 5);
        using (var r = z.ScatterAdd(0, i2, ones)) TensorAssert.Close(r, [2, 0, 0, 1, 1, 0, 2, 0, 0, 0, 0, 0, 2, 1, 1], [3, 5]);
        // Along dim 1 many hits on one element, integer dtype.
        using var zi = Tensor.Zeros([2, 3], DType.Int64, device);
        using var srcI = L([1, 2, 3, 4, 10, 20, 30, 40], 2, 4);
        using var idx = L([0, 0, 0, 2, 1, 1, 1, 1], 2, 4);
        using (var r = zi.ScatterAdd(1, idx, srcI)) TensorAssert.Close(r, [6, 0, 4, 0, 100, 0], [2, 3], dtype: DType.Int64);
    }

    [Test]
    public void ScatterInPlaceWritesThroughViews()
    {
        using var baseT = Tensor.Zeros([3, 4], device: device);
        using var view = baseT.T;  // [4, 3], non-contiguous
        using var idx = L([2, 0], 1, 2);
        using var src = F([5, 6], 1, 2);
        var returned = view.ScatterInPlace(1, idx, src);
        Assert.That(returned, Is.SameAs(view));
        // view[0][2] = 5, view[0][0] = 6 -> base[2][0] = 5, base[0][0] = 6
        TensorAssert.Close(baseT, [6, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0], [3, 4]);
        using var idx2 = L([0, 0, 0], 3, 1);
        using var src2 = F([1, 2, 3], 3, 1);
        view.ScatterAddInPlace(0, idx2, src2);  // view[0][0] += 1 + 2 + 3
        TensorAssert.Close(baseT, [12, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0], [3, 4]);
        // A src of another dtype is converted to the destination's.
        using var srcD = Tensor.FromArray(new double[] { 0.5 }, [1, 1], device);
        using var idx3 = L([3], 1, 1);
        baseT.ScatterAddInPlace(1, idx3, srcD);
        TensorAssert.Close(baseT, [12, 0, 0, 0.5, 0, 0, 0, 0, 5, 0, 0, 0], [3, 4], dtype: DType.Float32);
    }

    [Test]
    public void BadScatterIndexThrowsAndLeavesTheDestinationUnchanged()
    {
        using var dst = Arange(6, 2, 3);
        using var src = F([9, 9, 9, 9, 9, 9], 2, 3);
        // The bad index comes after valid ones: on the CPU nothing may be written before the check. CUDA checks on the
        // device and reports at the next synchronization; the valid indices are written meanwhile (as in PyTorch).
        using var idx = L([0, 1, 2, 1, 0, 3], 2, 3);
        Assert.That(DeferredErrors.AtNextSyncInPlace(device, () => dst.ScatterInPlace(1, idx, src)), Throws.InstanceOf<ArgumentOutOfRangeException>()
            .With.Message.StartsWith("ScatterInPlace:").And.Message.Contains("index 3 is out of bounds for dimension 1 with size 3"));
        Assert.That(DeferredErrors.AtNextSyncInPlace(device, () => dst.ScatterAddInPlace(1, idx, src)), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.StartsWith("ScatterAddInPlace:"));
        Assert.That(DeferredErrors.AtNextSync(device, () => dst.Scatter(1, idx, src)), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.StartsWith("Scatter:"));
        Assert.That(DeferredErrors.AtNextSync(device, () => dst.ScatterAdd(1, idx, src)), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.StartsWith("ScatterAdd:"));
        using var neg = L([-1, 0, 0, 0, 0, 0], 2, 3);
        Assert.That(DeferredErrors.AtNextSyncInPlace(device, () => dst.ScatterAddInPlace(1, neg, src)), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("index -1"));
        if (device.IsCpu) TensorAssert.Close(dst, [0, 1, 2, 3, 4, 5], [2, 3]);
        var before = TensorAssert.ToDoubles(dst);
        using var wrongRank = L([0], 1);
        Assert.That(() => dst.ScatterInPlace(1, wrongRank, src), Throws.ArgumentException.With.Message.Contains("as many dimensions"));
        TensorAssert.Close(dst, before, [2, 3]);
    }

    [Test]
    public void MaskedSelectWithBroadcastMask()
    {
        using var x = Arange(12, 3, 4);
        using var mask = Tensor.FromArray(new[] { true, false, false, true }, [4], device);
        using (var r = x.MaskedSelect(mask)) TensorAssert.Close(r, [0, 3, 4, 7, 8, 11], [6]);
        using var rowMask = Tensor.FromArray(new[] { false, true, true }, [3, 1], device);
        using (var r = x.MaskedSelect(rowMask)) TensorAssert.Close(r, [4, 5, 6, 7, 8, 9, 10, 11], [8]);
        using var ge = x.Ge(5.0);
        using (var r = x.MaskedSelect(ge)) TensorAssert.Close(r, [5, 6, 7, 8, 9, 10, 11], [7]);
        // The tensor broadcasts against a larger mask too.
        using var row = F([1, 2, 3], 3);
        using var m2 = Tensor.FromArray(new[] { true, false, true, false, true, true }, [2, 3], device);
        using (var r = row.MaskedSelect(m2)) TensorAssert.Close(r, [1, 3, 2, 3], [4]);
        using var none = Tensor.Zeros([3, 4], DType.Bool, device);
        using (var r = x.MaskedSelect(none)) TensorAssert.Close(r, [], [0]);
        using var notBool = F([1, 0, 1, 0], 4);
        Assert.That(() => x.MaskedSelect(notBool), Throws.ArgumentException.With.Message.StartsWith("MaskedSelect:").And.Message.Contains("Bool"));
        using var badMask = Tensor.Zeros([5], DType.Bool, device);
        Assert.That(() => x.MaskedSelect(badMask), Throws.ArgumentException.With.Message.Contains("MaskedSelect"));
    }

    [Test]
    public void NonZeroDocExamples()
    {
        using var v = F([1, 1, 1, 0, 1], 5);
        using (var r = v.NonZero()) TensorAssert.Close(r, [0, 1, 2, 4], [4, 1], dtype: DType.Int64);
        using var m = F([0.6f, 0, 0, 0, 0, 0.4f, 0, 0, 0, 0, 1.2f, 0, 0, 0, 0, -0.4f], 4, 4);
        using (var r = m.NonZero()) TensorAssert.Close(r, [0, 0, 1, 1, 2, 2, 3, 3], [4, 2]);
        // Non-contiguous, 3-D, integer.
        using var a = Tensor.FromArray(new[] { 0, 5, 0, 0, 0, 7 }, [1, 2, 3], device);
        using var p = a.Permute(2, 0, 1);  // [3, 1, 2]: p[k][0][j] = a[0][j][k]
        using (var r = p.NonZero()) TensorAssert.Close(r, [1, 0, 0, 2, 0, 1], [2, 3]);
        using var z = Tensor.Zeros([2, 2], device: device);
        using (var r = z.NonZero()) TensorAssert.Close(r, [], [0, 2]);
    }

    [Test]
    public void OneHotInferredAndGivenClassCount()
    {
        using var a = Tensor.FromArray(new long[] { 0, 1, 2, 0, 1 }, [5], device);
        using (var r = a.OneHot()) TensorAssert.Close(r, [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0], [5, 3], dtype: DType.Int64);
        using (var r = a.OneHot(5)) TensorAssert.Close(r, [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0], [5, 5], dtype: DType.Int64);
        using var b = Tensor.FromArray(new[] { 1, 0, 2, 2 }, [2, 2], device);
        using (var r = b.OneHot()) TensorAssert.Close(r, [0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1], [2, 2, 3], dtype: DType.Int64);
        using var bt = b.T;  // [[1, 2], [0, 2]]
        using (var r = bt.OneHot(3)) TensorAssert.Close(r, [0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1], [2, 2, 3]);
        // With a class count the range is checked inside the scatter: on CUDA the error comes at the next synchronization
        // (PyTorch relies on scatter's device-side assert there too).
        Assert.That(DeferredErrors.AtNextSync(device, () => a.OneHot(2)), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.StartsWith("OneHot:").And.Message.Contains("index 2"));
        using var f = F([0, 1], 2);
        Assert.That(() => f.OneHot(), Throws.ArgumentException.With.Message.StartsWith("OneHot:"));
        using var neg = Tensor.FromArray(new long[] { 0, -1 }, [2], device);
        Assert.That(DeferredErrors.AtNextSync(device, () => neg.OneHot(3)), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("index -1"));
    }

    [Test]
    public void CatAlongDims()
    {
        using var a = Arange(6, 2, 3);
        using var b = F([10, 11, 12], 1, 3);
        using (var r = Tensor.Cat([a, b])) TensorAssert.Close(r, [0, 1, 2, 3, 4, 5, 10, 11, 12], [3, 3]);
        using var c = F([20, 21], 2, 1);
        using (var r = Tensor.Cat([a, c], 1)) TensorAssert.Close(r, [0, 1, 2, 20, 3, 4, 5, 21], [2, 4]);
        using (var r = Tensor.Cat([c, a, c], -1)) TensorAssert.Close(r, [20, 0, 1, 2, 20, 21, 3, 4, 5, 21], [2, 5]);
        // Non-contiguous parts and a zero-size part.
        using var at = a.T;  // [3, 2]
        using var empty = Tensor.Zeros([0, 2], device: device);
        using (var r = Tensor.Cat([at, empty, at])) TensorAssert.Close(r, [0, 3, 1, 4, 2, 5, 0, 3, 1, 4, 2, 5], [6, 2]);
        using (var r = Tensor.Cat([a])) TensorAssert.Close(r, [0, 1, 2, 3, 4, 5], [2, 3]);
    }

    [Test]
    public void CatPromotesDTypes()
    {
        using var i = Tensor.FromArray(new[] { 1, 2 }, [2], device);
        using var l = Tensor.FromArray(new long[] { 3 }, [1], device);
        using var f = F([0.5f], 1);
        using var d = Tensor.FromArray(new double[] { 0.25 }, [1], device);
        using (var r = Tensor.Cat([i, l])) TensorAssert.Close(r, [1, 2, 3], [3], dtype: DType.Int64);
        using (var r = Tensor.Cat([i, f])) TensorAssert.Close(r, [1, 2, 0.5], [3], dtype: DType.Float32);
        using (var r = Tensor.Cat([f, d, i])) TensorAssert.Close(r, [0.5, 0.25, 1, 2], [4], dtype: DType.Float64);
    }

    [Test]
    public void CatErrorsNameTheTensorsAndDim()
    {
        using var a = Tensor.Zeros([2, 3], device: device);
        using var b = Tensor.Zeros([2, 4], device: device);
        Assert.That(() => Tensor.Cat([a, b]), Throws.ArgumentException.With.Message.StartsWith("Cat:")
            .And.Message.Contains("tensor 1").And.Message.Contains("[2, 4]").And.Message.Contains("[2, 3]").And.Message.Contains("dimension 1"));
        using var c = Tensor.Zeros([6], device: device);
        Assert.That(() => Tensor.Cat([a, c]), Throws.ArgumentException.With.Message.Contains("number of dimensions"));
        Assert.That(() => Tensor.Cat([]), Throws.ArgumentException.With.Message.StartsWith("Cat:"));
        using var s = Tensor.Scalar(1f, device: device);
        Assert.That(() => Tensor.Cat([s, s]), Throws.ArgumentException.With.Message.Contains("Stack"));
        Assert.That(() => Tensor.Cat([a, a], 2), Throws.InstanceOf<ArgumentException>());
    }

    [Test]
    public void StackAddsADimAnywhere()
    {
        using var a = F([1, 2, 3], 3);
        using var b = F([4, 5, 6], 3);
        using (var r = Tensor.Stack([a, b])) TensorAssert.Close(r, [1, 2, 3, 4, 5, 6], [2, 3]);
        using (var r = Tensor.Stack([a, b], 1)) TensorAssert.Close(r, [1, 4, 2, 5, 3, 6], [3, 2]);
        using (var r = Tensor.Stack([a, b], -1)) TensorAssert.Close(r, [1, 4, 2, 5, 3, 6], [3, 2]);
        using (var r = Tensor.Stack([a, b], -2)) TensorAssert.Close(r, [1, 2, 3, 4, 5, 6], [2, 3]);
        using var m = Arange(6, 2, 3);
        using var n = m * 10f;
        // Middle of a matrix stack: [2, 2, 3] with r[i][k][j] = (k == 0 ? m : n)[i][j]
        using (var r = Tensor.Stack([m, n], 1)) TensorAssert.Close(r, [0, 1, 2, 0, 10, 20, 3, 4, 5, 30, 40, 50], [2, 2, 3]);
        using (var r = Tensor.Stack([m, n], 2)) TensorAssert.Close(r, [0, 0, 1, 10, 2, 20, 3, 30, 4, 40, 5, 50], [2, 3, 2]);
        using (var r = Tensor.Stack([m, n], -3)) TensorAssert.Close(r, [0, 1, 2, 3, 4, 5, 0, 10, 20, 30, 40, 50], [2, 2, 3]);
        // 0-d tensors stack to 1-D; a transposed part.
        using var s1 = Tensor.Scalar(1f, device: device);
        using var s2 = Tensor.Scalar(2f, device: device);
        using (var r = Tensor.Stack([s1, s2])) TensorAssert.Close(r, [1, 2], [2]);
        using var mt = m.T;
        using var nt = n.T;
        using (var r = Tensor.Stack([mt, nt])) TensorAssert.Close(r, [0, 3, 1, 4, 2, 5, 0, 30, 10, 40, 20, 50], [2, 3, 2]);
        using var c = F([1, 2], 2);
        Assert.That(() => Tensor.Stack([a, c]), Throws.ArgumentException.With.Message.StartsWith("Stack:").And.Message.Contains("tensor 1"));
        Assert.That(() => Tensor.Stack([a, b], 3), Throws.InstanceOf<ArgumentException>());
    }
}

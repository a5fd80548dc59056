using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Core;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public class ConversionTests(Device device)
{
    [Test]
    public void FloatToIntTruncatesTowardZero()
    {
        using var f = Tensor.FromArray(new float[] { 2.9f, -2.9f, 0.5f, -0.5f, 7f }, device: device);
        using var i = f.To(DType.Int32);
        Assert.That(i.DType, Is.EqualTo(DType.Int32));
        Assert.That(i.ToArray<int>(), Is.EqualTo(new[] { 2, -2, 0, 0, 7 }));
        using var l = f.To(DType.Int64);
        Assert.That(l.ToArray<long>(), Is.EqualTo(new long[] { 2, -2, 0, 0, 7 }));
        using var d = Tensor.FromArray(new double[] { 3e9, -1.999999 }, device: device);
        using var dl = d.To(DType.Int64);
        Assert.That(dl.ToArray<long>(), Is.EqualTo(new long[] { 3_000_000_000, -1 }));
    }

    [Test]
    public void ToBoolIsNonZero()
    {
        using var f = Tensor.FromArray(new float[] { 0f, -0f, 0.25f, -3f, float.NaN }, device: device);
        using var b = f.To(DType.Bool);
        Assert.That(b.ToArray<bool>(), Is.EqualTo(new[] { false, false, true, true, true }));
        using var i = Tensor.FromArray(new long[] { 0, 5, -1 }, device: device);
        using var ib = i.To(DType.Bool);
        Assert.That(ib.ToArray<bool>(), Is.EqualTo(new[] { false, true, true }));
        using var back = ib.To(DType.Float32);
        Assert.That(back.ToArray<float>(), Is.EqualTo(new[] { 0f, 1f, 1f }));
    }

    [Test]
    public void WideningAndNarrowingFloats()
    {
        using var d = Tensor.FromArray(new double[] { 0.1, 1e40 }, device: device);
        using var f = d.To(DType.Float32);
        var v = f.ToArray<float>();
        Assert.That(v[0], Is.EqualTo(0.1f));
        Assert.That(float.IsPositiveInfinity(v[1]), Is.True);
        using var i = Tensor.FromArray(new int[] { -7, 16_777_217 }, device: device);
        using var id = i.To(DType.Float64);
        Assert.That(id.ToArray<double>(), Is.EqualTo(new[] { -7.0, 16_777_217.0 }));
    }

    [Test]
    public void ToOfNonContiguousView()
    {
        using var x = Tensor.FromArray(new float[] { 1.5f, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f }, [2, 3], device);
        using var t = x.T;
        using var i = t.To(DType.Int64);
        Assert.That(i.ToArray<long>(), Is.EqualTo(new long[] { 1, 4, 2, 5, 3, 6 }));
        Assert.That(i.IsContiguous, Is.True);
    }

    [Test]
    public void ToSameDTypeAliases()
    {
        using var x = Tensor.Zeros([2], device: device);
        using var y = x.To(DType.Float32);
        Assert.That(y.Storage, Is.SameAs(x.Storage));
        using var z = x.To(device);
        Assert.That(z.Storage, Is.SameAs(x.Storage));
    }

    [Test]
    public void CloneIsIndependent()
    {
        using var x = Tensor.FromArray(new long[] { 1, 2, 3, 4 }, [2, 2], device);
        using var t = x.T;
        using var c = t.Clone();
        Assert.That(c.Storage, Is.Not.SameAs(x.Storage));
        Assert.That(c.IsContiguous, Is.True);
        Assert.That(c.DType, Is.EqualTo(DType.Int64));
        Assert.That(c.ToArray<long>(), Is.EqualTo(new long[] { 1, 3, 2, 4 }));
        x.Fill(0);
        Assert.That(c.ToArray<long>(), Is.EqualTo(new long[] { 1, 3, 2, 4 }));
        c.Fill(9);
        Assert.That(x.ToArray<long>(), Is.EqualTo(new long[] { 0, 0, 0, 0 }));
    }

    [Test]
    public void ToArrayWrongTypeNamesBothDTypes()
    {
        using var x = Tensor.Zeros([3], device: device);
        var ex = Assert.Throws<InvalidOperationException>(() => x.ToArray<double>());
        Assert.That(ex!.Message, Does.Contain("float32").And.Contain("float64").And.Contain("To(DType.Float64)"));
        using var i = Tensor.Zeros([1], DType.Int32, device);
        var ie = Assert.Throws<InvalidOperationException>(() => i.Item<long>());
        Assert.That(ie!.Message, Does.Contain("int32").And.Contain("int64"));
        Assert.Throws<NotSupportedException>(() => x.ToArray<byte>());
    }

    [Test]
    public void ToArrayOfViewsIsRowMajor()
    {
        using var x = Tensor.Arange(12, DType.Int32, device);
        using var g = x.View(3, 4);
        using var v = g[TensorIndex.Slice(null, null, 2), 1..3];
        Assert.That(v.ToArray<int>(), Is.EqualTo(new[] { 1, 2, 9, 10 }));
        var dst = new int[6];
        v.CopyTo<int>(dst);
        Assert.That(dst, Is.EqualTo(new[] { 1, 2, 9, 10, 0, 0 }));
        Assert.Throws<ArgumentException>(() => v.CopyTo<int>(new int[3]));
    }

    [Test]
    public void ItemOnOneElementTensors()
    {
        using var a = Tensor.FromArray(new float[] { 4.25f }, [1, 1, 1], device);
        Assert.That(a.Item<float>(), Is.EqualTo(4.25f));
        using var b = Tensor.Scalar(-3L, device: device);
        Assert.That(b.Item<long>(), Is.EqualTo(-3));
        Assert.That(b.ToDouble(), Is.EqualTo(-3.0));
        using var x = Tensor.FromArray(new double[] { 1, 2, 3, 4 }, [2, 2], device);
        using var e = x[1, 0];
        Assert.That(e.Item<double>(), Is.EqualTo(3.0));
        using var tcol = x.T[1];
        var ex = Assert.Throws<InvalidOperationException>(() => x.Item<double>());
        Assert.That(ex!.Message, Does.Contain("Item").And.Contain("[2, 2]").And.Contain("4 elements").And.Contain("one-element"));
        using var empty = Tensor.Zeros([0], device: device);
        var ee = Assert.Throws<InvalidOperationException>(() => empty.Item<float>());
        Assert.That(ee!.Message, Does.Contain("0 elements"));
    }
}

using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Core;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public class CreationTests(Device device)
{
    [Test]
    public void ZerosOnesFullValuesAndDefaults()
    {
        using var z = Tensor.Zeros([2, 3], device: device);
        TensorAssert.Close(z, [0, 0, 0, 0, 0, 0], [2, 3], dtype: DType.Float32);
        Assert.That(z.Device, Is.EqualTo(device));
        using var o = Tensor.Ones([3], DType.Int32, device);
        Assert.That(o.ToArray<int>(), Is.EqualTo(new[] { 1, 1, 1 }));
        using var f = Tensor.Full([2, 2], 2.5, device: device);
        TensorAssert.Close(f, [2.5, 2.5, 2.5, 2.5], [2, 2], dtype: DType.Float32);
        using var fd = Tensor.Full([2], 7, DType.Float64, device);
        Assert.That(fd.ToArray<double>(), Is.EqualTo(new[] { 7.0, 7.0 }));
    }

    [Test]
    public void FullInfersDTypeFromValue()
    {
        using var a = Tensor.Full([2], 3, device: device);
        Assert.That(a.DType, Is.EqualTo(DType.Int64));
        Assert.That(a.ToArray<long>(), Is.EqualTo(new long[] { 3, 3 }));
        using var b = Tensor.Full([2], 3.0f, device: device);
        Assert.That(b.DType, Is.EqualTo(DType.Float32));
        using var c = Tensor.Full([2], true, device: device);
        Assert.That(c.DType, Is.EqualTo(DType.Bool));
        Assert.That(c.ToArray<bool>(), Is.EqualTo(new[] { true, true }));
        using var big = Tensor.Full([1], 1L << 40, device: device);
        Assert.That(big.Item<long>(), Is.EqualTo(1L << 40));
    }

    [Test]
    public void FullConvertsValueToRequestedDType()
    {
        using var t = Tensor.Full([2], -2.7, DType.Int32, device);
        Assert.That(t.ToArray<int>(), Is.EqualTo(new[] { -2, -2 }), "truncation toward zero");
        using var b = Tensor.Full([3], 2, DType.Bool, device);
        Assert.That(b.ToArray<bool>(), Is.EqualTo(new[] { true, true, true }));
        using var asInt = b.To(DType.Int32);
        Assert.That(asInt.ToArray<int>(), Is.EqualTo(new[] { 1, 1, 1 }), "a Bool element is stored as 1");
    }

    [Test]
    public void EmptyHasShapeAndDType()
    {
        using var e = Tensor.Empty([4, 5], DType.Int64, device);
        Assert.That(e.Shape.ToArray(), Is.EqualTo(new long[] { 4, 5 }));
        Assert.That(e.Strides.ToArray(), Is.EqualTo(new long[] { 5, 1 }));
        Assert.That(e.DType, Is.EqualTo(DType.Int64));
        Assert.That(e.NumElements, Is.EqualTo(20));
        Assert.That(e.IsContiguous, Is.True);
        Assert.That(e.StorageOffset, Is.Zero);
    }

    [Test]
    public void NegativeSizeIsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, -1], device: device));
        Assert.That(ex!.Message, Does.Contain("Zeros").And.Contain("[2, -1]").And.Contain("-1"));
    }

    [Test]
    public void ZeroDimTensors()
    {
        using var s = Tensor.Scalar(3.5, device: device);
        Assert.That(s.Dim, Is.Zero);
        Assert.That(s.NumElements, Is.EqualTo(1));
        Assert.That(s.Shape.Length, Is.Zero);
        Assert.That(s.Strides.Length, Is.Zero);
        Assert.That(s.IsContiguous, Is.True);
        Assert.That(s.DType, Is.EqualTo(DType.Float32));
        Assert.That(s.Item<float>(), Is.EqualTo(3.5f));
        using var i = Tensor.Scalar(7, device: device);
        Assert.That(i.DType, Is.EqualTo(DType.Int64));
        Assert.That(i.Item<long>(), Is.EqualTo(7));
        using var b = Tensor.Scalar(true, device: device);
        Assert.That(b.Item<bool>(), Is.True);
        using var z = Tensor.Zeros([], device: device);
        Assert.That(z.Dim, Is.Zero);
        Assert.That(z.ToArray<float>(), Is.EqualTo(new[] { 0f }));
        using var fromArray = Tensor.FromArray(new double[] { 2 }, [], device);
        Assert.That(fromArray.Dim, Is.Zero);
        Assert.That(fromArray.Item<double>(), Is.EqualTo(2.0));
    }

    [Test]
    public void ZeroSizeTensors()
    {
        using var t = Tensor.Zeros([0, 3], device: device);
        Assert.That(t.NumElements, Is.Zero);
        Assert.That(t.Dim, Is.EqualTo(2));
        Assert.That(t.Shape.ToArray(), Is.EqualTo(new long[] { 0, 3 }));
        Assert.That(t.Strides.ToArray(), Is.EqualTo(new long[] { 3, 1 }));
        Assert.That(t.IsContiguous, Is.True);
        Assert.That(t.ToArray<float>(), Is.Empty);
        using var o = Tensor.Ones([3, 0], DType.Int32, device);
        Assert.That(o.ToArray<int>(), Is.Empty);
        using var e = Tensor.FromArray(Array.Empty<float>(), [0], device);
        Assert.That(e.Shape.ToArray(), Is.EqualTo(new long[] { 0 }));
        using var r = t.Reshape(3, 0);
        Assert.That(r.Shape.ToArray(), Is.EqualTo(new long[] { 3, 0 }));
        using var flat = t.Reshape(-1);
        Assert.That(flat.Shape.ToArray(), Is.EqualTo(new long[] { 0 }));
        using var sum = t + 1f;
        Assert.That(sum.Shape.ToArray(), Is.EqualTo(new long[] { 0, 3 }));
        using var eye = Tensor.Eye(0, device: device);
        Assert.That(eye.Shape.ToArray(), Is.EqualTo(new long[] { 0, 0 }));
        using var rnd = Tensor.Rand([0, 2], device: device);
        Assert.That(rnd.NumElements, Is.Zero);
    }

    [Test]
    public void ArangeIntegersGiveInt64()
    {
        using var a = Tensor.Arange(5, device: device);
        Assert.That(a.DType, Is.EqualTo(DType.Int64));
        Assert.That(a.ToArray<long>(), Is.EqualTo(new long[] { 0, 1, 2, 3, 4 }));
        using var b = Tensor.Arange(2, 11, 3, device: device);
        Assert.That(b.ToArray<long>(), Is.EqualTo(new long[] { 2, 5, 8 }));
        using var c = Tensor.Arange(10, 0, -3, device: device);
        Assert.That(c.ToArray<long>(), Is.EqualTo(new long[] { 10, 7, 4, 1 }));
        using var d = Tensor.Arange(-3, 3, 2, device: device);
        Assert.That(d.ToArray<long>(), Is.EqualTo(new long[] { -3, -1, 1 }));
        using var e = Tensor.Arange(3, 3, device: device);
        Assert.That(e.Shape.ToArray(), Is.EqualTo(new long[] { 0 }));
        using var i32 = Tensor.Arange(4, DType.Int32, device);
        Assert.That(i32.ToArray<int>(), Is.EqualTo(new[] { 0, 1, 2, 3 }));
    }

    [Test]
    public void ArangeFloatsGiveFloat32()
    {
        using var a = Tensor.Arange(0, 2.5, device: device);
        Assert.That(a.DType, Is.EqualTo(DType.Float32));
        Assert.That(a.ToArray<float>(), Is.EqualTo(new[] { 0f, 1f, 2f }));
        using var b = Tensor.Arange(1, 3, 0.5, device: device);
        Assert.That(b.ToArray<float>(), Is.EqualTo(new[] { 1f, 1.5f, 2f, 2.5f }));
        using var c = Tensor.Arange(1.0, 0.0, -0.25, device: device);
        Assert.That(c.ToArray<float>(), Is.EqualTo(new[] { 1f, 0.75f, 0.5f, 0.25f }));
        // torch.arange(0, 1, 0.1) has 10 elements
        using var d = Tensor.Arange(0, 1, 0.1, DType.Float64, device);
        Assert.That(d.NumElements, Is.EqualTo(10));
        Assert.That(d.ToArray<double>()[9], Is.EqualTo(0.9).Within(1e-12));
    }

    [Test]
    public void ArangeErrors()
    {
        var zero = Assert.Throws<ArgumentException>(() => Tensor.Arange(0, 5, 0, device: device));
        Assert.That(zero!.Message, Does.Contain("Arange").And.Contain("step"));
        var away = Assert.Throws<ArgumentException>(() => Tensor.Arange(0, 5, -1, device: device));
        Assert.That(away!.Message, Does.Contain("Arange").And.Contain("-1").And.Contain("other sign"));
        Assert.Throws<ArgumentException>(() => Tensor.Arange(5.0, 0.0, device: device));
        var inf = Assert.Throws<ArgumentException>(() => Tensor.Arange(0, double.PositiveInfinity, device: device));
        Assert.That(inf!.Message, Does.Contain("Arange").And.Contain("finite"));
        Assert.Throws<ArgumentException>(() => Tensor.Arange(double.NaN, 1.0, device: device));
    }

    [Test]
    public void LinspaceEndpointsAreExact()
    {
        using var a = Tensor.Linspace(0, 1, 5, device: device);
        Assert.That(a.DType, Is.EqualTo(DType.Float32));
        Assert.That(a.ToArray<float>(), Is.EqualTo(new[] { 0f, 0.25f, 0.5f, 0.75f, 1f }));
        using var b = Tensor.Linspace(-1.3, 2.9, 7, DType.Float64, device);
        var v = b.ToArray<double>();
        Assert.That(v[0], Is.EqualTo(-1.3));
        Assert.That(v[6], Is.EqualTo(2.9));
        for (int i = 0; i < 7; i++) Assert.That(v[i], Is.EqualTo(-1.3 + i * 0.7).Within(1e-12));
        using var desc = Tensor.Linspace(10, 0, 3, device: device);
        Assert.That(desc.ToArray<float>(), Is.EqualTo(new[] { 10f, 5f, 0f }));
    }

    [Test]
    public void LinspaceOneAndZeroSteps()
    {
        using var one = Tensor.Linspace(2, 8, 1, device: device);
        Assert.That(one.ToArray<float>(), Is.EqualTo(new[] { 2f }), "torch.linspace(2, 8, 1) is [2.]");
        using var none = Tensor.Linspace(2, 8, 0, device: device);
        Assert.That(none.Shape.ToArray(), Is.EqualTo(new long[] { 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Linspace(0, 1, -1, device: device));
    }

    [Test]
    public void EyeSquareAndRectangular()
    {
        using var e = Tensor.Eye(3, device: device);
        TensorAssert.Close(e, [1, 0, 0, 0, 1, 0, 0, 0, 1], [3, 3], dtype: DType.Float32);
        using var wide = Tensor.Eye(2, 3, device: device);
        TensorAssert.Close(wide, [1, 0, 0, 0, 1, 0], [2, 3]);
        using var tall = Tensor.Eye(3, 2, DType.Int64, device);
        Assert.That(tall.ToArray<long>(), Is.EqualTo(new long[] { 1, 0, 0, 1, 0, 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Eye(-1, device: device));
    }

    [Test]
    public void LikeFactoriesCopyShapeDTypeDevice()
    {
        using var src = Tensor.FromArray(new int[] { 5, 6, 7, 8, 9, 10 }, [2, 3], device);
        using var t = src.Transpose(0, 1);
        using var z = Tensor.ZerosLike(t);
        Assert.That(z.Shape.ToArray(), Is.EqualTo(new long[] { 3, 2 }));
        Assert.That(z.DType, Is.EqualTo(DType.Int32));
        Assert.That(z.Device, Is.EqualTo(device));
        Assert.That(z.IsContiguous, Is.True);
        Assert.That(z.ToArray<int>(), Is.EqualTo(new int[6]));
        using var o = Tensor.OnesLike(src, DType.Float64);
        Assert.That(o.ToArray<double>(), Is.EqualTo(new double[] { 1, 1, 1, 1, 1, 1 }));
        using var f = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, [2, 2], device);
        using var r = Tensor.RandnLike(f);
        Assert.That(r.Shape.ToArray(), Is.EqualTo(new long[] { 2, 2 }));
        Assert.That(r.DType, Is.EqualTo(DType.Float32));
        var ex = Assert.Throws<ArgumentException>(() => Tensor.RandnLike(src));
        Assert.That(ex!.Message, Does.Contain("Randn").And.Contain("int32").And.Contain("RandInt"));
    }

    [Test]
    public void FromArrayEveryElementType()
    {
        using var f = Tensor.FromArray(new float[] { 1.5f, -2 }, device: device);
        Assert.That(f.DType, Is.EqualTo(DType.Float32));
        Assert.That(f.ToArray<float>(), Is.EqualTo(new[] { 1.5f, -2f }));
        using var d = Tensor.FromArray(new double[] { 1e300, -0.125 }, device: device);
        Assert.That(d.DType, Is.EqualTo(DType.Float64));
        Assert.That(d.ToArray<double>(), Is.EqualTo(new[] { 1e300, -0.125 }));
        using var i = Tensor.FromArray(new int[] { int.MinValue, int.MaxValue }, device: device);
        Assert.That(i.DType, Is.EqualTo(DType.Int32));
        Assert.That(i.ToArray<int>(), Is.EqualTo(new[] { int.MinValue, int.MaxValue }));
        using var l = Tensor.FromArray(new long[] { long.MinValue, 1L << 53 | 1 }, device: device);
        Assert.That(l.DType, Is.EqualTo(DType.Int64));
        Assert.That(l.ToArray<long>(), Is.EqualTo(new[] { long.MinValue, 1L << 53 | 1 }));
        using var b = Tensor.FromArray(new[] { true, false, true }, device: device);
        Assert.That(b.DType, Is.EqualTo(DType.Bool));
        Assert.That(b.ToArray<bool>(), Is.EqualTo(new[] { true, false, true }));
    }

    [Test]
    public void FromArrayWithShapeAndTwoDimensional()
    {
        using var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3], device);
        Assert.That(a.Shape.ToArray(), Is.EqualTo(new long[] { 2, 3 }));
        using var row1 = a[1];
        Assert.That(row1.ToArray<float>(), Is.EqualTo(new[] { 4f, 5f, 6f }));
        using var m = Tensor.FromArray(new long[,] { { 1, 2, 3 }, { 4, 5, 6 } }, device);
        Assert.That(m.Shape.ToArray(), Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(m.DType, Is.EqualTo(DType.Int64));
        using var m01 = m[0, 2];
        Assert.That(m01.Item<long>(), Is.EqualTo(3));
        using var mb = Tensor.FromArray(new bool[,] { { true }, { false } }, device);
        Assert.That(mb.Shape.ToArray(), Is.EqualTo(new long[] { 2, 1 }));
        Assert.That(mb.ToArray<bool>(), Is.EqualTo(new[] { true, false }));
        using var md = Tensor.FromArray(new double[,] { { 0.5, 1.5 } }, device);
        Assert.That(md.ToArray<double>(), Is.EqualTo(new[] { 0.5, 1.5 }));
        using var mi = Tensor.FromArray(new int[0, 4], device);
        Assert.That(mi.Shape.ToArray(), Is.EqualTo(new long[] { 0, 4 }));
    }

    [Test]
    public void FromArrayCopiesTheData()
    {
        var data = new float[] { 1, 2 };
        using var t = Tensor.FromArray(data, device: device);
        data[0] = 100;
        Assert.That(t.ToArray<float>(), Is.EqualTo(new[] { 1f, 2f }));
    }

    [Test]
    public void FromArrayShapeMismatch()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.FromArray(new float[] { 1, 2, 3, 4, 5 }, [2, 3], device));
        Assert.That(ex!.Message, Does.Contain("FromArray").And.Contain("[2, 3]").And.Contain("6").And.Contain("5"));
    }

    [Test]
    public void RequiresGradOnlyForFloatingPoint()
    {
        using var a = Tensor.Zeros([2], device: device, requiresGrad: true);
        Assert.That(a.RequiresGrad, Is.True);
        using var b = Tensor.Zeros([2], device: device);
        Assert.That(b.RequiresGrad, Is.False);
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2], DType.Int64, device, requiresGrad: true));
        Assert.That(ex!.Message, Does.Contain("Zeros").And.Contain("int64"));
        using var i = Tensor.Zeros([2], DType.Int32, device);
        Assert.Throws<InvalidOperationException>(() => i.RequiresGrad = true);
    }
}

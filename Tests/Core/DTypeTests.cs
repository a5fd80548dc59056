using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Core;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public class DTypeTests(Device device)
{
    private Tensor Make(DType dtype) => Tensor.Ones([3], dtype, device);

    [TestCase(DType.Float32, 4, "float32", true, false)]
    [TestCase(DType.Float64, 8, "float64", true, false)]
    [TestCase(DType.Int32, 4, "int32", false, true)]
    [TestCase(DType.Int64, 8, "int64", false, true)]
    [TestCase(DType.Bool, 1, "bool", false, false)]
    public void FactsPerDType(DType dtype, int size, string name, bool floating, bool integer)
    {
        Assert.That(dtype.ElementSize(), Is.EqualTo(size));
        Assert.That(dtype.Name(), Is.EqualTo(name));
        Assert.That(dtype.IsFloatingPoint(), Is.EqualTo(floating));
        Assert.That(dtype.IsInteger(), Is.EqualTo(integer));
        using var t = Tensor.Zeros([5], dtype, device);
        Assert.That(t.Storage.ByteLength, Is.EqualTo(5L * size));
    }

    [Test]
    public void DefaultFloatIsFloat32()
    {
        Assert.That(DTypes.DefaultFloat, Is.EqualTo(DType.Float32));
        using var z = Tensor.Zeros([2], device: device);
        Assert.That(z.DType, Is.EqualTo(DType.Float32));
    }

    [Test]
    public void OfMapsElementTypes()
    {
        Assert.That(DTypes.Of<float>(), Is.EqualTo(DType.Float32));
        Assert.That(DTypes.Of<double>(), Is.EqualTo(DType.Float64));
        Assert.That(DTypes.Of<int>(), Is.EqualTo(DType.Int32));
        Assert.That(DTypes.Of<long>(), Is.EqualTo(DType.Int64));
        Assert.That(DTypes.Of<bool>(), Is.EqualTo(DType.Bool));
        var ex = Assert.Throws<NotSupportedException>(() => DTypes.Of<short>());
        Assert.That(ex!.Message, Does.Contain("Int16").And.Contain("float"));
    }

    // PyTorch: torch.promote_types, for two dimensioned tensors.
    [TestCase(DType.Float32, DType.Float64, DType.Float64)]
    [TestCase(DType.Int32, DType.Int64, DType.Int64)]
    [TestCase(DType.Int32, DType.Float32, DType.Float32)]
    [TestCase(DType.Int64, DType.Float32, DType.Float32)]
    [TestCase(DType.Int64, DType.Float64, DType.Float64)]
    [TestCase(DType.Bool, DType.Int32, DType.Int32)]
    [TestCase(DType.Bool, DType.Int64, DType.Int64)]
    [TestCase(DType.Bool, DType.Float32, DType.Float32)]
    [TestCase(DType.Bool, DType.Bool, DType.Bool)]
    [TestCase(DType.Int32, DType.Int32, DType.Int32)]
    public void PromoteTable(DType a, DType b, DType expected)
    {
        Assert.That(DTypes.Promote(a, b), Is.EqualTo(expected));
        Assert.That(DTypes.Promote(b, a), Is.EqualTo(expected), "promotion is symmetric");
    }

    [TestCase(DType.Float32, DType.Float64, DType.Float64)]
    [TestCase(DType.Int32, DType.Int64, DType.Int64)]
    [TestCase(DType.Int32, DType.Float32, DType.Float32)]
    [TestCase(DType.Bool, DType.Int32, DType.Int32)]
    [TestCase(DType.Bool, DType.Float64, DType.Float64)]
    public void TensorTensorAdditionPromotes(DType a, DType b, DType expected)
    {
        using var x = Make(a);
        using var y = Make(b);
        using var s = x + y;
        Assert.That(s.DType, Is.EqualTo(expected));
        TensorAssert.Close(s, [2, 2, 2], [3], dtype: expected);
    }

    [Test]
    public void ScalarsDoNotWidenWithinCategory()
    {
        using var f = Tensor.FromArray(new float[] { 1, 2 }, [2], device);
        using var a = f * 2.5;            // C# double literal: still float32, as torch's python float
        TensorAssert.Close(a, [2.5, 5], [2], dtype: DType.Float32);
        using var i32 = Tensor.FromArray(new int[] { 1, 2 }, [2], device);
        using var b = i32 + 1L;           // a long scalar does not widen an int32 tensor
        TensorAssert.Close(b, [2, 3], [2], dtype: DType.Int32);
        using var c = i32 + 1;
        TensorAssert.Close(c, [2, 3], [2], dtype: DType.Int32);
    }

    [Test]
    public void ScalarsRaiseCategory()
    {
        using var i64 = Tensor.FromArray(new long[] { 1, 2 }, [2], device);
        using var a = i64 * 2.5;          // int tensor * float scalar -> default float
        TensorAssert.Close(a, [2.5, 5], [2], dtype: DType.Float32);
        using var i32 = Tensor.FromArray(new int[] { 3 }, [1], device);
        using var b = 0.5 + i32;
        TensorAssert.Close(b, [3.5], [1], dtype: DType.Float32);
        using var bools = Tensor.FromArray(new[] { true, false }, [2], device);
        using var c = bools + 1;          // bool tensor + int -> int64
        TensorAssert.Close(c, [2, 1], [2], dtype: DType.Int64);
        using var d = bools * 1.5f;
        TensorAssert.Close(d, [1.5, 0], [2], dtype: DType.Float32);
    }

    [Test]
    public void PromoteWithScalarRules()
    {
        Assert.That(DTypes.PromoteWithScalar(DType.Float64, scalarIsFloating: true), Is.EqualTo(DType.Float64));
        Assert.That(DTypes.PromoteWithScalar(DType.Float32, scalarIsFloating: true), Is.EqualTo(DType.Float32));
        Assert.That(DTypes.PromoteWithScalar(DType.Int32, scalarIsFloating: false), Is.EqualTo(DType.Int32));
        Assert.That(DTypes.PromoteWithScalar(DType.Int32, scalarIsFloating: true), Is.EqualTo(DType.Float32));
        Assert.That(DTypes.PromoteWithScalar(DType.Bool, scalarIsFloating: false), Is.EqualTo(DType.Int64));
        Assert.That(DTypes.PromoteWithScalar(DType.Bool, scalarIsFloating: false, scalarIsBool: true), Is.EqualTo(DType.Bool));
        Assert.That(DTypes.PromoteWithScalar(DType.Int64, scalarIsFloating: false, scalarIsBool: true), Is.EqualTo(DType.Int64));
    }

    [Test]
    public void IntegerDivisionIsTrueDivision()
    {
        using var a = Tensor.FromArray(new int[] { 7, -7 }, [2], device);
        using var b = Tensor.FromArray(new int[] { 2, 2 }, [2], device);
        using var q = a / b;
        TensorAssert.Close(q, [3.5, -3.5], [2], dtype: DType.Float32);
    }

    [Test]

    public void ZeroDimTensorsDoNotWidenDimensionedOnes()
    {
        // PyTorch: torch.ones(3) + torch.tensor(1., dtype=torch.float64) is float32;
        // torch.ones(3, dtype=torch.int32) + torch.tensor(1) is int32; int32 tensor + float64 0-d is float64.
        using var f = Make(DType.Float32);
        using var d0 = Tensor.Scalar(1.0, DType.Float64, device);
        using var s = f + d0;
        Assert.That(s.DType, Is.EqualTo(DType.Float32));
        using var i = Make(DType.Int32);
        using var l0 = Tensor.Scalar(1L, device: device);
        using var s2 = i + l0;
        Assert.That(s2.DType, Is.EqualTo(DType.Int32));
        using var s3 = i + d0;
        Assert.That(s3.DType, Is.EqualTo(DType.Float64));
    }
}

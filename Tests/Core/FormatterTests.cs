using NUnit.Framework;

namespace CudaTensor.Tests.Core;

// Expected strings are what PyTorch 2.x prints (repr of the same tensor), with its default print options:
// precision 4, threshold 1000, edgeitems 3, linewidth 80.
[TestFixture]
public class FormatterTests
{
    private static string Str(float[] values, params long[] shape)
    {
        using var t = shape.Length == 0 ? Tensor.FromArray(values) : Tensor.FromArray(values, shape);
        return t.ToString();
    }

    [Test]
    public void IntegralFloatMatrix()
    {
        Assert.That(Str([1, 2, 3, 4], 2, 2), Is.EqualTo("tensor([[1., 2.],\n        [3., 4.]])"));
    }

    [Test]
    public void FloatsWithDecimalsAndPadding()
    {
        Assert.That(Str([1.5f, 2.25f]), Is.EqualTo("tensor([1.5000, 2.2500])"));
        Assert.That(Str([1, 10, 100]), Is.EqualTo("tensor([  1.,  10., 100.])"));
        Assert.That(Str([-1, 2]), Is.EqualTo("tensor([-1.,  2.])"));
        Assert.That(Str([-0.5f, 12.125f]), Is.EqualTo("tensor([-0.5000, 12.1250])"));
    }

    [Test]
    public void ScientificNotation()
    {
        Assert.That(Str([1e-5f, 1f]), Is.EqualTo("tensor([1.0000e-05, 1.0000e+00])"));
        Assert.That(Str([1, 10000]), Is.EqualTo("tensor([1.0000e+00, 1.0000e+04])"));
        Assert.That(Str([100_000_000]), Is.EqualTo("tensor([100000000.])"), "1e8 itself is not above the limit");
        Assert.That(Str([1e9f]), Is.EqualTo("tensor([1.0000e+09])"));
    }

    [Test]
    public void NonFiniteDoNotWidenTheFormat()
    {
        Assert.That(Str([1, float.NaN]), Is.EqualTo("tensor([1., nan])"));
        Assert.That(Str([0, float.PositiveInfinity, float.NegativeInfinity]), Is.EqualTo("tensor([0., inf, -inf])"));
        Assert.That(Str([1.5f, float.NaN]), Is.EqualTo("tensor([1.5000,    nan])"));
    }

    [Test]
    public void ZeroDim()
    {
        using var a = Tensor.Scalar(3.5f);
        Assert.That(a.ToString(), Is.EqualTo("tensor(3.5000)"));
        using var b = Tensor.Scalar(3);
        Assert.That(b.ToString(), Is.EqualTo("tensor(3)"));
        using var c = Tensor.Scalar(2.0, DType.Float64);
        Assert.That(c.ToString(), Is.EqualTo("tensor(2., dtype=torch.float64)"));
        using var d = Tensor.Scalar(true);
        Assert.That(d.ToString(), Is.EqualTo("tensor(True)"));
    }

    [Test]
    public void IntsBoolsAndDTypeSuffix()
    {
        using var a = Tensor.FromArray(new long[] { 1, 2, 3 });
        Assert.That(a.ToString(), Is.EqualTo("tensor([1, 2, 3])"));
        using var b = Tensor.FromArray(new int[] { -1, 20 });
        Assert.That(b.ToString(), Is.EqualTo("tensor([-1, 20], dtype=torch.int32)"));
        using var c = Tensor.FromArray(new[] { true, false });
        Assert.That(c.ToString(), Is.EqualTo("tensor([ True, False])"));
        using var d = Tensor.FromArray(new double[] { 1, 2 });
        Assert.That(d.ToString(), Is.EqualTo("tensor([1., 2.], dtype=torch.float64)"));
    }

    [Test]
    public void ThreeDimensions()
    {
        using var r = Tensor.Arange(8, DType.Float32);
        using var t = r.Reshape(2, 2, 2);
        Assert.That(t.ToString(), Is.EqualTo(
            "tensor([[[0., 1.],\n" +
            "         [2., 3.]],\n" +
            "\n" +
            "        [[4., 5.],\n" +
            "         [6., 7.]]])"));
    }

    [Test]
    public void Views()
    {
        using var x = Tensor.FromArray(new long[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        using var t = x.T;
        Assert.That(t.ToString(), Is.EqualTo("tensor([[1, 4],\n        [2, 5],\n        [3, 6]])"));
    }

    [Test]
    public void EmptyTensors()
    {
        using var a = Tensor.Zeros([0]);
        Assert.That(a.ToString(), Is.EqualTo("tensor([])"));
        using var b = Tensor.Zeros([0, 3]);
        Assert.That(b.ToString(), Is.EqualTo("tensor([], size=(0, 3))"));
        using var c = Tensor.Zeros([0], DType.Int64);
        Assert.That(c.ToString(), Is.EqualTo("tensor([], dtype=torch.int64)"));
        using var d = Tensor.Zeros([2, 0], DType.Int32);
        Assert.That(d.ToString(), Is.EqualTo("tensor([], size=(2, 0), dtype=torch.int32)"));
    }

    [Test]
    public void LongVectorsWrapAtEightyColumns()
    {
        using var t = Tensor.Arange(30);
        Assert.That(t.ToString(), Is.EqualTo(
            "tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,\n" +
            "        18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29])"));
    }

    [Test]
    public void LargeVectorIsElided()
    {
        using var t = Tensor.Arange(2000);
        Assert.That(t.ToString(), Is.EqualTo("tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"));
        using var f = Tensor.Arange(1001, DType.Float32);
        Assert.That(f.ToString(), Is.EqualTo("tensor([   0.,    1.,    2.,  ...,  998.,  999., 1000.])"));
    }

    [Test]
    public void LargeMatrixIsElided()
    {
        using var r = Tensor.Arange(2000);
        using var t = r.Reshape(1000, 2);
        Assert.That(t.ToString(), Is.EqualTo(
            "tensor([[   0,    1],\n" +
            "        [   2,    3],\n" +
            "        [   4,    5],\n" +
            "        ...,\n" +
            "        [1994, 1995],\n" +
            "        [1996, 1997],\n" +
            "        [1998, 1999]])"));
        using var wide = r.Reshape(2, 1000);
        Assert.That(wide.ToString(), Is.EqualTo(
            "tensor([[   0,    1,    2,  ...,  997,  998,  999],\n" +
            "        [1000, 1001, 1002,  ..., 1997, 1998, 1999]])"));
    }

    [Test]
    public void FormatChosenFromVisibleElementsOnly()
    {
        // torch.cat([torch.zeros(3), torch.full((1000,), 0.5), torch.zeros(3)]): the 0.5s are elided, so the
        // format is the integral one of the visible zeros.
        var v = new float[1006];
        for (int i = 3; i < 1003; i++) v[i] = 0.5f;
        Assert.That(Str(v), Is.EqualTo("tensor([0., 0., 0.,  ..., 0., 0., 0.])"));
    }

    [Test]
    public void RequiresGradSuffix()
    {
        using var t = Tensor.Ones([2], requiresGrad: true);
        Assert.That(t.ToString(), Is.EqualTo("tensor([1., 1.], requires_grad=True)"));
    }
}

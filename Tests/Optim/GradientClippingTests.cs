using CudaTensor.Optim;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Optim;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public class GradientClippingTests(Device device)
{
    private (Tensor A, Tensor B) WithGrads(DType dtype, double[] ga, double[] gb)
    {
        var a = Tensor.Zeros([ga.Length], dtype, device);
        var b = Tensor.Zeros([gb.Length], dtype, device);
        using (var x = Tensor.FromArray(ga, device)) a.Grad = x.To(dtype);
        using (var y = Tensor.FromArray(gb, device)) b.Grad = y.To(dtype);
        return (a, b);
    }

    [Test]
    public void ScalesToMaxNormAndReturnsTheTotal([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        var (a, b) = WithGrads(dtype, [3, 4], [12]);
        double total = GradientClipping.ClipGradNorm([a, b], maxNorm: 1.3);
        Assert.That(total, Is.EqualTo(13).Within(1e-5));
        double coef = 1.3 / (13 + 1e-6);
        double tol = dtype == DType.Float32 ? 1e-6 : 1e-14;
        TensorAssert.Close(a.Grad!, [3 * coef, 4 * coef], [2], tol, 0);
        TensorAssert.Close(b.Grad!, [12 * coef], [1], tol, 0);
        a.Dispose();
        b.Dispose();
    }

    [Test]
    public void SmallNormsAreLeftAlone()
    {
        var (a, b) = WithGrads(DType.Float64, [0.3, 0.4], [0]);
        double total = GradientClipping.ClipGradNorm([a, b], maxNorm: 1);
        Assert.That(total, Is.EqualTo(0.5).Within(1e-15));
        TensorAssert.Close(a.Grad!, [0.3, 0.4], [2], 0, 0);
        a.Dispose();
        b.Dispose();
    }

    [Test]
    public void OtherNormTypes()
    {
        var (a, b) = WithGrads(DType.Float64, [3, -4], [-12]);
        Assert.That(GradientClipping.ClipGradNorm([a, b], maxNorm: 100, normType: double.PositiveInfinity), Is.EqualTo(12));
        Assert.That(GradientClipping.ClipGradNorm([a, b], maxNorm: 100, normType: 1), Is.EqualTo(19).Within(1e-12));
        GradientClipping.ClipGradNorm([a, b], maxNorm: 1.9, normType: 1);
        double coef = 1.9 / (19 + 1e-6);
        TensorAssert.Close(b.Grad!, [-12 * coef], [1], 1e-14, 0);
        a.Dispose();
        b.Dispose();
    }

    [Test]
    public void NonFiniteNormsAndMissingGradients()
    {
        var (a, b) = WithGrads(DType.Float64, [double.NaN, 1], [1]);
        Assert.Throws<InvalidOperationException>(() => GradientClipping.ClipGradNorm([a, b], 1, errorIfNonfinite: true));
        Assert.That(double.IsNaN(GradientClipping.ClipGradNorm([a, b], 1)), Is.True);
        using var none = Tensor.Zeros([2], device: device);
        Assert.That(GradientClipping.ClipGradNorm([none], 1), Is.EqualTo(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipGradNorm([a], 1, normType: 0));
        a.Dispose();
        b.Dispose();
    }

    [Test]
    public void ClipGradValueClampsElements()
    {
        var (a, b) = WithGrads(DType.Float32, [-3, 0.5], [2]);
        GradientClipping.ClipGradValue([a, b], 1);
        TensorAssert.Close(a.Grad!, [-1, 0.5], [2], 0, 0);
        TensorAssert.Close(b.Grad!, [1], [1], 0, 0);
        a.Dispose();
        b.Dispose();
    }
}

using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.NN;

/// <summary>
/// Average, adaptive and unpooling, and interpolation: hand-computed values, identities between the layers, indices,
/// and shape errors that name the operation.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class PoolingTests(Device device)
{
    private Tensor T(double[] values, params long[] shape) => Tensor.FromArray(values, shape, device);

    private Tensor Arange(long n, params long[] shape)
    {
        using var a = Tensor.Arange(n, DType.Float64, device);
        return a.Reshape(shape);
    }

    private Tensor Randn(ulong seed, params long[] shape) => Tensor.Randn(shape, DType.Float64, device, generator: new Generator(seed));

    private static double[] D(Tensor t) => TensorAssert.ToDoubles(t);

    [Test]
    public void AvgPool2dAveragesEachWindow()
    {
        using var x = Arange(16, 1, 1, 4, 4);
        using var y = new AvgPool2d(2).Forward(x);
        TensorAssert.Close(y, [2.5, 4.5, 10.5, 12.5], [1, 1, 2, 2], 1e-14, 1e-14);
    }

    [Test]
    public void AvgPool2dPaddingCountsOnlyWhenAsked()
    {
        // 3x3 rows 0..8 with 2x2 windows, stride 2, padding 1: the top-left window holds only pixel 0.
        using var x = Arange(9, 1, 1, 3, 3);
        using var include = F.AvgPool2d(x, 2, padding: 1);
        TensorAssert.Close(include, [0 / 4.0, (1 + 2) / 4.0, (3 + 6) / 4.0, (4 + 5 + 7 + 8) / 4.0], [1, 1, 2, 2], 1e-14, 1e-14);
        using var exclude = F.AvgPool2d(x, 2, padding: 1, countIncludePad: false);
        TensorAssert.Close(exclude, [0, 1.5, 4.5, 6], [1, 1, 2, 2], 1e-14, 1e-14);
        using var overridden = F.AvgPool2d(x, 2, padding: 1, divisorOverride: 3);
        TensorAssert.Close(overridden, [0, 1, 3, 8], [1, 1, 2, 2], 1e-14, 1e-14);
    }

    [Test]
    public void AvgPool2dCeilModeDividesByTheWindowInsideThePaddedInput()
    {
        // 1x5 row 0..4, window 1x2, stride 2, ceil mode: the last window holds only pixel 4 and no padding.
        using var x = Arange(5, 1, 1, 1, 5);
        using var y = F.AvgPool2d(x, (1, 2), ceilMode: true);
        TensorAssert.Close(y, [0.5, 2.5, 4], [1, 1, 1, 3], 1e-14, 1e-14);
    }

    [Test]
    public void AdaptiveAvgPool2dUsesOverlappingWindowsWhenSizesDoNotDivide()
    {
        // Rows of 5 into 3: windows [0, 2), [1, 4), [3, 5).
        using var x = Arange(5, 1, 1, 1, 5);
        using var y = F.AdaptiveAvgPool2d(x, (1, 3));
        TensorAssert.Close(y, [0.5, 2, 3.5], [1, 1, 1, 3], 1e-14, 1e-14);
        using var z = Randn(1, 2, 3, 6, 4);
        using var global = new AdaptiveAvgPool2d(1).Forward(z);
        using var mean = z.Mean([2, 3], keepDim: true);
        TensorAssert.Close(global, D(mean), [2, 3, 1, 1], 1e-12, 1e-14);
        using var divides = F.AdaptiveAvgPool2d(z, (3, 2));
        using var avg = F.AvgPool2d(z, 2);
        TensorAssert.Close(divides, D(avg), [2, 3, 3, 2], 1e-12, 1e-14);
    }

    [Test]
    public void AdaptiveMaxPool2dReturnsTheMaximaAndTheirPositions()
    {
        using var x = T([5, 1, 7, 0, 9, 2, 3, 8, 4, 6], 1, 1, 2, 5);
        var (y, indices) = new AdaptiveMaxPool2d((1, 3), returnIndices: true).ForwardWithIndices(x);
        using (y)
        using (indices)
        {
            // Windows over columns [0, 2), [1, 4), [3, 5) of both rows.
            TensorAssert.Close(y, [5, 8, 9], [1, 1, 1, 3], 0, 0);
            Assert.That(indices.DType, Is.EqualTo(DType.Int64));
            Assert.That(indices.ToArray<long>(), Is.EqualTo(new long[] { 0, 7, 4 }));
        }
        using var z = Randn(2, 2, 3, 6, 4);
        using var pooled = F.AdaptiveMaxPool2d(z, (3, 2));
        using var max = F.MaxPool2d(z, 2);
        TensorAssert.Close(pooled, D(max), [2, 3, 3, 2], 0, 0);
    }

    [Test]
    public void MaxUnpool2dPutsTheMaximaBack()
    {
        using var x = T([1, 9, 2, 3, 4, 5, 8, 6, 7, 0, 1, 2, 3, 4, 5, 6], 1, 1, 4, 4);
        var (pooled, indices) = new MaxPool2d(2, returnIndices: true).ForwardWithIndices(x);
        using (pooled)
        using (indices)
        {
            using var unpool = new MaxUnpool2d(2);
            using var back = unpool.Forward(pooled, indices);
            // Maxima 9, 8, 7 and 6 of the four 2x2 windows, at flat positions 1, 6, 8 and 15.
            TensorAssert.Close(back, [0, 9, 0, 0, 0, 0, 8, 0, 7, 0, 0, 0, 0, 0, 0, 6], [1, 1, 4, 4], 0, 0);
            using var larger = unpool.Forward(pooled, indices, outputSize: (5, 4));
            Assert.That(larger.Shape.ToArray(), Is.EqualTo(new long[] { 1, 1, 5, 4 }));
            using var tooSmall = Tensor.Full([1, 1, 2, 2], 20L, DType.Int64, device);
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => unpool.Forward(pooled, tooSmall))!;
            Assert.That(e.Message, Does.Contain("MaxUnpool2d").And.Contain("20").And.Contain("4 x 4"));
        }
    }

    [Test]
    public void NearestInterpolationRepeatsAndSkips()
    {
        using var x = T([1, 2, 3], 1, 1, 3);
        using var up = F.Interpolate(x, size: [6]);
        TensorAssert.Close(up, [1, 1, 2, 2, 3, 3], [1, 1, 6], 0, 0);
        using var down = F.Interpolate(x, size: [2]);
        TensorAssert.Close(down, [1, 2], [1, 1, 2], 0, 0);   // sources ⌊0·1.5⌋ = 0 and ⌊1·1.5⌋ = 1
        using var image = Arange(4, 1, 1, 2, 2);
        using var doubled = new Upsample(scaleFactor: [2.0]).Forward(image);
        TensorAssert.Close(doubled, [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3], [1, 1, 4, 4], 0, 0);
    }

    [Test]
    public void BilinearInterpolationWithAndWithoutAlignedCorners()
    {
        using var x = T([0, 1], 1, 1, 1, 2);
        using var aligned = F.Interpolate(x, size: [1, 3], mode: "bilinear", alignCorners: true);
        TensorAssert.Close(aligned, [0, 0.5, 1], [1, 1, 1, 3], 1e-14, 1e-14);
        // Half-pixel centres: sources -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to the edge).
        using var centred = F.Interpolate(x, size: [1, 4], mode: "bilinear");
        TensorAssert.Close(centred, [0, 0.25, 0.75, 1], [1, 1, 1, 4], 1e-14, 1e-14);
        using var line = T([0, 2, 4], 1, 1, 3);
        using var linear = F.Interpolate(line, scaleFactor: [2.0], mode: "linear", alignCorners: false);
        TensorAssert.Close(linear, [0, 0.5, 1.5, 2.5, 3.5, 4], [1, 1, 6], 1e-14, 1e-14);
    }

    [Test]
    public void PoolingAndResizingErrorsNameTheOperation()
    {
        using var flat = Tensor.Zeros([2, 3], DType.Float64, device);
        var e = Assert.Throws<ArgumentException>(() => new AvgPool2d(2).Forward(flat))!;
        Assert.That(e.Message, Does.Contain("AvgPool2d").And.Contain("[N, C, H, W]").And.Contain("[2, 3]"));
        e = Assert.Throws<ArgumentException>(() => new AdaptiveAvgPool2d(2).Forward(flat))!;
        Assert.That(e.Message, Does.Contain("AdaptiveAvgPool2d").And.Contain("[2, 3]"));
        e = Assert.Throws<ArgumentException>(() => new AdaptiveMaxPool2d(2).Forward(flat))!;
        Assert.That(e.Message, Does.Contain("AdaptiveMaxPool2d").And.Contain("[2, 3]"));
        e = Assert.Throws<ArgumentException>(() => new Upsample(size: [4, 4], mode: "bilinear").Forward(flat))!;
        Assert.That(e.Message, Does.Contain("Interpolate").And.Contain("[2, 3]"));
        using var line = Tensor.Zeros([1, 2, 5], DType.Float64, device);
        e = Assert.Throws<ArgumentException>(() => F.Interpolate(line, size: [4], mode: "bilinear"))!;
        Assert.That(e.Message, Does.Contain("bilinear").And.Contain("4-D").And.Contain("[1, 2, 5]"));
        e = Assert.Throws<ArgumentException>(() => F.Interpolate(line, size: [4], alignCorners: true))!;
        Assert.That(e.Message, Does.Contain("alignCorners"));
        e = Assert.Throws<ArgumentException>(() => F.Interpolate(line, size: [4], scaleFactor: [2.0]))!;
        Assert.That(e.Message, Does.Contain("exactly one"));
        using var image = Tensor.Zeros([1, 1, 4, 4], DType.Float64, device);
        e = Assert.Throws<ArgumentException>(() => F.AvgPool2d(image, 2, padding: 2))!;
        Assert.That(e.Message, Does.Contain("AvgPool2d").And.Contain("half"));
        using var indices = Tensor.Zeros([1, 1, 2, 3], DType.Int64, device);
        using var pooled = Tensor.Zeros([1, 1, 2, 2], DType.Float64, device);
        e = Assert.Throws<ArgumentException>(() => F.MaxUnpool2d(pooled, indices, 2))!;
        Assert.That(e.Message, Does.Contain("MaxUnpool2d").And.Contain("[1, 1, 2, 2]").And.Contain("[1, 1, 2, 3]"));
    }

    [Test]
    public void ThreeDimensionalInputsArePlanesWithoutABatch()
    {
        using var x = Randn(3, 2, 5, 6);
        using var batched = x.Unsqueeze(0);
        using var a = F.AvgPool2d(x, 3, stride: 2, padding: 1);
        using var b = F.AvgPool2d(batched, 3, stride: 2, padding: 1);
        TensorAssert.Close(a, D(b), [2, 3, 3], 0, 0);
        using var c = F.AdaptiveMaxPool2d(x, (2, 4));
        using var d = F.AdaptiveMaxPool2d(batched, (2, 4));
        TensorAssert.Close(c, D(d), [2, 2, 4], 0, 0);
    }
}

using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.NN;

/// <summary>Finite-difference gradient checks in float64 of the pooling and resizing layers.</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class PoolingGradCheckTests(Device device)
{
    private Tensor Randn(ulong seed, params long[] shape) => Tensor.Randn(shape, DType.Float64, device, requiresGrad: true, generator: new Generator(seed));

    private static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        var r = GradCheck.Check(f, inputs);
        Assert.That(r.Passed, Is.True, r.ToString());
    }

    [Test] public void AvgPool2d() => Check(x => new AvgPool2d(3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false).Forward(x[0]), Randn(1, 1, 2, 5, 4));
    [Test] public void AdaptiveAvgPool2d() => Check(x => new AdaptiveAvgPool2d((2, 3)).Forward(x[0]), Randn(2, 1, 2, 5, 4));
    [Test] public void AdaptiveMaxPool2d() => Check(x => new AdaptiveMaxPool2d((2, 3)).Forward(x[0]), Randn(3, 1, 2, 5, 4));
    [Test] public void InterpolateNearest() => Check(x => F.Interpolate(x[0], size: [5, 3]), Randn(4, 1, 2, 3, 4));
    [Test] public void InterpolateBilinear() => Check(x => F.Interpolate(x[0], size: [5, 3], mode: "bilinear"), Randn(5, 1, 2, 3, 4));
    [Test] public void InterpolateBilinearAlignCorners() => Check(x => new Upsample(scaleFactor: [1.5], mode: "bilinear", alignCorners: true).Forward(x[0]), Randn(6, 1, 2, 3, 4));

    [Test]
    public void MaxUnpool2d()
    {
        using var source = Randn(7, 1, 2, 4, 4);
        var (pooled, indices) = F.MaxPool2dWithIndices(source, 2);
        using (pooled)
        using (indices)
        using (var leaf = pooled.DetachedClone())
        {
            leaf.RequiresGrad = true;
            Check(x => F.MaxUnpool2d(x[0], indices, 2), leaf);
        }
    }
}

using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.PyTorchReference;

/// <summary>
/// Average, adaptive and unpooling and interpolation against libtorch (tools/TorchReference/Cases/PoolingCases.cs):
/// outputs, indices and input gradients.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class PoolingReferenceTests(Device device)
{
    private static void Check(TorchReferenceFile r, string name, Tensor input, Func<Tensor, Tensor> f)
    {
        using var x = input.Detach();
        x.RequiresGrad = true;
        using var y = f(x);
        r.AssertClose(name + "_output", y);
        using var loss = (y * r[name + "_upstream"]).Sum();
        loss.Backward();
        r.AssertClose(name + "_grad_input", x.Grad!);
    }

    [Test]
    public void PoolingMatchesPyTorch()
    {
        using var r = TorchReferenceFile.Load("pooling", device);
        var x = r["input"];
        Check(r, "avg_include", x, t => F.AvgPool2d(t, 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: true));
        Check(r, "avg_exclude", x, t => F.AvgPool2d(t, 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false));
        Check(r, "avg_divisor", x, t => F.AvgPool2d(t, (2, 3), stride: (1, 2), padding: (1, 0), divisorOverride: 5));
        Check(r, "adaptive_avg", x, t => F.AdaptiveAvgPool2d(t, (3, 4)));
        Check(r, "adaptive_max", x, t => F.AdaptiveMaxPool2d(t, (3, 4)));
        var (_, adaptiveIndices) = F.AdaptiveMaxPool2dWithIndices(x, (3, 4));
        using (adaptiveIndices) Assert.That(adaptiveIndices.ToArray<long>(), Is.EqualTo(r["adaptive_max_indices"].ToArray<long>()));
        var (_, indices) = F.MaxPool2dWithIndices(x, 2);
        using (indices) Assert.That(indices.ToArray<long>(), Is.EqualTo(r["max_indices"].ToArray<long>()));
        Check(r, "unpool", r["unpool_input"], t => F.MaxUnpool2d(t, r["unpool_indices"], 2));
    }

    [TestCase("nearest", null, "nearest")]
    [TestCase("bilinear", true, "bilinear_corners")]
    [TestCase("bilinear", false, "bilinear")]
    public void InterpolateMatchesPyTorch(string mode, bool? alignCorners, string tag)
    {
        using var r = TorchReferenceFile.Load("interpolate", device);
        var x = r["input"];
        Check(r, tag + "_up", x, t => F.Interpolate(t, size: [7, 8], mode: mode, alignCorners: alignCorners));
        Check(r, tag + "_down", x, t => F.Interpolate(t, size: [3, 2], mode: mode, alignCorners: alignCorners));
        Check(r, tag + "_scale", x, t => F.Interpolate(t, scaleFactor: [1.5, 0.6], mode: mode, alignCorners: alignCorners));
    }
}

using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.NN;

/// <summary>
/// The normalization, pooling and resizing functions on the fixture's device in float32 against the CPU in float64, on
/// random inputs: values and the gradients of every input (on CUDA this compares the two backends; on the CPU, float32
/// against float64). Running statistics updated on the device are compared as well.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class NormalizationPoolingDeviceTests(Device device)
{
    private static Tensor Randn(ulong seed, params long[] shape) => Tensor.Randn(shape, DType.Float64, Device.Cpu, generator: new Generator(seed));

    private void Compare(string what, Func<Tensor[], Tensor> f, params Tensor[] cpuInputs)
    {
        var moved = cpuInputs.Select(t =>
        {
            using var f32 = t.DType == DType.Float64 ? t.To(DType.Float32) : t.Clone();
            return f32.To(device);
        }).ToArray();
        try
        {
            var expected = FusedTestSupport.ValueAndGrads(f, cpuInputs);
            var actual = FusedTestSupport.ValueAndGrads(f, moved);
            FusedTestSupport.AssertSame(actual, expected, 2e-4, 2e-4, what);
        }
        finally
        {
            foreach (var t in moved) t.Dispose();
            foreach (var t in cpuInputs) t.Dispose();
        }
    }

    [Test] public void BatchNormTraining() => Compare("BatchNorm", x => F.BatchNorm(x[0], null, null, x[1], x[2], training: true), Randn(1, 4, 3, 3, 2), Randn(2, 3), Randn(3, 3));
    [Test] public void GroupNorm() => Compare("GroupNorm", x => F.GroupNorm(x[0], 2, x[1], x[2]), Randn(4, 2, 4, 3, 3), Randn(5, 4), Randn(6, 4));
    [Test] public void InstanceNorm() => Compare("InstanceNorm", x => F.InstanceNorm(x[0], weight: x[1], bias: x[2]), Randn(7, 2, 3, 2, 4), Randn(8, 3), Randn(9, 3));
    [Test] public void RMSNorm() => Compare("RMSNorm", x => F.RMSNorm(x[0], [4], x[1], 1e-6), Randn(10, 3, 5, 4), Randn(11, 4));
    [Test] public void AvgPool2d() => Compare("AvgPool2d", x => F.AvgPool2d(x[0], 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false), Randn(12, 2, 2, 6, 5));
    [Test] public void AdaptiveAvgPool2d() => Compare("AdaptiveAvgPool2d", x => F.AdaptiveAvgPool2d(x[0], (3, 4)), Randn(13, 2, 2, 5, 7));
    [Test] public void AdaptiveMaxPool2d() => Compare("AdaptiveMaxPool2d", x => F.AdaptiveMaxPool2d(x[0], (3, 4)), Randn(14, 2, 2, 5, 7));
    [Test] public void InterpolateNearest() => Compare("Interpolate nearest", x => F.Interpolate(x[0], size: [7, 3]), Randn(15, 2, 2, 4, 5));
    [Test] public void InterpolateBilinear() => Compare("Interpolate bilinear", x => F.Interpolate(x[0], scaleFactor: [1.5, 0.6], mode: "bilinear"), Randn(16, 2, 2, 4, 5));
    [Test] public void InterpolateBilinearAlignCorners() => Compare("Interpolate bilinear alignCorners", x => F.Interpolate(x[0], size: [3, 8], mode: "bilinear", alignCorners: true), Randn(17, 2, 2, 4, 5));

    [Test]
    public void MaxUnpool2d()
    {
        using var source = Randn(18, 2, 2, 4, 6);
        var (pooled, indices) = F.MaxPool2dWithIndices(source, 2);
        using (pooled)
        using (indices)
        using (var deviceIndices = indices.To(device))
        {
            var cpu = FusedTestSupport.ValueAndGrads(x => F.MaxUnpool2d(x[0], indices, 2), pooled);
            using var p32 = pooled.To(DType.Float32);
            using var onDevice = p32.To(device);
            var dev = FusedTestSupport.ValueAndGrads(x => F.MaxUnpool2d(x[0], deviceIndices, 2), onDevice);
            FusedTestSupport.AssertSame(dev, cpu, 1e-6, 1e-6, "MaxUnpool2d");
        }
    }

    [Test]
    public void RunningStatisticsUpdateAlike()
    {
        using var x = Randn(19, 5, 3, 2, 2);
        using var cpuMean = Tensor.Zeros([3], DType.Float64);
        using var cpuVar = Tensor.Ones([3], DType.Float64);
        using (F.BatchNorm(x, cpuMean, cpuVar, training: true, momentum: 0.25)) { }
        using var x32 = x.To(DType.Float32);
        using var xd = x32.To(device);
        using var devMean = Tensor.Zeros([3], DType.Float32, device);
        using var devVar = Tensor.Ones([3], DType.Float32, device);
        using (F.BatchNorm(xd, devMean, devVar, training: true, momentum: 0.25)) { }
        TensorAssert.Close(devMean, TensorAssert.ToDoubles(cpuMean), [3], 1e-5, 1e-6);
        TensorAssert.Close(devVar, TensorAssert.ToDoubles(cpuVar), [3], 1e-5, 1e-6);
        // The update moved them away from the initial (0, 1).
        Assert.That(TensorAssert.ToDoubles(cpuMean).Max(Math.Abs), Is.GreaterThan(1e-3));
    }
}

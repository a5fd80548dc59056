using CudaTensor.Backends;
using CudaTensor.Tests.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.CudaBackend;

/// <summary>
/// The fused row primitives (layer norm, cross-entropy; forward and backward) on CUDA against the CPU backend, on the
/// same random inputs, for rows short enough for a warp each and long enough for a block each. Skipped with the reason
/// on machines without a usable GPU.
/// </summary>
[TestFixture]
public class FusedCudaVsCpuTests : GpuFixture
{
    private const long Rows = 37;

    private static Tensor Randn(ulong seed, DType dtype, params long[] shape) => Tensor.Randn(shape, dtype, Cpu, generator: new Generator(seed));

    private static Tensor Empty(DType dtype, Device device, params long[] shape) => Tensor.Empty(shape, dtype, device);

    private static void AssertSame(Tensor cpu, Tensor gpu, double rtol, double atol, string what)
        => FusedTestSupport.Close(TensorAssert.ToDoubles(gpu), TensorAssert.ToDoubles(cpu), rtol, atol, what);

    private static double Tol(DType dtype) => dtype == DType.Float32 ? 2e-5 : 1e-12;

    [Test]
    public void LayerNorm([Values(DType.Float32, DType.Float64)] DType dtype, [Values(10, 1024, 4096)] int len, [Values] bool affine)
    {
        using var x = Randn(1, dtype, Rows, len);
        using var w = affine ? Randn(2, dtype, len) : null;
        using var b = affine ? Randn(3, dtype, len) : null;
        using var dy = Randn(4, dtype, Rows, len);
        var results = new List<Tensor[]>();
        foreach (var device in new[] { Cpu, Gpu })
        {
            using var xd = x.To(device);
            using var wd = w?.To(device);
            using var bd = b?.To(device);
            using var dyd = dy.To(device);
            var y = Empty(dtype, device, Rows, len);
            var mean = Empty(dtype, device, Rows);
            var rstd = Empty(dtype, device, Rows);
            ((IFusedLayerNorm)xd.Backend).LayerNormForward(y.Layout, mean.Layout, rstd.Layout, xd.Layout, wd?.Layout, bd?.Layout, 1e-5);
            var dx = Empty(dtype, device, Rows, len);
            var dw = Empty(dtype, device, len);
            var db = Empty(dtype, device, len);
            ((IFusedLayerNorm)xd.Backend).LayerNormBackward(dx.Layout, affine ? dw.Layout : null, affine ? db.Layout : null, dyd.Layout, xd.Layout, mean.Layout, rstd.Layout, wd?.Layout);
            results.Add([y, mean, rstd, dx, dw, db]);
        }
        string[] names = ["y", "mean", "rstd", "dx", "dweight", "dbias"];
        try
        {
            for (int i = 0; i < (affine ? 6 : 4); i++)
            {
                // Column sums over 37 rows and row sums of 4096 products: allow a few more ulps in float32.
                double tol = Tol(dtype) * (i >= 3 ? 10 : 1);
                AssertSame(results[0][i], results[1][i], tol, tol, $"LayerNorm {dtype} len {len}: {names[i]}");
            }
        }
        finally
        {
            foreach (var t in results.SelectMany(r => r)) t.Dispose();
        }
    }

    [Test]
    public void CrossEntropy([Values(DType.Float32, DType.Float64)] DType dtype, [Values(7, 1000, 5000)] int classes, [Values] bool weighted,
        [Values(0.0, 0.2)] double smoothing)
    {
        using var x = Randn(1, dtype, Rows, classes);
        using var scaled = x * 4.0;
        using var w = weighted ? Tensor.Rand([classes], dtype, Cpu, generator: new Generator(2)) : null;
        using var raw = Tensor.RandInt(0, classes, [Rows], DType.Int64, Cpu, new Generator(3));
        using var coin = Tensor.RandInt(0, 5, [Rows], DType.Int64, Cpu, new Generator(4));
        using var hit = coin.Eq(0);
        using var target = Tensor.Where(hit, -100L, raw);
        using var grad = Randn(5, dtype, Rows);
        var results = new List<Tensor[]>();
        foreach (var device in new[] { Cpu, Gpu })
        {
            using var xd = scaled.To(device);
            using var wd = w?.To(device);
            using var td = target.To(device);
            using var gd = grad.To(device);
            var loss = Empty(dtype, device, Rows);
            var lse = Empty(dtype, device, Rows, 2);
            var rowWeight = Empty(dtype, device, Rows);
            long bad = ((IFusedCrossEntropy)xd.Backend).CrossEntropyForward(loss.Layout, lse.Layout, rowWeight.Layout, xd.Layout, td.Layout, wd?.Layout, -100, smoothing, "CrossEntropy");
            Assert.That(bad, Is.EqualTo(-1), $"no bad target on {device}");
            var dx = Empty(dtype, device, Rows, classes);
            ((IFusedCrossEntropy)xd.Backend).CrossEntropyBackward(dx.Layout, gd.Layout, xd.Layout, td.Layout, lse.Layout, wd?.Layout, -100, smoothing);
            results.Add([loss, lse, rowWeight, dx]);
        }
        string[] names = ["loss", "lse", "row weight", "dlogits"];
        try
        {
            for (int i = 0; i < 4; i++)
                AssertSame(results[0][i], results[1][i], Tol(dtype) * 4, Tol(dtype), $"CrossEntropy {dtype} C {classes}: {names[i]}");
        }
        finally
        {
            foreach (var t in results.SelectMany(r => r)) t.Dispose();
        }
    }

    [Test]
    public void CrossEntropyReportsTheFirstBadRow([Values(7, 2000)] int classes)
    {
        using var x = Randn(1, DType.Float32, Rows, classes);
        var values = Enumerable.Range(0, (int)Rows).Select(i => (long)(i % classes)).ToArray();
        values[11] = classes;
        values[20] = -5;
        foreach (var device in new[] { Cpu, Gpu })
        {
            using var xd = x.To(device);
            using var td = Tensor.FromArray(values, [Rows], device);
            using var loss = Empty(DType.Float32, device, Rows);
            using var lse = Empty(DType.Float32, device, Rows, 2);
            using var rowWeight = Empty(DType.Float32, device, Rows);
            long bad = ((IFusedCrossEntropy)xd.Backend).CrossEntropyForward(loss.Layout, lse.Layout, rowWeight.Layout, xd.Layout, td.Layout, null, -100, 0, "CrossEntropy");
            if (device.IsCpu)
            {
                Assert.That(bad, Is.EqualTo(11), "first bad row on the CPU");
                continue;
            }
            // CUDA checks on the device and reports the first bad row's target (row 11, not row 20's -5) at the next synchronization.
            Assert.That(bad, Is.EqualTo(-1));
            Assert.That(() => Cuda.Synchronize(device), Throws.InstanceOf<ArgumentOutOfRangeException>()
                .With.Message.StartsWith($"CrossEntropy: target {classes} is out of bounds for {classes} classes"));
            Assert.DoesNotThrow(() => Cuda.Synchronize(device), "an error is reported once");
        }
    }
}

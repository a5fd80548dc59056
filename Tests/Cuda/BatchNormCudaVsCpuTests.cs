using CudaTensor.Backends;
using CudaTensor.Tests.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.CudaBackend;

/// <summary>
/// The fused batch normalization primitives (forward with running statistics, backward) on CUDA against the CPU
/// backend on the same random inputs: NCHW, NC and NCL layouts, training and evaluation, with and without affine
/// parameters. Skipped with the reason on machines without a usable GPU.
/// </summary>
[TestFixture]
public class BatchNormCudaVsCpuTests : GpuFixture
{
    private static readonly long[][] Shapes = [[3, 4, 5, 6], [7, 4], [2, 4, 9]];

    private static Tensor Randn(ulong seed, DType dtype, params long[] shape) => Tensor.Randn(shape, dtype, Device.Cpu, generator: new Generator(seed));

    [Test]
    public void ForwardAndBackward([Values(DType.Float32, DType.Float64)] DType dtype, [Values(0, 1, 2)] int shapeIndex, [Values] bool training, [Values] bool affine)
    {
        long[] shape = Shapes[shapeIndex];
        long n = shape[0], c = shape[1], s = shape.Aggregate(1L, (a, d) => a * d) / (n * c);
        using var x0 = Randn(1, dtype, shape);
        using var x = x0 * 2.0 + 3.0;
        using var dy = Randn(2, dtype, shape);
        using var w = affine ? Randn(3, dtype, c) : null;
        using var b = affine ? Randn(4, dtype, c) : null;
        using var rm0 = Randn(5, dtype, c);
        using var rv0 = Tensor.Rand([c], dtype, generator: new Generator(6)) + 0.5;
        var results = new List<Tensor[]>();
        foreach (var device in new[] { Cpu, Gpu })
        {
            using var xd = x.To(device);
            using var dyd = dy.To(device);
            using var wd = w?.To(device);
            using var bd = b?.To(device);
            var rm = rm0.To(device).DetachedClone();
            var rv = rv0.To(device).DetachedClone();
            var y = Tensor.Empty(shape, dtype, device);
            var mean = Tensor.Empty([c], dtype, device);
            var invstd = Tensor.Empty([c], dtype, device);
            var fused = (IFusedBatchNorm)xd.Backend;
            fused.BatchNormForward(y.Layout.AsContiguous(n, c, s), mean.Layout, invstd.Layout, xd.Layout.AsContiguous(n, c, s), wd?.Layout, bd?.Layout,
                rm.Layout, rv.Layout, training, 0.3, 1e-5);
            var dx = Tensor.Empty(shape, dtype, device);
            var dw = Tensor.Empty([c], dtype, device);
            var db = Tensor.Empty([c], dtype, device);
            fused.BatchNormBackward(dx.Layout.AsContiguous(n, c, s), dw.Layout, db.Layout, dyd.Layout.AsContiguous(n, c, s), xd.Layout.AsContiguous(n, c, s),
                mean.Layout, invstd.Layout, wd?.Layout, training);
            results.Add([y, mean, invstd, rm, rv, dx, dw, db]);
        }
        string[] names = ["y", "mean", "invstd", "running_mean", "running_var", "dx", "dweight", "dbias"];
        try
        {
            double tol = dtype == DType.Float32 ? 2e-5 : 1e-12;
            for (int i = 0; i < names.Length; i++)
            {
                FusedTestSupport.Close(TensorAssert.ToDoubles(results[1][i]), TensorAssert.ToDoubles(results[0][i]), tol, tol,
                    $"BatchNorm {dtype} {string.Join("x", shape)} training {training} affine {affine}: {names[i]}");
            }
        }
        finally
        {
            foreach (var r in results.SelectMany(t => t)) r.Dispose();
        }
    }

    [Test]
    public void BackwardWithOnlySomeGradients([Values] bool training)
    {
        long[] shape = [2, 3, 4, 5];
        using var x = Randn(7, DType.Float64, shape);
        using var dy = Randn(8, DType.Float64, shape);
        var results = new List<double[]>();
        foreach (var device in new[] { Cpu, Gpu })
        {
            using var xd = x.To(device);
            using var dyd = dy.To(device);
            using var mean = Tensor.Empty([3], DType.Float64, device);
            using var invstd = Tensor.Empty([3], DType.Float64, device);
            using var y = Tensor.Empty(shape, DType.Float64, device);
            using var rm = Tensor.Zeros([3], DType.Float64, device);
            using var rv = Tensor.Ones([3], DType.Float64, device);
            var fused = (IFusedBatchNorm)xd.Backend;
            fused.BatchNormForward(y.Layout.AsContiguous(2, 3, 20), mean.Layout, invstd.Layout, xd.Layout.AsContiguous(2, 3, 20), null, null, rm.Layout, rv.Layout, training, 0.1, 1e-5);
            // The input gradient alone, then the bias gradient alone.
            using var dx = Tensor.Empty(shape, DType.Float64, device);
            fused.BatchNormBackward(dx.Layout.AsContiguous(2, 3, 20), null, null, dyd.Layout.AsContiguous(2, 3, 20), xd.Layout.AsContiguous(2, 3, 20), mean.Layout, invstd.Layout, null, training);
            using var db = Tensor.Empty([3], DType.Float64, device);
            fused.BatchNormBackward(null, null, db.Layout, dyd.Layout.AsContiguous(2, 3, 20), xd.Layout.AsContiguous(2, 3, 20), mean.Layout, invstd.Layout, null, training);
            results.Add([.. TensorAssert.ToDoubles(dx), .. TensorAssert.ToDoubles(db)]);
        }
        FusedTestSupport.Close(results[1], results[0], 1e-12, 1e-12, $"BatchNorm backward parts, training {training}");
        // db = Σ dy per channel, by hand.
        var g = TensorAssert.ToDoubles(dy);
        for (int ch = 0; ch < 3; ch++)
        {
            double sum = 0;
            for (int i = 0; i < 2; i++) for (int j = 0; j < 20; j++) sum += g[(i * 3 + ch) * 20 + j];
            Assert.That(results[0][120 + ch], Is.EqualTo(sum).Within(1e-12), $"dbias[{ch}]");
        }
    }
}

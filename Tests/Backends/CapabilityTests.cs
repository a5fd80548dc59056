using CudaTensor.Backends;
using CudaTensor.NN;
using CudaTensor.Optim;
using CudaTensor.Tests.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.Backends;

/// <summary>
/// Every optional backend capability against its composed fallback on the same device: the public op runs once on the
/// device's own backend (which implements the capability, so the fused primitive runs) and once on its core-only twin
/// (<see cref="CoreOnlyBackend"/>, which hides every capability, so the op layer composes the op from core primitives
/// of the same backend). Values and gradients must agree to the dtype's rounding.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class CapabilityTests(Device device)
{
    private static readonly DType[] DTypes = [DType.Float64, DType.Float32];

    private static double Tolerance(DType dtype) => dtype == DType.Float32 ? 2e-5 : 1e-12;

    private Device Twin => CoreOnlyBackend.Twin(device);

    // The fused run and the composed run of f on copies of the inputs, on the device and on its twin.
    private void AssertFallbackMatches(string what, DType dtype, Func<Tensor[], Tensor> f, params Tensor[] cpuInputs)
    {
        var fused = Run(device);
        var composed = Run(Twin);
        double tol = Tolerance(dtype);
        FusedTestSupport.AssertSame(fused, composed, tol, tol, what);

        (double[], long[], double[][]) Run(Device on)
        {
            var inputs = cpuInputs.Select(t => t.To(on)).ToArray();
            try { return FusedTestSupport.ValueAndGrads(f, inputs); }
            finally { foreach (var t in inputs) t.Dispose(); }
        }
    }

    [Test]
    public void TheTwinHidesEveryCapabilityAndTheDeviceHasThem()
    {
        var real = Backend.For(device);
        var twin = Backend.For(Twin);
        Assert.That(twin, Is.InstanceOf<CoreOnlyBackend>());
        Assert.That(((CoreOnlyBackend)twin).Inner, Is.SameAs(real));
        foreach (var capability in new[] { typeof(IFusedLayerNorm), typeof(IFusedCrossEntropy), typeof(IConvolution), typeof(IFusedOptimizerSteps), typeof(IFusedAttention), typeof(IFusedBatchNorm) })
        {
            Assert.That(capability.IsInstanceOfType(real), Is.True, $"{device} implements {capability.Name}");
            Assert.That(capability.IsInstanceOfType(twin), Is.False, $"the twin hides {capability.Name}");
        }
    }

    [Test]
    public void AFusedPathReachedWithoutTheCapabilityNamesTheOpAndTheCapability()
    {
        using var x = Tensor.Ones([2, 3], device: Twin);
        Assert.That(() => Tensor.LayerNormRows(x, 1, null, null, 1e-5),
            Throws.TypeOf<NotSupportedException>().With.Message.Contains("LayerNorm").And.Message.Contains(nameof(IFusedLayerNorm))
                .And.Message.Contains(Twin.ToString()));
    }

    [TestCaseSource(nameof(DTypes))]
    public void LayerNormFallbackMatchesTheFusedPrimitive(DType dtype)
    {
        using var x = Tensor.Randn([6, 3, 5], dtype, generator: new Generator(1)) * 2.0 + 0.5;
        using var w = Tensor.Randn([3, 5], dtype, generator: new Generator(2));
        using var b = Tensor.Randn([3, 5], dtype, generator: new Generator(3));
        AssertFallbackMatches("LayerNorm", dtype, xs => F.LayerNorm(xs[0], [3, 5], xs[1], xs[2], 1e-5), x, w, b);
        AssertFallbackMatches("LayerNorm without affine", dtype, xs => F.LayerNorm(xs[0], [5], eps: 1e-3), x);
    }

    [TestCaseSource(nameof(DTypes))]
    public void CrossEntropyFallbackMatchesTheFusedPrimitive(DType dtype)
    {
        using var x = Tensor.Randn([7, 5], dtype, generator: new Generator(4)) * 3.0;
        using var t = Tensor.FromArray(new long[] { 0, 4, 2, 2, 1, 3, 0 }, [7]);
        using var w = Tensor.Rand([5], dtype, generator: new Generator(5)) + 0.5;
        foreach (var reduction in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
        {
            AssertFallbackMatches($"CrossEntropy {reduction}", dtype, xs => F.CrossEntropy(xs[0], xs[1], reduction: reduction), x, t);
            // Class weights without gradient (as PyTorch), an ignored class and label smoothing.
            AssertFallbackMatches($"CrossEntropy {reduction} weighted", dtype,
                xs =>
                {
                    using var wd = w.To(xs[0].Device);
                    return F.CrossEntropy(xs[0], xs[1], wd, ignoreIndex: 2, reduction: reduction, labelSmoothing: 0.2);
                }, x, t);
        }
    }

    [TestCaseSource(nameof(DTypes))]
    public void Conv2dFallbackMatchesTheConvolutionPrimitive(DType dtype)
    {
        using var x = Tensor.Randn([2, 3, 6, 5], dtype, generator: new Generator(6));
        using var w = Tensor.Randn([4, 3, 3, 2], dtype, generator: new Generator(7)) * 0.3;
        using var b = Tensor.Randn([4], dtype, generator: new Generator(8));
        AssertFallbackMatches("Conv2d padded", dtype, xs => F.Conv2d(xs[0], xs[1], xs[2], padding: 1), x, w, b);
        AssertFallbackMatches("Conv2d strided dilated, no bias", dtype, xs => F.Conv2d(xs[0], xs[1], null, stride: 2, dilation: new Size2(2, 1)), x, w);
    }

    // NCHW, NC and NCL layouts; shifted means, so the statistics' shift and cancellation matter.
    private static IEnumerable<Tensor> BatchNormInputs(DType dtype)
    {
        yield return Tensor.Randn([3, 4, 5, 6], dtype, generator: new Generator(12)) * 2.0 + 0.5;
        yield return Tensor.Randn([7, 4], dtype, generator: new Generator(13)) * 3.0 - 1.0;
        // [N, C] with enough channels for the vector lanes across columns and a scalar tail, and enough elements to split.
        yield return Tensor.Randn([150, 301], dtype, generator: new Generator(15)) * 2.0 + 3.0;
        yield return Tensor.Randn([2, 4, 9], dtype, generator: new Generator(14)) + 4.0;
    }

    [TestCaseSource(nameof(DTypes))]
    public void BatchNormFallbackMatchesTheFusedPrimitive(DType dtype)
    {
        // Fresh running statistics on the run's device for every run (the training runs update them).
        Tensor Rm(Tensor x) => Tensor.Randn([x.Shape[1]], dtype, generator: new Generator(17)).To(x.Device);
        Tensor Rv(Tensor x) => (Tensor.Rand([x.Shape[1]], dtype, generator: new Generator(18)) + 0.5).To(x.Device);
        foreach (var x in BatchNormInputs(dtype))
        {
            using var _ = x;
            using var w = Tensor.Randn([x.Shape[1]], dtype, generator: new Generator(15));
            using var b = Tensor.Randn([x.Shape[1]], dtype, generator: new Generator(16));
            string shape = F.Fmt(x.Shape);
            foreach (bool training in new[] { true, false })
            {
                AssertFallbackMatches($"BatchNorm {shape} training {training}", dtype,
                    xs => F.BatchNorm(xs[0], Rm(xs[0]), Rv(xs[0]), xs[1], xs[2], training, momentum: 0.3, eps: 1e-3), x, w, b);
                AssertFallbackMatches($"BatchNorm {shape} training {training} without affine", dtype,
                    xs => F.BatchNorm(xs[0], Rm(xs[0]), Rv(xs[0]), training: training), x);
            }
            AssertFallbackMatches($"BatchNorm {shape} without running statistics", dtype, xs => F.BatchNorm(xs[0], null, null, xs[1], null, training: true), x, w);
            AssertFallbackMatches($"BatchNorm {shape} with a running mean alone", dtype, xs => F.BatchNorm(xs[0], Rm(xs[0]), null, training: true), x);
        }
    }

    [TestCaseSource(nameof(DTypes))]
    public void BatchNormRunningStatisticsMatchTheFusedPrimitive(DType dtype)
    {
        foreach (var x in BatchNormInputs(dtype))
        {
            using var _ = x;
            double tol = Tolerance(dtype);
            FusedTestSupport.Close(RunningStatistics(device, x), RunningStatistics(Twin, x), tol, tol, $"BatchNorm {F.Fmt(x.Shape)} running statistics");
        }

        // Two training steps with momentum 0.3, then the running mean and variance.
        static double[] RunningStatistics(Device on, Tensor x)
        {
            using var xd = x.To(on);
            using var shifted = xd * 0.5 + 1.0;
            using var rm = Tensor.Zeros([x.Shape[1]], x.DType, on);
            using var rv = Tensor.Ones([x.Shape[1]], x.DType, on);
            using (F.BatchNorm(xd, rm, rv, training: true, momentum: 0.3)) { }
            using (F.BatchNorm(shifted, rm, rv, training: true, momentum: 0.3)) { }
            return [.. TensorAssert.ToDoubles(rm), .. TensorAssert.ToDoubles(rv)];
        }
    }

    private static IEnumerable<TestCaseData> Optimizers()
    {
        yield return new TestCaseData("Adam", (Func<List<Tensor>, Optimizer>)(p => new Adam(p, lr: 0.05, weightDecay: 0.01)));
        yield return new TestCaseData("Adam amsgrad maximize", (Func<List<Tensor>, Optimizer>)(p => new Adam(p, lr: 0.05, amsgrad: true, maximize: true)));
        yield return new TestCaseData("AdamW", (Func<List<Tensor>, Optimizer>)(p => new AdamW(p, lr: 0.05, weightDecay: 0.1)));
        yield return new TestCaseData("SGD", (Func<List<Tensor>, Optimizer>)(p => new SGD(p, lr: 0.1)));
        yield return new TestCaseData("SGD nesterov", (Func<List<Tensor>, Optimizer>)(p => new SGD(p, lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true)));
        yield return new TestCaseData("SGD dampening", (Func<List<Tensor>, Optimizer>)(p => new SGD(p, lr: 0.1, momentum: 0.5, dampening: 0.3)));
        yield return new TestCaseData("RMSprop", (Func<List<Tensor>, Optimizer>)(p => new RMSprop(p, lr: 0.01)));
        yield return new TestCaseData("RMSprop centered momentum", (Func<List<Tensor>, Optimizer>)(p => new RMSprop(p, lr: 0.01, momentum: 0.9, centered: true, weightDecay: 0.01)));
    }

    [TestCaseSource(nameof(Optimizers))]
    public void OptimizerStepFallbackMatchesTheFusedStep(string name, Func<List<Tensor>, Optimizer> make)
    {
        foreach (var dtype in DTypes)
        {
            var fused = Steps(device, dtype, make);
            var composed = Steps(Twin, dtype, make);
            // Both paths round every operation alike (the fused kernels follow the composed order of operations).
            double tol = dtype == DType.Float32 ? 1e-6 : 1e-14;
            FusedTestSupport.Close(fused, composed, tol, tol, $"{name} {dtype}");
        }
    }

    // Four steps of an optimizer on a [3, 4] parameter and a [4] parameter with fixed gradients per step.
    private static double[] Steps(Device on, DType dtype, Func<List<Tensor>, Optimizer> make)
    {
        using var p0 = Tensor.Randn([3, 4], dtype, generator: new Generator(10)).To(on);
        using var p1 = Tensor.Randn([4], dtype, generator: new Generator(11)).To(on);
        p0.RequiresGrad = true;
        p1.RequiresGrad = true;
        var parameters = new List<Tensor> { p0, p1 };
        var optimizer = make(parameters);
        for (int step = 0; step < 4; step++)
        {
            using var scope = Tensor.NewScope();
            using var g0 = Tensor.Randn([3, 4], dtype, generator: new Generator((ulong)(20 + step))).To(on);
            using var g1 = Tensor.Randn([4], dtype, generator: new Generator((ulong)(40 + step))).To(on);
            var loss = (p0 * g0).Sum() + (p1 * g1).Sum();
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
        }
        return [.. TensorAssert.ToDoubles(p0), .. TensorAssert.ToDoubles(p1)];
    }
}

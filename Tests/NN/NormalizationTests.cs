using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.NN;

/// <summary>
/// Batch, group, instance and RMS normalization: hand-computed values, train/eval behaviour and running statistics,
/// identities with LayerNorm, state-dict round trips and shape errors that name the layer.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class NormalizationTests(Device device)
{
    private Tensor T(double[] values, params long[] shape) => Tensor.FromArray(values, shape, device);

    private Tensor Randn(ulong seed, params long[] shape) => Tensor.Randn(shape, DType.Float64, device, generator: new Generator(seed));

    private static double[] D(Tensor t) => TensorAssert.ToDoubles(t);

    [Test]
    public void BatchNorm1dTrainsOnBatchStatisticsAndUpdatesRunningOnes()
    {
        // Channel 0 holds 1, 3 (mean 2, biased var 1, unbiased 2); channel 1 holds 2, 6 (mean 4, var 4, unbiased 8).
        using var bn = new BatchNorm1d(2, device: device, dtype: DType.Float64);
        using var x = T([1, 2, 3, 6], 2, 2);
        using var y = bn.Forward(x);
        double a = 1 / Math.Sqrt(1 + 1e-5), b = 2 / Math.Sqrt(4 + 1e-5);
        TensorAssert.Close(y, [-a, -b, a, b], [2, 2], 1e-12, 1e-12);
        TensorAssert.Close(bn.RunningMean!, [0.2, 0.4], [2], 1e-12, 1e-12);
        TensorAssert.Close(bn.RunningVar!, [0.9 + 0.2, 0.9 + 0.8], [2], 1e-12, 1e-12);
        Assert.That(bn.NumBatchesTracked!.DType, Is.EqualTo(DType.Int64));
        Assert.That(bn.NumBatchesTracked.ToDouble(), Is.EqualTo(1));

        bn.Eval();
        using var ye = bn.Forward(x);
        TensorAssert.Close(ye, [(1 - 0.2) / Math.Sqrt(1.1 + 1e-5), (2 - 0.4) / Math.Sqrt(1.7 + 1e-5), (3 - 0.2) / Math.Sqrt(1.1 + 1e-5), (6 - 0.4) / Math.Sqrt(1.7 + 1e-5)], [2, 2], 1e-12, 1e-12);
        Assert.That(bn.NumBatchesTracked.ToDouble(), Is.EqualTo(1), "evaluation does not count batches");
        TensorAssert.Close(bn.RunningMean!, [0.2, 0.4], [2], 1e-12, 1e-12);
    }

    [Test]
    public void NullMomentumKeepsTheCumulativeAverage()
    {
        using var bn = new BatchNorm2d(1, momentum: null, device: device, dtype: DType.Float64);
        using var x0 = T([1, 2, 3, 6], 1, 1, 2, 2);   // mean 3, unbiased var 14/3
        using var x1 = T([0, 4, 8, 0], 1, 1, 2, 2);   // mean 3, unbiased var 44/3
        using (bn.Forward(x0)) { }
        using (bn.Forward(x1)) { }
        double var0 = (4 + 1 + 0 + 9) / 3.0, var1 = (9 + 1 + 25 + 9) / 3.0;
        TensorAssert.Close(bn.RunningMean!, [3], [1], 1e-12, 1e-12);
        TensorAssert.Close(bn.RunningVar!, [(var0 + var1) / 2], [1], 1e-12, 1e-12);
        Assert.That(bn.NumBatchesTracked!.ToDouble(), Is.EqualTo(2));
    }

    [Test]
    public void WithoutRunningStatisticsEvaluationUsesTheBatch()
    {
        using var bn = new BatchNorm2d(3, affine: false, trackRunningStats: false, device: device, dtype: DType.Float64);
        Assert.That(bn.StateDict().Keys, Is.Empty);
        Assert.That(bn.RunningMean, Is.Null);
        using var x = Randn(1, 4, 3, 2, 2);
        using var train = bn.Forward(x);
        bn.Eval();
        using var eval = bn.Forward(x);
        TensorAssert.Close(eval, D(train), [4, 3, 2, 2], 1e-12, 1e-12);
        using var mean = eval.Mean([0, 2, 3]);
        TensorAssert.Close(mean, [0, 0, 0], [3], 0, 1e-12);
    }

    [Test]
    public void BatchNormStateDictUsesPyTorchNamesAndRoundTrips()
    {
        using var bn = new BatchNorm2d(3, device: device, dtype: DType.Float64);
        using (Autograd.NoGrad()) bn.Weight!.MulInPlace(1.5);
        using var x = Randn(2, 4, 3, 2, 2);
        using (bn.Forward(x)) { }
        using (bn.Forward(x)) { }
        Assert.That(bn.StateDict().Keys, Is.EqualTo(new[] { "weight", "bias", "running_mean", "running_var", "num_batches_tracked" }));
        using var copy = new BatchNorm2d(3, device: device, dtype: DType.Float64);
        copy.LoadStateDict(bn.StateDict());
        Assert.That(copy.NumBatchesTracked!.ToDouble(), Is.EqualTo(2));
        bn.Eval();
        copy.Eval();
        using var probe = Randn(3, 2, 3, 2, 2);
        using var expected = bn.Forward(probe);
        using var actual = copy.Forward(probe);
        TensorAssert.Close(actual, D(expected), [2, 3, 2, 2], 0, 0);
        Assert.That(bn.ToString(), Does.Contain("BatchNorm2d(3, eps=1E-05, momentum=0.1, affine=True, track_running_stats=True)"));
    }

    [Test]
    public void ConvertingTheModuleKeepsTheBatchCounterInt64()
    {
        using var bn = new BatchNorm2d(2, device: device);
        using var x32 = Tensor.Randn([3, 2, 2, 2], DType.Float32, device, generator: new Generator(9));
        using (bn.Forward(x32)) { }
        bn.To(DType.Float64);
        Assert.That(bn.RunningMean!.DType, Is.EqualTo(DType.Float64));
        Assert.That(bn.NumBatchesTracked!.DType, Is.EqualTo(DType.Int64));
        using var x64 = x32.To(DType.Float64);
        using (bn.Forward(x64)) { }
        Assert.That(bn.NumBatchesTracked.ToDouble(), Is.EqualTo(2));
        // Both batches were the same: the running mean is (1 - 0.9²) times the batch mean.
        using var batchMean = x64.Mean([0, 2, 3]);
        var expected = D(batchMean).Select(m => (1 - 0.81) * m).ToArray();
        TensorAssert.Close(bn.RunningMean, expected, [2], 1e-6, 1e-7);
    }

    [Test]
    public void BatchNormErrorsNameTheLayerAndTheShapes()
    {
        using var bn2 = new BatchNorm2d(3, device: device);
        using var flat = Tensor.Zeros([4, 3, 5], device: device);
        var e = Assert.Throws<ArgumentException>(() => bn2.Forward(flat))!;
        Assert.That(e.Message, Does.Contain("BatchNorm2d(3)").And.Contain("[N, C, H, W]").And.Contain("[4, 3, 5]"));
        using var bn1 = new BatchNorm1d(4, device: device);
        using var wrongChannels = Tensor.Zeros([2, 3], device: device);
        e = Assert.Throws<ArgumentException>(() => bn1.Forward(wrongChannels))!;
        Assert.That(e.Message, Does.Contain("BatchNorm1d(4)").And.Contain("C = 4").And.Contain("[2, 3]"));
        using var single = Tensor.Zeros([1, 4], device: device);
        e = Assert.Throws<ArgumentException>(() => bn1.Forward(single))!;
        Assert.That(e.Message, Does.Contain("more than 1 value per channel"));
        bn1.Eval();
        using (var y = bn1.Forward(single)) Assert.That(y.Shape.ToArray(), Is.EqualTo(new long[] { 1, 4 }));
    }

    [Test]
    public void GroupNormWithOneGroupIsLayerNormOverCHWAndWithCGroupsIsInstanceNorm()
    {
        using var x = Randn(4, 2, 4, 3, 2);
        using var one = F.GroupNorm(x, 1);
        using var layer = F.LayerNorm(x, [4, 3, 2]);
        TensorAssert.Close(one, D(layer), [2, 4, 3, 2], 1e-10, 1e-12);
        using var perChannel = F.GroupNorm(x, 4);
        using var instance = F.InstanceNorm(x);
        using var spatial = F.LayerNorm(x, [3, 2]);
        TensorAssert.Close(perChannel, D(spatial), [2, 4, 3, 2], 1e-10, 1e-12);
        TensorAssert.Close(instance, D(spatial), [2, 4, 3, 2], 1e-10, 1e-12);
    }

    [Test]
    public void GroupNormAppliesTheAffinePerChannelAndChecksShapes()
    {
        using var gn = new GroupNorm(2, 4, device: device, dtype: DType.Float64);
        using (Autograd.NoGrad())
        {
            using var w = T([1, 2, 3, 4], 4);
            using var b = T([0, -1, 1, 0.5], 4);
            gn.Weight!.MulInPlace(w);
            gn.Bias!.AddInPlace(b);
        }
        using var x = Randn(5, 3, 4, 5);
        using var y = gn.Forward(x);
        using var grouped = x.Reshape(3, 2, 10);
        using var normalized = F.LayerNorm(grouped, [10]);
        using var back = normalized.Reshape(3, 4, 5);
        var n = D(back);
        var expected = new double[n.Length];
        double[] ws = [1, 2, 3, 4], bs = [0, -1, 1, 0.5];
        for (int i = 0; i < n.Length; i++) expected[i] = n[i] * ws[i / 5 % 4] + bs[i / 5 % 4];
        TensorAssert.Close(y, expected, [3, 4, 5], 1e-12, 1e-12);
        Assert.That(gn.StateDict().Keys, Is.EqualTo(new[] { "weight", "bias" }));
        var e = Assert.Throws<ArgumentException>(() => new GroupNorm(3, 4))!;
        Assert.That(e.Message, Does.Contain("GroupNorm").And.Contain("divisible"));
        using var wrong = Tensor.Zeros([3, 6, 5], DType.Float64, device);
        e = Assert.Throws<ArgumentException>(() => gn.Forward(wrong))!;
        Assert.That(e.Message, Does.Contain("GroupNorm(2, 4)").And.Contain("C = 4").And.Contain("[3, 6, 5]"));
    }

    [Test]
    public void InstanceNorm2dDefaultsToNoParametersAndNormalizesEachImage()
    {
        using var norm = new InstanceNorm2d(3, device: device, dtype: DType.Float64);
        Assert.That(norm.Parameters(), Is.Empty);
        Assert.That(norm.StateDict().Keys, Is.Empty);
        using var x = Randn(6, 2, 3, 4, 5);
        using var y = norm.Forward(x);
        using var expected = F.LayerNorm(x, [4, 5]);
        TensorAssert.Close(y, D(expected), [2, 3, 4, 5], 1e-12, 1e-12);
        norm.Eval();
        using var ye = norm.Forward(x);
        TensorAssert.Close(ye, D(expected), [2, 3, 4, 5], 1e-12, 1e-12);
        using var unbatched = x.Select(0, 1);
        using var yu = norm.Forward(unbatched);
        using var expectedU = y.Select(0, 1);
        TensorAssert.Close(yu, D(expectedU), [3, 4, 5], 1e-12, 1e-12);
        using var flat = Tensor.Zeros([2, 3], DType.Float64, device);
        var e = Assert.Throws<ArgumentException>(() => norm.Forward(flat))!;
        Assert.That(e.Message, Does.Contain("InstanceNorm2d(3)").And.Contain("[N, C, H, W]").And.Contain("[2, 3]"));
    }

    [Test]
    public void InstanceNorm2dRunningStatisticsAverageTheInstances()
    {
        using var norm = new InstanceNorm2d(1, trackRunningStats: true, device: device, dtype: DType.Float64);
        Assert.That(norm.StateDict().Keys, Is.EqualTo(new[] { "running_mean", "running_var", "num_batches_tracked" }));
        // Instance 0: 1, 3 (mean 2, unbiased var 2); instance 1: 2, 6 (mean 4, unbiased var 8).
        using var x = T([1, 3, 2, 6], 2, 1, 1, 2);
        using (norm.Forward(x)) { }
        TensorAssert.Close(norm.RunningMean!, [0.1 * 3], [1], 1e-12, 1e-12);
        TensorAssert.Close(norm.RunningVar!, [0.9 + 0.1 * 5], [1], 1e-12, 1e-12);
        norm.Eval();
        using var y = norm.Forward(x);
        double s = Math.Sqrt(1.4 + 1e-5);
        TensorAssert.Close(y, [(1 - 0.3) / s, (3 - 0.3) / s, (2 - 0.3) / s, (6 - 0.3) / s], [2, 1, 1, 2], 1e-12, 1e-12);
    }

    [Test]
    public void RMSNormDividesByTheRootMeanSquare()
    {
        using var x = T([3, 4, 0, 1], 2, 2);
        using var y = F.RMSNorm(x, [2], eps: 0.0);
        double r0 = Math.Sqrt(12.5), r1 = Math.Sqrt(0.5);
        TensorAssert.Close(y, [3 / r0, 4 / r0, 0, 1 / r1], [2, 2], 1e-14, 1e-14);
        // Without eps: the dtype's machine epsilon (torch.finfo(float64).eps = 2⁻⁵²).
        using var tiny = T([1e-9, 1e-9], 1, 2);
        using var yt = F.RMSNorm(tiny, [2]);
        double tinyExpected = 1e-9 / Math.Sqrt(1e-18 + Math.Pow(2, -52));
        TensorAssert.Close(yt, [tinyExpected, tinyExpected], [1, 2], 1e-12, 0);
        using var rms = new RMSNorm([2, 2], device: device, dtype: DType.Float64);
        Assert.That(rms.StateDict().Keys, Is.EqualTo(new[] { "weight" }));
        using var wrong = Tensor.Zeros([2, 3], DType.Float64, device);
        var e = Assert.Throws<ArgumentException>(() => rms.Forward(wrong))!;
        Assert.That(e.Message, Does.Contain("RMSNorm").And.Contain("[2, 2]").And.Contain("[2, 3]"));
    }

    [Test]
    public void LayerNormOverSeveralTrailingDimsIsLayerNormOfTheFlattenedDims()
    {
        using var ln = new LayerNorm([3, 4], device: device, dtype: DType.Float64);
        using var x = Randn(7, 2, 3, 4);
        using var y = ln.Forward(x);
        using var flat = x.Reshape(2, 12);
        using var expected = F.ComposedLayerNorm(flat, [12], null, null, 1e-5);
        TensorAssert.Close(y, D(expected), [2, 3, 4], 1e-10, 1e-12);
    }

    [Test]
    public void TrainingAndEvalDifferOnlyWhereTheyShould()
    {
        using var bn = new BatchNorm2d(2, device: device, dtype: DType.Float64);
        using var x = Randn(8, 3, 2, 2, 2);
        using var train = bn.Forward(x);
        bn.Eval();
        using var eval = bn.Forward(x);
        // After one step the running statistics are still close to (0, 1), far from the batch's own.
        Assert.That(D(train).Zip(D(eval)).Max(p => Math.Abs(p.First - p.Second)), Is.GreaterThan(1e-3));
        bn.Train();
        using var again = bn.Forward(x);
        TensorAssert.Close(again, D(train), [3, 2, 2, 2], 1e-12, 1e-12);
        Assert.That(bn.NumBatchesTracked!.ToDouble(), Is.EqualTo(2));
    }
}

using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.NN;

/// <summary>
/// The functional forms of the modules, F.Pad, the robust regression losses and MaxPool2d's indices, against
/// hand-computed values (from the formulas in PyTorch's documentation) and float64 finite differences.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class FunctionalFormsTests(Device device)
{
    private Tensor T(double[] values, params long[] shape) => Tensor.FromArray(values, shape, device);

    private Tensor Randn(ulong seed, params long[] shape) => Tensor.Randn(shape, DType.Float64, device, requiresGrad: true, generator: new Generator(seed));

    private static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        var r = GradCheck.Check(f, inputs);
        Assert.That(r.Passed, Is.True, r.ToString());
    }

    private static readonly double[] Xs = [-2, -0.5, 0, 1.5];

    [Test]
    public void ActivationsHavePyTorchValues()
    {
        using var x = T(Xs, 4);
        using (var y = F.ReLU(x)) TensorAssert.Close(y, [0, 0, 0, 1.5], [4], 0, 0);
        using (var y = F.LeakyReLU(x, 0.1)) TensorAssert.Close(y, [-0.2, -0.05, 0, 1.5], [4], 1e-15, 1e-15);
        using (var y = F.LeakyReLU(x)) TensorAssert.Close(y, [-0.02, -0.005, 0, 1.5], [4], 1e-15, 1e-15);
        using (var y = F.Sigmoid(x)) TensorAssert.Close(y, [0.11920292202211755, 0.3775406687981454, 0.5, 0.8175744761936437], [4], 1e-14);
        using (var y = F.Tanh(x)) TensorAssert.Close(y, [-0.9640275800758169, -0.46211715726000974, 0, 0.9051482536448664], [4], 1e-14);
        using (var y = F.SiLU(x)) TensorAssert.Close(y, [-0.2384058440442351, -0.1887703343990727, 0, 1.2263617142904655], [4], 1e-14);
        using (var y = F.Softplus(x)) TensorAssert.Close(y, [0.1269280110429725, 0.4740769841801067, 0.6931471805599453, 1.7014132779827524], [4], 1e-14);
        using (var y = F.GELU(x)) TensorAssert.Close(y, [-0.04550026389635842, -0.15426876936299344, 0, 1.399789198096713], [4], 1e-12);
        // Above the threshold softplus is the identity: βx = 2·1.5 = 3 > 2.
        using (var y = F.Softplus(x, beta: 2, threshold: 2)) Assert.That(TensorAssert.ToDoubles(y)[3], Is.EqualTo(1.5));
    }

    [Test]
    public void SoftmaxAndLogSoftmaxTakeADimAndAnOptionalDType()
    {
        using var x = T([1, 2, 3, 1, 2, 3], 2, 3);
        double[] p = [0.09003057317038046, 0.24472847105479767, 0.6652409557748219];
        using (var y = F.Softmax(x, 1)) TensorAssert.Close(y, [.. p, .. p], [2, 3], 1e-14);
        using (var y = F.LogSoftmax(x, -1)) TensorAssert.Close(y, [-2.40760596444438, -1.4076059644443801, -0.4076059644443803, -2.40760596444438, -1.4076059644443801, -0.4076059644443803], [2, 3], 1e-14);
        using var x32 = x.To(DType.Float32);
        using var y64 = F.Softmax(x32, 1, DType.Float64);
        Assert.That(y64.DType, Is.EqualTo(DType.Float64));
        using var l64 = F.LogSoftmax(x32, 1, DType.Float64);
        Assert.That(l64.DType, Is.EqualTo(DType.Float64));
    }

    [Test]
    public void ModulesAndFunctionsAgree()
    {
        using var x = Randn(3, 2, 5);
        (Module M, Func<Tensor, Tensor> Fn)[] pairs =
        [
            (new ReLU(), t => F.ReLU(t)), (new LeakyReLU(0.2), t => F.LeakyReLU(t, 0.2)), (new GELU(GeluApproximation.Tanh), t => F.GELU(t, GeluApproximation.Tanh)),
            (new SiLU(), F.SiLU), (new Sigmoid(), F.Sigmoid), (new Tanh(), F.Tanh), (new Softplus(2, 10), t => F.Softplus(t, 2, 10)),
            (new Softmax(0), t => F.Softmax(t, 0)), (new LogSoftmax(1), t => F.LogSoftmax(t, 1)),
        ];
        foreach (var (m, fn) in pairs)
        {
            using var a = m.Forward(x);
            using var b = fn(x);
            Assert.That(TensorAssert.ToDoubles(a), Is.EqualTo(TensorAssert.ToDoubles(b)), m.GetType().Name);
        }
    }

    [Test]
    public void ActivationGradients()
    {
        Check(x => F.LeakyReLU(x[0], 0.1), Randn(1, 3, 4));
        Check(x => F.Softplus(x[0], 2), Randn(2, 3, 4));
        Check(x => F.Softmax(x[0], 1), Randn(3, 3, 4));
        Check(x => F.LogSoftmax(x[0], 0), Randn(4, 3, 4));
    }

    [Test]
    public void PadConstantPadsTheLastDimensionFirst()
    {
        using var x = T([0, 1, 2, 3, 4, 5], 2, 3);
        using (var y = F.Pad(x, [1, 2], value: 9)) TensorAssert.Close(y, [9, 0, 1, 2, 9, 9, 9, 3, 4, 5, 9, 9], [2, 6], 0, 0);
        using (var y = F.Pad(x, [1, 0, 0, 1])) TensorAssert.Close(y, [0, 0, 1, 2, 0, 3, 4, 5, 0, 0, 0, 0], [3, 4], 0, 0);
        // Negative amounts crop; the result is still a tensor of its own.
        using (var y = F.Pad(x, [-1, 1]))
        {
            TensorAssert.Close(y, [1, 2, 0, 4, 5, 0], [2, 3], 0, 0);
            Assert.That(ReferenceEquals(y.Storage, x.Storage), Is.False);
        }
        using (var y = F.Pad(x, [-1, 0]))
        {
            TensorAssert.Close(y, [1, 2, 4, 5], [2, 2], 0, 0);
            Assert.That(ReferenceEquals(y.Storage, x.Storage), Is.False);
        }
        using var ints = Tensor.FromArray(new long[] { 1, 2 }, device);
        using (var y = F.Pad(ints, [1, 1], value: -1))
        {
            Assert.That(y.DType, Is.EqualTo(DType.Int64));
            TensorAssert.Close(y, [-1, 1, 2, -1], [4], 0, 0);
        }
    }

    [Test]
    public void PadReflectReplicateCircular()
    {
        using var x = T([0, 1, 2, 3, 4, 5], 1, 2, 3);
        using (var y = F.Pad(x, [2, 1], "reflect")) TensorAssert.Close(y, [2, 1, 0, 1, 2, 1, 5, 4, 3, 4, 5, 4], [1, 2, 6], 0, 0);
        using (var y = F.Pad(x, [2, 1], "replicate")) TensorAssert.Close(y, [0, 0, 0, 1, 2, 2, 3, 3, 3, 4, 5, 5], [1, 2, 6], 0, 0);
        using (var y = F.Pad(x, [2, 1], "circular")) TensorAssert.Close(y, [1, 2, 0, 1, 2, 0, 4, 5, 3, 4, 5, 3], [1, 2, 6], 0, 0);
        using (var y = F.Pad(x, [1, 1, 1, 1], "reflect"))
            TensorAssert.Close(y, [4, 3, 4, 5, 4, 1, 0, 1, 2, 1, 4, 3, 4, 5, 4, 1, 0, 1, 2, 1], [1, 4, 5], 0, 0);
    }

    [Test]
    public void PadGradients([Values("constant", "reflect", "replicate", "circular")] string mode)
    {
        Check(x => F.Pad(x[0], [1, 2, 2, 1], mode), Randn(5, 1, 2, 3, 4));
        if (mode == "constant") Check(x => F.Pad(x[0], [-1, 2, 0, -1], value: 0.5), Randn(6, 2, 3, 4));
    }

    [Test]
    public void PadRejectsWhatPyTorchRejects()
    {
        using var x = T([0, 1, 2, 3, 4, 5], 1, 2, 3);
        Assert.That(() => F.Pad(x, [1]), Throws.ArgumentException.With.Message.Contains("Pad").And.Message.Contains("odd"));
        Assert.That(() => F.Pad(x, [1, 1, 1, 1, 1, 1, 1, 1]), Throws.ArgumentException.With.Message.Contains("3 dimension"));
        Assert.That(() => F.Pad(x, [3, 0], "reflect"), Throws.ArgumentException.With.Message.Contains("smaller than the dimension's size 3"));
        Assert.That(() => F.Pad(x, [4, 0], "circular"), Throws.ArgumentException.With.Message.Contains("at most"));
        Assert.That(() => F.Pad(x, [1, 1], "reflect", 0), Throws.ArgumentException.With.Message.Contains("does not take a value"));
        Assert.That(() => F.Pad(x, [1, 1], "wrap"), Throws.ArgumentException.With.Message.Contains("unknown mode"));
        using var flat = T([1, 2, 3], 3);
        Assert.That(() => F.Pad(flat, [1, 1], "replicate"), Throws.ArgumentException.With.Message.Contains("Unsqueeze(0)"));
        Assert.That(() => F.Pad(x, [-4, 0]), Throws.ArgumentException.With.Message.Contains("negative size"));
    }

    [Test]
    public void SmoothL1AndHuberLosses()
    {
        using var input = T([0, 0.5, 3, -3], 4);
        using var target = T([0, 0, 0, 0], 4);
        using (var l = F.SmoothL1Loss(input, target, Reduction.None)) TensorAssert.Close(l, [0, 0.125, 2.5, 2.5], [4], 1e-15);
        using (var l = F.SmoothL1Loss(input, target, Reduction.None, beta: 2)) TensorAssert.Close(l, [0, 0.0625, 2, 2], [4], 1e-15);
        using (var l = F.SmoothL1Loss(input, target)) TensorAssert.Close(l, [5.125 / 4], [], 1e-15);
        using (var l = F.SmoothL1Loss(input, target, Reduction.Sum, beta: 0)) TensorAssert.Close(l, [6.5], [], 1e-15);
        using (var l = F.HuberLoss(input, target, Reduction.None, delta: 2)) TensorAssert.Close(l, [0, 0.125, 4, 4], [4], 1e-15);
        using (var l = new HuberLoss().Forward(input, target)) TensorAssert.Close(l, [5.125 / 4], [], 1e-15);
        using (var l = new SmoothL1Loss(Reduction.Sum, beta: 2).Forward(input, target)) TensorAssert.Close(l, [4.0625], [], 1e-15);
        Assert.That(() => F.HuberLoss(input, target, delta: 0), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("HuberLoss"));
        Assert.That(() => F.SmoothL1Loss(input, target, beta: -1), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("SmoothL1Loss"));
        using var y = Randn(7, 3, 4);
        using var t = Tensor.Randn([3, 4], DType.Float64, device, generator: new Generator(8));
        Check(x => F.SmoothL1Loss(x[0], t, beta: 0.7), y);
        Check(x => F.HuberLoss(x[0], t, Reduction.Sum, delta: 0.6), y);
    }

    private static readonly double[] Plane = [1, 5, 2, 0, 3, 4, 9, 8, 7, 6, 1, 2, 0, 3, 4, 4];

    [Test]
    public void MaxPool2dIndicesAreFlatPositionsInEachPlane()
    {
        using var x = T(Plane, 1, 1, 4, 4);
        var (y, idx) = F.MaxPool2dWithIndices(x, 2);
        using (y)
        using (idx)
        {
            TensorAssert.Close(y, [5, 9, 7, 4], [1, 1, 2, 2], 0, 0);
            Assert.That(idx.DType, Is.EqualTo(DType.Int64));
            TensorAssert.Close(idx, [1, 6, 8, 14], [1, 1, 2, 2], 0, 0);
        }
        var (yp, ip) = F.MaxPool2dWithIndices(x, 3, stride: 2, padding: 1);
        using (yp)
        using (ip)
        {
            TensorAssert.Close(yp, [5, 9, 7, 9], [1, 1, 2, 2], 0, 0);
            TensorAssert.Close(ip, [1, 6, 8, 6], [1, 1, 2, 2], 0, 0);
        }
        // An all -inf window points at its first element inside the input, as PyTorch's kernel.
        using var ninf = Tensor.Full([1, 2, 3], double.NegativeInfinity, DType.Float64, device);
        var (yn, inf) = F.MaxPool2dWithIndices(ninf, 3, stride: 1, padding: 1);
        using (yn)
        using (inf) TensorAssert.Close(inf, [0, 0, 1, 0, 0, 1], [1, 2, 3], 0, 0);
    }

    [Test]
    public void MaxPool2dIndicesGatherTheOutput([Values(false, true)] bool ceil)
    {
        using var x = Randn(9, 2, 3, 7, 6);
        var (y, idx) = F.MaxPool2dWithIndices(x, (3, 2), stride: (2, 2), padding: (1, 1), dilation: (1, 2), ceilMode: ceil);
        using (y)
        using (idx)
        {
            using var planes = x.Flatten(2);
            using var flatIdx = idx.Flatten(2);
            using var gathered = planes.Gather(2, flatIdx);
            using var flatY = y.Flatten(2);
            Assert.That(TensorAssert.ToDoubles(gathered), Is.EqualTo(TensorAssert.ToDoubles(flatY)));
            using var plain = F.MaxPool2d(x, (3, 2), stride: (2, 2), padding: (1, 1), dilation: (1, 2), ceilMode: ceil);
            Assert.That(TensorAssert.ToDoubles(plain), Is.EqualTo(TensorAssert.ToDoubles(y)));
        }
    }

    [Test]
    public void MaxPool2dModuleReturnsIndicesOnRequest()
    {
        var pool = new MaxPool2d(2, returnIndices: true);
        Assert.That(pool.ToString(), Does.Contain("return_indices=True"));
        Assert.That(new MaxPool2d(2).ToString(), Does.Not.Contain("return_indices"));
        using var x = T(Plane, 1, 4, 4);
        var (y, idx) = pool.ForwardWithIndices(x);
        using (y)
        using (idx)
        {
            TensorAssert.Close(y, [5, 9, 7, 4], [1, 2, 2], 0, 0);
            TensorAssert.Close(idx, [1, 6, 8, 14], [1, 2, 2], 0, 0);
        }
        using var plain = pool.Forward(x);
        TensorAssert.Close(plain, [5, 9, 7, 4], [1, 2, 2], 0, 0);
        Check(xs => F.MaxPool2dWithIndices(xs[0], 2).Output, Randn(10, 1, 2, 4, 4));
    }

    [Test]
    public void Conv2dSamePaddingKeepsTheSizeAndPadsOddTotalsOnTheRight()
    {
        using var x = Randn(11, 1, 2, 5, 6);
        using var w3 = Randn(12, 3, 2, 3, 3);
        using (var same = F.Conv2d(x, w3, padding: "same"))
        using (var one = F.Conv2d(x, w3, padding: 1))
            Assert.That(TensorAssert.ToDoubles(same), Is.EqualTo(TensorAssert.ToDoubles(one)));
        // Kernel 4: a total of 3 per dimension, 1 before and 2 after.
        using var w4 = Randn(13, 3, 2, 4, 4);
        using (var same = F.Conv2d(x, w4, padding: "same"))
        using (var padded = F.Pad(x, [1, 2, 1, 2]))
        using (var reference = F.Conv2d(padded, w4))
        {
            Assert.That(same.Shape.ToArray(), Is.EqualTo(new long[] { 1, 3, 5, 6 }));
            TensorAssert.Close(same, TensorAssert.ToDoubles(reference), [1, 3, 5, 6], 1e-12, 1e-12);
        }
        // Kernel (2, 3) with dilation (1, 2): totals 1 (0 before, 1 after) and 4 (2 and 2).
        using var w23 = Randn(14, 3, 2, 2, 3);
        using (var same = F.Conv2d(x, w23, padding: "same", dilation: (1, 2)))
        using (var padded = F.Pad(x, [2, 2, 0, 1]))
        using (var reference = F.Conv2d(padded, w23, dilation: (1, 2)))
            TensorAssert.Close(same, TensorAssert.ToDoubles(reference), [1, 3, 5, 6], 1e-12, 1e-12);
        using (var valid = F.Conv2d(x, w3, padding: "valid"))
            Assert.That(valid.Shape.ToArray(), Is.EqualTo(new long[] { 1, 3, 3, 4 }));
        Check(xs => F.Conv2d(xs[0], xs[1], padding: "same"), Randn(15, 1, 2, 4, 5), Randn(16, 2, 2, 2, 2));
    }

    [Test]
    public void Conv2dSamePaddingRejectsStridesAndUnknownStrings()
    {
        using var x = Randn(17, 1, 1, 5, 5);
        using var w = Randn(18, 1, 1, 3, 3);
        Assert.That(() => F.Conv2d(x, w, stride: 2, padding: "same"), Throws.ArgumentException.With.Message.Contains("strided"));
        Assert.That(() => F.Conv2d(x, w, padding: "full"), Throws.ArgumentException.With.Message.Contains("'full'"));
        Assert.That(() => new Conv2d(1, 1, 3, stride: 2, padding: "same"), Throws.ArgumentException.With.Message.Contains("strided"));
        using var conv = new Conv2d(1, 2, 4, padding: "same", device: device);
        Assert.That(conv.ToString(), Does.Contain("padding=same"));
        using var x32 = x.To(DType.Float32);
        using var y = conv.Forward(x32);
        Assert.That(y.Shape.ToArray(), Is.EqualTo(new long[] { 1, 2, 5, 5 }));
    }

    [Test]
    public void EmbeddingMaxNormRenormalizesLookedUpRowsInPlace()
    {
        using var emb = new Embedding(3, 2, maxNorm: 1.0, device: device).To(DType.Float64);
        using (Autograd.NoGrad())
        using (var table = T([3, 4, 0.3, 0.4, 6, 8], 3, 2)) emb.Weight.CopyFrom(table);
        using var idx = Tensor.FromArray(new long[] { 0, 1, 0 }, device);
        using var y = emb.Forward(idx);
        double s = 1 / (5 + 1e-7);
        TensorAssert.Close(y, [3 * s, 4 * s, 0.3, 0.4, 3 * s, 4 * s], [3, 2], 1e-15);
        // Row 0 was rescaled in the table itself; row 2 was not looked up and keeps its norm of 10.
        TensorAssert.Close(emb.Weight, [3 * s, 4 * s, 0.3, 0.4, 6, 8], [3, 2], 1e-15);
        using var sum = y.Sum();
        sum.Backward();
        TensorAssert.Close(emb.Weight.Grad!, [2, 2, 1, 1, 0, 0], [3, 2], 0, 0);

        using var w = T([3, 4, 1, 1], 2, 2);
        using var i1 = Tensor.FromArray(new long[] { 0, 1 }, device);
        using var l1 = F.Embedding(i1, w, maxNorm: 2, normType: 1);
        double s1 = 2 / (7 + 1e-7);
        TensorAssert.Close(l1, [3 * s1, 4 * s1, 1, 1], [2, 2], 1e-15);
        Assert.That(emb.ToString(), Does.Contain("max_norm=1"));
    }
}

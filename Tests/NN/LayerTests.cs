using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.NN;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class LayerTests(Device device)
{
    private Tensor T(double[] values, params long[] shape) => Tensor.FromArray(values, shape, device);

    private static void Set(Tensor p, Tensor values)
    {
        using (global::CudaTensor.Autograd.NoGrad()) p.CopyFrom(values);
    }

    [Test]
    public void LinearComputesXWTransposePlusB()
    {
        using var lin = new Linear(3, 2, device: device).To(DType.Float64);
        using var w = T([1, 2, 3, 4, 5, 6], 2, 3);
        using var b = T([0.5, -1], 2);
        Set(lin.Weight, w);
        Set(lin.Bias!, b);
        using var x = T([1, 0, -1, 2, 1, 0], 2, 3);
        using var y = lin.Forward(x);
        // rows: [1-3+0.5, 4-6-1] and [2+2+0.5, 8+5-1]
        TensorAssert.Close(y, [-1.5, -3, 4.5, 12], [2, 2]);
        // Leading batch dimensions broadcast; no bias.
        using var noBias = new Linear(3, 2, bias: false, device: device).To(DType.Float64);
        Set(noBias.Weight, w);
        using var x3 = T([1, 0, -1, 2, 1, 0], 2, 1, 3);
        using var y3 = noBias.Forward(x3);
        TensorAssert.Close(y3, [-2, -2, 4, 13], [2, 1, 2]);
        Assert.That(noBias.Bias, Is.Null);
        using var wrong = T([1, 2], 1, 2);
        Assert.That(() => lin.Forward(wrong), Throws.ArgumentException.With.Message.Contains("in_features = 3"));
    }

    [Test]
    public void ActivationsMatchTheirFormulas()
    {
        using var x = T([-2, -1, 0, 1, 2], 5);
        TensorAssert.Close(new ReLU().Forward(x), [0, 0, 0, 1, 2], [5]);
        TensorAssert.Close(new Tanh().Forward(x), [.. new[] { -2.0, -1, 0, 1, 2 }.Select(Math.Tanh)], [5], rtol: 1e-12);
        TensorAssert.Close(new Sigmoid().Forward(x), [.. new[] { -2.0, -1, 0, 1, 2 }.Select(v => 1 / (1 + Math.Exp(-v)))], [5], rtol: 1e-12);
        TensorAssert.Close(new SiLU().Forward(x), [.. new[] { -2.0, -1, 0, 1, 2 }.Select(v => v / (1 + Math.Exp(-v)))], [5], rtol: 1e-12);
        // GELU(1) = Φ(1) = 0.841344746068543; GELU(-1) = -(1 - Φ(1)).
        using var g = new GELU().Forward(x);
        TensorAssert.Close(g, [-0.045500263896358417, -0.15865525393145707, 0, 0.8413447460685429, 1.9544997361036416], [5], rtol: 1e-10, atol: 1e-12);
        using var gt = new GELU(GeluApproximation.Tanh).Forward(x);
        double Tanh(double v) => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
        TensorAssert.Close(gt, [.. new[] { -2.0, -1, 0, 1, 2 }.Select(Tanh)], [5], rtol: 1e-12, atol: 1e-15);
        var id = new Identity();
        Assert.That(id.Forward(x), Is.SameAs(x));
    }

    [Test]
    public void SoftmaxAndLogSoftmaxAreStableForLargeLogits()
    {
        using var x = T([1000, 1001, 1002, 1, 2, 3], 2, 3);
        double lse = Math.Log(Math.Exp(-2) + Math.Exp(-1) + 1); // relative to the row max
        double[] logp = [-2 - lse, -1 - lse, -lse];
        TensorAssert.Close(new LogSoftmax(1).Forward(x), [.. logp, .. logp], [2, 3], rtol: 1e-12);
        TensorAssert.Close(new Softmax(-1).Forward(x), [.. logp.Select(Math.Exp), .. logp.Select(Math.Exp)], [2, 3], rtol: 1e-12);
        using var cols = new Softmax(0).Forward(x);
        TensorAssert.Close(cols, [1, 1, 1, 0, 0, 0], [2, 3]);
    }

    [Test]
    public void DropoutZeroesAndRescalesInTrainingOnly()
    {
        using var x = Tensor.Ones([100, 100], device: device);
        var drop = new Dropout(0.25, new Generator(11));
        using var y = drop.Forward(x);
        var v = TensorAssert.ToDoubles(y);
        Assert.That(v.All(e => e == 0 || Math.Abs(e - 1 / 0.75) < 1e-6), Is.True);
        double kept = v.Count(e => e != 0) / 10000.0;
        Assert.That(kept, Is.EqualTo(0.75).Within(0.02));     // std ≈ 0.004
        Assert.That(v.Average(), Is.EqualTo(1).Within(0.03)); // inverted dropout keeps the expectation

        drop.Eval();
        Assert.That(drop.Forward(x), Is.SameAs(x));
        using var all = F.Dropout(x, 1.0);
        Assert.That(TensorAssert.ToDoubles(all), Is.All.EqualTo(0.0));
        Assert.That(F.Dropout(x, 0.0), Is.SameAs(x));
        Assert.That(() => new Dropout(1.5), Throws.InstanceOf<ArgumentOutOfRangeException>());

        // Seeded masks repeat.
        using var a = F.Dropout(x, 0.5, generator: new Generator(3));
        using var b = F.Dropout(x, 0.5, generator: new Generator(3));
        Assert.That(TensorAssert.ToDoubles(a), Is.EqualTo(TensorAssert.ToDoubles(b)));
    }

    [Test]
    public void LayerNormNormalizesTheTrailingDimensions()
    {
        double[] data = [1, 2, 3, 4, -1, 0, 5, 7, 2, 2, 2, 2];
        using var x = T(data, 3, 4);
        using var ln = new LayerNorm(4, eps: 1e-5, device: device).To(DType.Float64);
        using var wv = T([1, 2, 3, 4], 4);
        using var bv = T([0, 0, 1, 1], 4);
        Set(ln.Weight!, wv);
        Set(ln.Bias!, bv);
        using var y = ln.Forward(x);
        var expected = new double[12];
        for (int r = 0; r < 3; r++)
        {
            var row = data.Skip(r * 4).Take(4).ToArray();
            double mean = row.Average(), variance = row.Select(v => (v - mean) * (v - mean)).Average(); // biased
            for (int k = 0; k < 4; k++) expected[r * 4 + k] = (row[k] - mean) / Math.Sqrt(variance + 1e-5) * (k + 1) + (k < 2 ? 0 : 1);
        }
        TensorAssert.Close(y, expected, [3, 4], rtol: 1e-12, atol: 1e-12);

        // Over two trailing dimensions, without affine parameters.
        using var ln2 = new LayerNorm([3, 4], elementwiseAffine: false);
        Assert.That(ln2.Parameters(), Is.Empty);
        using var x2 = T(data, 1, 3, 4);
        using var y2 = ln2.Forward(x2);
        double m = data.Average(), var2 = data.Select(v => (v - m) * (v - m)).Average();
        TensorAssert.Close(y2, [.. data.Select(v => (v - m) / Math.Sqrt(var2 + 1e-5))], [1, 3, 4], rtol: 1e-12, atol: 1e-12);
        using var bad = T([1, 2, 3], 3);
        Assert.That(() => ln.Forward(bad), Throws.ArgumentException.With.Message.Contains("[4]"));
    }

    [Test]
    public void EmbeddingLooksUpRows()
    {
        using var emb = new Embedding(5, 2, device: device).To(DType.Float64);
        using var table = T([0, 1, 10, 11, 20, 21, 30, 31, 40, 41], 5, 2);
        Set(emb.Weight, table);
        using var idx = Tensor.FromArray(new long[] { 4, 0, 2, 2, 1, 3 }, [2, 3], device);
        using var y = emb.Forward(idx);
        TensorAssert.Close(y, [40, 41, 0, 1, 20, 21, 20, 21, 10, 11, 30, 31], [2, 3, 2]);
        using var outOfRange = Tensor.FromArray(new long[] { 5 }, [1], device);
        Assert.That(() => emb.Forward(outOfRange), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("5"));
        using var floats = T([1], 1);
        Assert.That(() => emb.Forward(floats), Throws.ArgumentException);
    }

    [Test]
    public void EmbeddingPaddingRowStartsAtZeroAndGetsNoGradient()
    {
        using var emb = new Embedding(4, 3, paddingIdx: 1, device: device, generator: new Generator(1));
        using (var row = emb.Weight.Select(0, 1)) Assert.That(TensorAssert.ToDoubles(row), Is.All.EqualTo(0.0));
        using var idx = Tensor.FromArray(new long[] { 1, 2, 1, 0 }, [4], device);
        using var y = emb.Forward(idx);
        using var s = y.Sum();
        s.Backward();
        TensorAssert.Close(emb.Weight.Grad!, [1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0], [4, 3]);
    }

    [Test]
    public void FlattenKeepsTheBatchDimension()
    {
        using var x = Tensor.Arange(24, DType.Float64, device).Reshape(2, 3, 4);
        using var y = new Flatten().Forward(x);
        Assert.That(y.Shape.ToArray(), Is.EqualTo(new long[] { 2, 12 }));
        using var all = new Flatten(0).Forward(x);
        Assert.That(all.Shape.ToArray(), Is.EqualTo(new long[] { 24 }));
        using var mid = new Flatten(1, 2).Forward(x);
        Assert.That(TensorAssert.ToDoubles(mid), Is.EqualTo(Enumerable.Range(0, 24).Select(i => (double)i).ToArray()));
    }

    [Test]
    public void SequentialChainsItsModules()
    {
        using var seq = new Sequential(new Linear(2, 2, device: device), new ReLU(), new Linear(2, 1, device: device)).To(DType.Float64);
        Set(((Linear)seq[0]).Weight, T([1, -1, -1, 1], 2, 2));
        Set(((Linear)seq[0]).Bias!, T([0, 0], 2));
        Set(((Linear)seq[2]).Weight, T([2, 3], 1, 2));
        Set(((Linear)seq[2]).Bias!, T([1], 1));
        using var x = T([3, 1, 1, 3], 2, 2);
        using var y = seq.Forward(x);
        // relu([2, -2]) = [2, 0] -> 5; relu([-2, 2]) = [0, 2] -> 7
        TensorAssert.Close(y, [5, 7], [2, 1]);
        Assert.That(new Sequential().Forward(x), Is.SameAs(x));
    }

    private static IEnumerable<TestCaseData> ConvCases()
    {
        // (N, C, H, W, O, kh, kw, stride, padding, dilation, groups, bias)
        yield return new TestCaseData(2L, 3L, 5L, 6L, 4L, 3L, 3L, 1L, 0L, 1L, 1L, true).SetName("Conv2d 3x3");
        yield return new TestCaseData(1L, 2L, 7L, 5L, 3L, 3L, 2L, 2L, 1L, 1L, 1L, true).SetName("Conv2d stride 2 padding 1");
        yield return new TestCaseData(2L, 2L, 7L, 7L, 2L, 3L, 3L, 1L, 2L, 2L, 1L, false).SetName("Conv2d dilation 2 no bias");
        yield return new TestCaseData(1L, 4L, 5L, 5L, 6L, 3L, 3L, 1L, 1L, 1L, 2L, true).SetName("Conv2d groups 2");
        yield return new TestCaseData(3L, 1L, 4L, 4L, 1L, 1L, 1L, 1L, 0L, 1L, 1L, true).SetName("Conv2d 1x1");
    }

    [TestCaseSource(nameof(ConvCases))]
    public void Conv2dMatchesANaiveLoop(long n, long c, long h, long w, long o, long kh, long kw, long stride, long padding, long dilation, long groups, bool bias)
    {
        using var conv = new Conv2d(c, o, (kh, kw), stride, padding, dilation, (int)groups, bias, device, DType.Float64, new Generator(5));
        using var x = Tensor.Randn([n, c, h, w], DType.Float64, device, generator: new Generator(6));
        using var y = conv.Forward(x);
        var expected = Naive.Conv2d(TensorAssert.ToDoubles(x), [n, c, h, w], TensorAssert.ToDoubles(conv.Weight), conv.Weight.Shape.ToArray(),
            bias ? TensorAssert.ToDoubles(conv.Bias!) : null, stride, stride, padding, padding, dilation, dilation, groups, out var shape);
        TensorAssert.Close(y, expected, shape, rtol: 1e-10, atol: 1e-12);
    }

    [Test]
    public void Conv2dAcceptsUnbatchedInputAndRejectsWrongChannels()
    {
        using var conv = new Conv2d(2, 3, 3, padding: 1, device: device, generator: new Generator(1));
        using var x = Tensor.Randn([2, 4, 4], device: device, generator: new Generator(2));
        using var y = conv.Forward(x);
        Assert.That(y.Shape.ToArray(), Is.EqualTo(new long[] { 3, 4, 4 }));
        using var batched = x.Unsqueeze(0);
        using var yb = conv.Forward(batched);
        Assert.That(TensorAssert.ToDoubles(yb), Is.EqualTo(TensorAssert.ToDoubles(y)));
        using var wrong = Tensor.Randn([1, 3, 4, 4], device: device);
        Assert.That(() => conv.Forward(wrong), Throws.ArgumentException.With.Message.Contains("3 channels"));
        using var tiny = Tensor.Randn([1, 2, 1, 1], device: device);
        using var noPad = new Conv2d(2, 3, 3, device: device);
        Assert.That(() => noPad.Forward(tiny), Throws.ArgumentException.With.Message.Contains("too small"));
    }

    [Test]
    public void Conv2dInitBounds()
    {
        using var conv = new Conv2d(4, 8, 3, device: device, generator: new Generator(9));
        double bound = 1 / Math.Sqrt(4 * 9);
        Assert.That(TensorAssert.ToDoubles(conv.Weight).All(v => Math.Abs(v) <= bound), Is.True);
        Assert.That(TensorAssert.ToDoubles(conv.Bias!).All(v => Math.Abs(v) <= bound), Is.True);
        Assert.That(conv.Weight.Shape.ToArray(), Is.EqualTo(new long[] { 8, 4, 3, 3 }));
    }

    private static IEnumerable<TestCaseData> PoolCases()
    {
        // (H, W, kh, kw, stride, padding, dilation, ceil)
        yield return new TestCaseData(6L, 6L, 2L, 2L, 2L, 0L, 1L, false).SetName("MaxPool2d 2x2");
        yield return new TestCaseData(7L, 5L, 3L, 3L, 2L, 1L, 1L, false).SetName("MaxPool2d 3x3 stride 2 padding 1");
        yield return new TestCaseData(7L, 7L, 2L, 3L, 1L, 1L, 2L, false).SetName("MaxPool2d dilation 2");
        yield return new TestCaseData(5L, 5L, 2L, 2L, 2L, 0L, 1L, true).SetName("MaxPool2d ceil mode");
        yield return new TestCaseData(6L, 7L, 3L, 3L, 2L, 1L, 1L, true).SetName("MaxPool2d ceil mode padding 1");
    }

    [TestCaseSource(nameof(PoolCases))]
    public void MaxPool2dMatchesANaiveLoop(long h, long w, long kh, long kw, long stride, long padding, long dilation, bool ceil)
    {
        using var x = Tensor.Randn([2, 3, h, w], DType.Float64, device, generator: new Generator(8));
        var pool = new MaxPool2d((kh, kw), stride, padding, dilation, ceilMode: ceil);
        using var y = pool.Forward(x);
        var expected = Naive.MaxPool2d(TensorAssert.ToDoubles(x), [2, 3, h, w], kh, kw, stride, stride, padding, padding, dilation, dilation, ceil, out var shape);
        TensorAssert.Close(y, expected, shape, rtol: 0, atol: 0);
    }

    [Test]
    public void MaxPool2dGradientGoesToTheFirstMaximum()
    {
        using var x = Tensor.FromArray(new double[] { 1, 3, 3, 0 }, [1, 1, 2, 2], device, requiresGrad: true);
        using var y = F.MaxPool2d(x, 2);
        using var s = y.Sum();
        s.Backward();
        TensorAssert.Close(x.Grad!, [0, 1, 0, 0], [1, 1, 2, 2]);
        Assert.That(() => F.MaxPool2d(x, 2, padding: 2), Throws.ArgumentException.With.Message.Contains("half"));
    }
}

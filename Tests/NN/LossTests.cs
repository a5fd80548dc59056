using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.NN;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class LossTests(Device device)
{
    private Tensor T(double[] values, params long[] shape) => Tensor.FromArray(values, shape, device);
    private Tensor L(long[] values, params long[] shape) => Tensor.FromArray(values, shape, device);

    [Test]
    public void MseAndL1WithEachReduction()
    {
        using var x = T([1, 2, 3], 3);
        using var y = T([0, 2, 5], 3);
        TensorAssert.Close(new MSELoss().Forward(x, y), [5.0 / 3], []);
        TensorAssert.Close(new MSELoss(Reduction.Sum).Forward(x, y), [5], []);
        TensorAssert.Close(new MSELoss(Reduction.None).Forward(x, y), [1, 0, 4], [3]);
        TensorAssert.Close(new L1Loss().Forward(x, y), [1], []);
        TensorAssert.Close(new L1Loss(Reduction.Sum).Forward(x, y), [3], []);
        TensorAssert.Close(new L1Loss(Reduction.None).Forward(x, y), [1, 0, 2], [3]);
        using var other = T([1, 2], 2);
        Assert.That(() => F.MseLoss(x, other), Throws.ArgumentException.With.Message.Contains("[2]"));
    }

    [Test]
    public void CrossEntropyByHand()
    {
        // log(e + e² + e³) = 3.40760596444438
        using var x = T([1, 2, 3, 1, 2, 3], 2, 3);
        using var t = L([2, 0], 2);
        TensorAssert.Close(F.CrossEntropy(x, t, reduction: Reduction.None), [0.40760596444438, 2.40760596444438], [2], rtol: 1e-12);
        TensorAssert.Close(new CrossEntropyLoss().Forward(x, t), [1.40760596444438], [], rtol: 1e-12);
        TensorAssert.Close(new CrossEntropyLoss(reduction: Reduction.Sum).Forward(x, t), [2.81521192888876], [], rtol: 1e-12);
        // One sample without a batch dimension: input [C], target [].
        using var x1 = T([1, 2, 3], 3);
        using var t1 = L([2]).Reshape();
        TensorAssert.Close(F.CrossEntropy(x1, t1), [0.40760596444438], [], rtol: 1e-12);
    }

    [Test]
    public void CrossEntropyIsStableForLargeLogits()
    {
        using var x = Tensor.FromArray(new float[] { 1000, 0, -1000, 1000, 0, -1000 }, [2, 3], device);
        using var t = L([0, 1], 2);
        using var loss = F.CrossEntropy(x, t, reduction: Reduction.None);
        TensorAssert.Close(loss, [0, 1000], [2]);
        using var logits = Tensor.FromArray(new float[] { 1000, 0, -1000, 1000, 0, -1000 }, [2, 3], device, requiresGrad: true);
        using var mean = F.CrossEntropy(logits, t);
        mean.Backward();
        // d/dlogits = (softmax - onehot) / N
        TensorAssert.Close(logits.Grad!, [0, 0, 0, 0.5, -0.5, 0], [2, 3], atol: 1e-6);
    }

    [Test]
    public void CrossEntropyWithWeightsIgnoreIndexAndLabelSmoothingMatchesItsDefinition()
    {
        const long rows = 6, classes = 4;
        using var x = Tensor.Randn([rows, classes], DType.Float64, device, generator: new Generator(1));
        long[] target = [3, 0, -100, 2, 1, 3];
        double[] weight = [0.5, 2, 1, 3];
        using var t = L(target, rows);
        using var w = T(weight, classes);
        var logits = TensorAssert.ToDoubles(x);
        foreach (double eps in new[] { 0.0, 0.1, 0.35 })
        {
            using var withWeights = F.CrossEntropy(x, t, w, labelSmoothing: eps);
            TensorAssert.Close(withWeights, [Naive.CrossEntropyMean(logits, rows, classes, target, weight, -100, eps)], [], rtol: 1e-12);
            using var plain = F.CrossEntropy(x, t, labelSmoothing: eps);
            TensorAssert.Close(plain, [Naive.CrossEntropyMean(logits, rows, classes, target, null, -100, eps)], [], rtol: 1e-12);
            using var module = new CrossEntropyLoss(w, labelSmoothing: eps).Forward(x, t);
            TensorAssert.Close(module, [Naive.CrossEntropyMean(logits, rows, classes, target, weight, -100, eps)], [], rtol: 1e-12);
        }
        // Custom ignore index; 'none' gives zero for the ignored sample.
        long[] t2 = [3, 0, 1, 2, 1, 3];
        using var target2 = L(t2, rows);
        using var none = F.CrossEntropy(x, target2, ignoreIndex: 1, reduction: Reduction.None);
        var perSample = TensorAssert.ToDoubles(none);
        var logp = Naive.LogSoftmax(logits, rows, classes);
        for (int i = 0; i < rows; i++) Assert.That(perSample[i], Is.EqualTo(t2[i] == 1 ? 0 : -logp[i * classes + t2[i]]).Within(1e-12));
    }

    [Test]
    public void CrossEntropyWithProbabilityTargets()
    {
        using var x = T([1, 2, 3, 0, 0, 0], 2, 3);
        using var p = T([0.2, 0.3, 0.5, 1, 0, 0], 2, 3);
        var logp = Naive.LogSoftmax([1, 2, 3, 0, 0, 0], 2, 3);
        double l0 = -(0.2 * logp[0] + 0.3 * logp[1] + 0.5 * logp[2]), l1 = -logp[3];
        TensorAssert.Close(F.CrossEntropy(x, p, reduction: Reduction.None), [l0, l1], [2], rtol: 1e-12);
        TensorAssert.Close(F.CrossEntropy(x, p), [(l0 + l1) / 2], [], rtol: 1e-12);
        // Weights scale each class; the mean still divides by the number of samples.
        using var w = T([1, 2, 3], 3);
        double wl0 = -(0.2 * logp[0] + 2 * 0.3 * logp[1] + 3 * 0.5 * logp[2]), wl1 = -logp[3];
        TensorAssert.Close(F.CrossEntropy(x, p, w), [(wl0 + wl1) / 2], [], rtol: 1e-12);
        // Smoothing mixes in the uniform distribution.
        double eps = 0.3;
        double s1 = -Enumerable.Range(0, 3).Sum(k => ((k == 0 ? 1 : 0) * (1 - eps) + eps / 3) * logp[3 + k]);
        double s0 = -Enumerable.Range(0, 3).Sum(k => (new[] { 0.2, 0.3, 0.5 }[k] * (1 - eps) + eps / 3) * logp[k]);
        TensorAssert.Close(F.CrossEntropy(x, p, labelSmoothing: eps, reduction: Reduction.Sum), [s0 + s1], [], rtol: 1e-12);
        Assert.That(() => F.CrossEntropy(x, p, ignoreIndex: 0), Throws.ArgumentException);
    }

    [Test]
    public void CrossEntropyOverSpatialDimensions()
    {
        // [N, C, d] input with [N, d] target: each position is a sample.
        using var x = Tensor.Randn([2, 3, 4], DType.Float64, device, generator: new Generator(2));
        long[] target = [0, 1, 2, 1, 2, 2, 0, 1];
        using var t = L(target, 2, 4);
        using var loss = F.CrossEntropy(x, t, reduction: Reduction.None);
        Assert.That(loss.Shape.ToArray(), Is.EqualTo(new long[] { 2, 4 }));
        using var moved = x.Permute(0, 2, 1).Reshape(8, 3);
        using var flat = L(target, 8);
        using var reference = F.CrossEntropy(moved, flat, reduction: Reduction.None);
        TensorAssert.Close(loss, TensorAssert.ToDoubles(reference), [2, 4], rtol: 1e-12);
    }

    [Test]
    public void ClassTargetErrorsNameTheProblem()
    {
        using var x = T([1, 2, 3, 4, 5, 6], 2, 3);
        using var bad = L([0, 3], 2);
        Assert.That(DeferredErrors.AtNextSync(device, () => F.CrossEntropy(x, bad)), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("target 3 is out of bounds for 3 classes"));
        using var wrongShape = L([0, 1, 2], 3);
        Assert.That(() => F.CrossEntropy(x, wrongShape), Throws.ArgumentException.With.Message.Contains("[2]"));
        using var floats = T([0, 1], 2);
        Assert.That(() => F.NllLoss(x, floats), Throws.ArgumentException.With.Message.Contains("class indices"));
        using var w = T([1, 2], 2);
        using var t = L([0, 1], 2);
        Assert.That(() => F.CrossEntropy(x, t, w), Throws.ArgumentException.With.Message.Contains("one per class"));
        Assert.That(() => F.CrossEntropy(x, t, labelSmoothing: 1.5), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void NllLossWeightedMeanAndAllIgnored()
    {
        using var logp = T([-1, -2, -3, -0.5, -1.5, -2.5, -4, -5, -6], 3, 3);
        using var t = L([2, 0, 1], 3);
        using var w = T([1, 2, 3], 3);
        // -(3·-3 + 1·-0.5 + 2·-5) / (3 + 1 + 2)
        TensorAssert.Close(new NLLLoss(w).Forward(logp, t), [19.5 / 6], [], rtol: 1e-12);
        TensorAssert.Close(new NLLLoss(w, reduction: Reduction.Sum).Forward(logp, t), [19.5], [], rtol: 1e-12);
        TensorAssert.Close(new NLLLoss(reduction: Reduction.None).Forward(logp, t), [3, 0.5, 5], [3]);
        using var ignored = L([-100, -100, -100], 3);
        using var nan = F.NllLoss(logp, ignored);
        Assert.That(double.IsNaN(nan.ToDouble()), Is.True); // 0/0, as PyTorch
        using var sum = F.NllLoss(logp, ignored, reduction: Reduction.Sum);
        Assert.That(sum.ToDouble(), Is.EqualTo(0));
    }

    [Test]
    public void BinaryCrossEntropyClampsTheLog()
    {
        using var x = T([0.2, 0.9, 0, 1, 0.5], 5);
        using var t = T([0, 1, 1, 0, 0.25], 5);
        double[] expected = [-Math.Log(0.8), -Math.Log(0.9), 100, 100, -Math.Log(0.5)];
        TensorAssert.Close(new BCELoss(reduction: Reduction.None).Forward(x, t), expected, [5], rtol: 1e-12);
        TensorAssert.Close(new BCELoss().Forward(x, t), [expected.Average()], [], rtol: 1e-12);
        using var w = T([1, 2, 0, 0, 1], 5);
        TensorAssert.Close(F.BinaryCrossEntropy(x, t, w, Reduction.Sum), [expected[0] + 2 * expected[1] + expected[4]], [], rtol: 1e-12);
        using var outside = T([1.5], 1);
        using var one = T([1], 1);
        Assert.That(() => F.BinaryCrossEntropy(outside, one), Throws.ArgumentException.With.Message.Contains("[0, 1]"));
    }

    [Test]
    public void BinaryCrossEntropyGradientIsFiniteAtTheEdges()
    {
        using var x = Tensor.FromArray(new double[] { 0, 1, 0.25 }, [3], device, requiresGrad: true);
        using var t = T([1, 0, 1], 3);
        using var loss = F.BinaryCrossEntropy(x, t, reduction: Reduction.Sum);
        loss.Backward();
        // PyTorch: (x - t) / max(x (1 - x), 1e-12)
        TensorAssert.Close(x.Grad!, [-1e12, 1e12, -0.75 / 0.1875], [3], rtol: 1e-12);
    }

    [Test]
    public void BinaryCrossEntropyWithLogitsIsStable()
    {
        using var x = T([0, 1000, 1000, -1000, 2], 5);
        using var t = T([1, 1, 0, 1, 0.5], 5);
        double sp2 = Math.Log(1 + Math.Exp(-2));
        double[] expected = [Math.Log(2), 0, 1000, 1000, 0.5 * 2 + sp2];
        TensorAssert.Close(new BCEWithLogitsLoss(reduction: Reduction.None).Forward(x, t), expected, [5], rtol: 1e-12);
        TensorAssert.Close(new BCEWithLogitsLoss().Forward(x, t), [expected.Average()], [], rtol: 1e-12);
        // Matches BCE on sigmoid outputs where those are accurate.
        using var moderate = T([-2, -0.5, 0.3, 1.7], 4);
        using var labels = T([0, 1, 1, 0.3], 4);
        using var probs = moderate.Sigmoid();
        using var viaProbs = F.BinaryCrossEntropy(probs, labels, reduction: Reduction.None);
        using var viaLogits = F.BinaryCrossEntropyWithLogits(moderate, labels, reduction: Reduction.None);
        TensorAssert.Close(viaLogits, TensorAssert.ToDoubles(viaProbs), [4], rtol: 1e-12);
    }

    [Test]
    public void BinaryCrossEntropyWithLogitsPosWeight()
    {
        // loss = -(pw·t·log σ(x) + (1 - t)·log(1 - σ(x))), pos_weight per class (last dimension).
        using var x = T([0.5, -1, 2, 0], 2, 2);
        using var t = T([1, 0, 0.5, 1], 2, 2);
        using var pw = T([3, 0.5], 2);
        double[] xs = [0.5, -1, 2, 0], ts = [1, 0, 0.5, 1], pws = [3, 0.5, 3, 0.5];
        var expected = xs.Select((v, i) =>
        {
            double s = 1 / (1 + Math.Exp(-v));
            return -(pws[i] * ts[i] * Math.Log(s) + (1 - ts[i]) * Math.Log(1 - s));
        }).ToArray();
        TensorAssert.Close(new BCEWithLogitsLoss(reduction: Reduction.None, posWeight: pw).Forward(x, t), expected, [2, 2], rtol: 1e-12);
        using var w = T([2, 1, 1, 2], 2, 2);
        TensorAssert.Close(F.BinaryCrossEntropyWithLogits(x, t, w, pw, Reduction.Sum), [2 * expected[0] + expected[1] + expected[2] + 2 * expected[3]], [], rtol: 1e-12);
    }

    [Test]
    public void LossWeightsAreBuffersThatMove()
    {
        using var w = Tensor.FromArray(new float[] { 1, 2, 3 }, device: device);
        var loss = new CrossEntropyLoss(w);
        Assert.That(loss.StateDict().Keys, Is.EqualTo(new[] { "weight" }));
        loss.To(DType.Float64);
        Assert.That(loss.Weight!.DType, Is.EqualTo(DType.Float64));
        Assert.That(new CrossEntropyLoss().Weight, Is.Null);
    }
}

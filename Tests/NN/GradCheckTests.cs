using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.NN;

/// <summary>Finite-difference gradient checks in float64 for every layer (inputs and parameters) and every loss.</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class GradCheckTests(Device device)
{
    private Tensor Randn(ulong seed, params long[] shape) => Tensor.Randn(shape, DType.Float64, device, requiresGrad: true, generator: new Generator(seed));

    private Tensor Rand(ulong seed, double low, double high, params long[] shape)
    {
        var t = Tensor.Empty(shape, DType.Float64, device).UniformInPlace(low, high, new Generator(seed));
        t.RequiresGrad = true;
        return t;
    }

    private static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        var r = GradCheck.Check(f, inputs);
        Assert.That(r.Passed, Is.True, r.ToString());
    }

    /// <summary>Checks a module with respect to its input and all its parameters (which it reads through the same tensors).</summary>
    private static void CheckModule(Module m, Tensor x)
    {
        var inputs = new[] { x }.Concat(m.Parameters()).ToArray();
        Check(xs => m.Forward(xs[0]), inputs);
    }

    private static T Double<T>(T m) where T : Module => m.To(DType.Float64);

    [Test] public void Linear() => CheckModule(Double(new Linear(4, 3, device: device, generator: new Generator(1))), Randn(2, 5, 4));
    [Test] public void LinearBatched() => CheckModule(Double(new Linear(3, 2, bias: false, device: device, generator: new Generator(1))), Randn(2, 2, 2, 3));
    [Test] public void ReLU() => CheckModule(new ReLU(), Randn(3, 4, 5));
    [Test] public void GELU() => CheckModule(new GELU(), Randn(3, 4, 5));
    [Test] public void GELUTanh() => CheckModule(new GELU(GeluApproximation.Tanh), Randn(3, 4, 5));
    [Test] public void Tanh() => CheckModule(new Tanh(), Randn(3, 4, 5));
    [Test] public void Sigmoid() => CheckModule(new Sigmoid(), Randn(3, 4, 5));
    [Test] public void SiLU() => CheckModule(new SiLU(), Randn(3, 4, 5));
    [Test] public void Softmax() => CheckModule(new Softmax(1), Randn(3, 4, 5));
    [Test] public void LogSoftmax() => CheckModule(new LogSoftmax(-1), Randn(3, 4, 5));
    [Test] public void Flatten() => CheckModule(new Flatten(), Randn(3, 2, 3, 2));
    [Test] public void LayerNorm() => CheckModule(Double(WithRandomAffine(new LayerNorm(5, device: device))), Randn(4, 3, 5));
    [Test] public void LayerNormTwoDims() => CheckModule(Double(WithRandomAffine(new LayerNorm([2, 3], device: device))), Randn(4, 2, 2, 3));
    [Test] public void Conv2d() => CheckModule(Double(new Conv2d(2, 3, 3, padding: 1, device: device, generator: new Generator(5))), Randn(6, 2, 2, 4, 5));
    [Test] public void Conv2dStridedDilatedGrouped()
        => CheckModule(Double(new Conv2d(4, 2, (2, 3), stride: (2, 1), padding: (1, 2), dilation: (1, 2), groups: 2, device: device, generator: new Generator(5))), Randn(6, 1, 4, 5, 4));
    [Test] public void MaxPool2d() => CheckModule(new MaxPool2d(2), Randn(7, 2, 3, 4, 4));
    [Test] public void MaxPool2dPaddedStrided() => CheckModule(new MaxPool2d(3, stride: 2, padding: 1, ceilMode: true), Randn(7, 1, 2, 6, 5));

    [Test]
    public void Embedding()
    {
        using var emb = Double(new Embedding(5, 3, device: device, generator: new Generator(1)));
        using var idx = Tensor.FromArray(new long[] { 4, 0, 2, 2, 1, 4 }, [2, 3], device);
        Check(w => emb.Forward(idx), emb.Weight);
    }

    [Test]
    public void Dropout()
    {
        // A fresh generator per call gives the same mask for every evaluation.
        Check(x => F.Dropout(x[0], 0.3, training: true, generator: new Generator(5)), Randn(8, 4, 6));
    }

    [Test]
    public void Sequential()
    {
        using var seq = Double(new Sequential(new Linear(3, 4, device: device, generator: new Generator(1)), new Tanh(), new Linear(4, 2, device: device, generator: new Generator(2))));
        CheckModule(seq, Randn(3, 5, 3));
    }

    [Test]
    public void MseAndL1()
    {
        Check(x => F.MseLoss(x[0], x[1]), Randn(1, 3, 4), Randn(2, 3, 4));
        Check(x => F.MseLoss(x[0], x[1], Reduction.None), Randn(1, 3, 4), Randn(2, 3, 4));
        Check(x => F.L1Loss(x[0], x[1], Reduction.Sum), Randn(1, 3, 4), Randn(2, 3, 4));
    }

    private static IEnumerable<TestCaseData> CrossEntropyCases()
    {
        foreach (var reduction in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
        {
            yield return new TestCaseData(reduction, false, -100L, 0.0).SetName($"CrossEntropy {reduction}");
            yield return new TestCaseData(reduction, true, 1L, 0.0).SetName($"CrossEntropy {reduction} weights ignoreIndex");
            yield return new TestCaseData(reduction, true, 1L, 0.2).SetName($"CrossEntropy {reduction} weights ignoreIndex smoothing");
            yield return new TestCaseData(reduction, false, -100L, 0.15).SetName($"CrossEntropy {reduction} smoothing");
        }
    }

    [TestCaseSource(nameof(CrossEntropyCases))]
    public void CrossEntropyClassIndices(Reduction reduction, bool weighted, long ignoreIndex, double smoothing)
    {
        using var target = Tensor.FromArray(new long[] { 0, 1, 3, 2, 1, 3 }, [6], device);
        using var weight = weighted ? Tensor.FromArray(new double[] { 0.5, 2, 1, 3 }, [4], device) : null;
        Check(x => F.CrossEntropy(x[0], target, weight, ignoreIndex, reduction, smoothing), Randn(3, 6, 4));
    }

    [Test]
    public void CrossEntropySpatial()
    {
        using var target = Tensor.FromArray(new long[] { 0, 1, 2, 1, 2, 0 }, [2, 3], device);
        Check(x => F.CrossEntropy(x[0], target, labelSmoothing: 0.1), Randn(3, 2, 3, 3));
    }

    [TestCase(Reduction.Mean, false, 0.0)]
    [TestCase(Reduction.Sum, true, 0.0)]
    [TestCase(Reduction.None, true, 0.25)]
    [TestCase(Reduction.Mean, true, 0.25)]
    public void CrossEntropyProbabilities(Reduction reduction, bool weighted, double smoothing)
    {
        using var raw = Tensor.Rand([5, 4], DType.Float64, device, generator: new Generator(4));
        using var sum = raw.Sum(1, keepDim: true);
        using var p = raw / sum;
        using var weight = weighted ? Tensor.FromArray(new double[] { 0.5, 2, 1, 3 }, [4], device) : null;
        // Gradients with respect to the logits and to the target probabilities.
        var target = p.Detach();
        target.RequiresGrad = true;
        Check(x => F.CrossEntropy(x[0], x[1], weight, reduction: reduction, labelSmoothing: smoothing), Randn(3, 5, 4), target);
    }

    [TestCase(Reduction.Mean)]
    [TestCase(Reduction.Sum)]
    [TestCase(Reduction.None)]
    public void NllLoss(Reduction reduction)
    {
        using var target = Tensor.FromArray(new long[] { 2, 0, -100, 1 }, [4], device);
        using var weight = Tensor.FromArray(new double[] { 1, 2, 0.5 }, [3], device);
        Check(x => F.NllLoss(x[0], target, weight, reduction: reduction), Randn(1, 4, 3));
        Check(x => F.NllLoss(x[0], target, reduction: reduction), Randn(1, 4, 3));
    }

    [TestCase(Reduction.Mean)]
    [TestCase(Reduction.None)]
    public void BinaryCrossEntropy(Reduction reduction)
    {
        using var weight = Tensor.FromArray(new double[] { 1, 2, 0.5, 1, 1, 3 }, [2, 3], device);
        // Input and target both get gradients.
        Check(x => F.BinaryCrossEntropy(x[0], x[1], weight, reduction), Rand(1, 0.05, 0.95, 2, 3), Rand(2, 0, 1, 2, 3));
    }

    [TestCase(Reduction.Mean)]
    [TestCase(Reduction.Sum)]
    public void BinaryCrossEntropyWithLogits(Reduction reduction)
    {
        using var weight = Tensor.FromArray(new double[] { 1, 2, 0.5, 1, 1, 3 }, [2, 3], device);
        using var posWeight = Tensor.FromArray(new double[] { 2, 0.5, 1.5 }, [3], device);
        Check(x => F.BinaryCrossEntropyWithLogits(x[0], x[1], weight, posWeight, reduction), Randn(1, 2, 3), Rand(2, 0, 1, 2, 3));
        Check(x => F.BinaryCrossEntropyWithLogits(x[0], x[1], reduction: reduction), Randn(1, 2, 3), Rand(2, 0, 1, 2, 3));
    }

    [Test]
    public void LinearSecondOrder()
    {
        using var lin = Double(new Linear(3, 2, device: device, generator: new Generator(1)));
        var r = GradCheck.CheckSecondOrder(xs => F.Linear(xs[0], xs[1], xs[2]).Tanh(), [Randn(2, 4, 3), lin.Weight, lin.Bias!]);
        Assert.That(r.Passed, Is.True, r.ToString());
    }

    [Test]
    public void CrossEntropySecondOrder()
    {
        using var target = Tensor.FromArray(new long[] { 0, 2, 1 }, [3], device);
        var r = GradCheck.CheckSecondOrder(x => F.CrossEntropy(x[0], target, labelSmoothing: 0.1), [Randn(5, 3, 3)]);
        Assert.That(r.Passed, Is.True, r.ToString());
    }

    private static LayerNorm WithRandomAffine(LayerNorm ln)
    {
        // Non-trivial scale and shift so their gradients are exercised away from 1 and 0.
        Init.Normal(ln.Weight!, 1, 0.5, new Generator(11));
        Init.Normal(ln.Bias!, 0, 0.5, new Generator(12));
        return ln;
    }
}

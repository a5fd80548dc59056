using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.NN;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class InitTests(Device device)
{
    [Test]
    public void GainsMatchPyTorch()
    {
        Assert.That(Init.CalculateGain(Nonlinearity.Linear), Is.EqualTo(1.0));
        Assert.That(Init.CalculateGain(Nonlinearity.Sigmoid), Is.EqualTo(1.0));
        Assert.That(Init.CalculateGain(Nonlinearity.Tanh), Is.EqualTo(5.0 / 3));
        Assert.That(Init.CalculateGain(Nonlinearity.Relu), Is.EqualTo(Math.Sqrt(2)));
        Assert.That(Init.CalculateGain(Nonlinearity.LeakyRelu), Is.EqualTo(Math.Sqrt(2 / (1 + 0.01 * 0.01))));
        Assert.That(Init.CalculateGain(Nonlinearity.LeakyRelu, Math.Sqrt(5)), Is.EqualTo(Math.Sqrt(1.0 / 3)).Within(1e-15));
        Assert.That(Init.CalculateGain(Nonlinearity.Selu), Is.EqualTo(0.75));
    }

    [Test]
    public void FansFollowTheWeightLayout()
    {
        using var linear = Tensor.Empty([5, 3], device: device);
        Assert.That(Init.CalculateFanInAndFanOut(linear), Is.EqualTo((3L, 5L)));
        using var conv = Tensor.Empty([8, 4, 3, 2], device: device);
        Assert.That(Init.CalculateFanInAndFanOut(conv), Is.EqualTo((24L, 48L)));
        using var vector = Tensor.Empty([5], device: device);
        Assert.That(() => Init.CalculateFanInAndFanOut(vector), Throws.ArgumentException.With.Message.Contains("fewer than 2 dimensions"));
    }

    [Test]
    public void LinearInitIsTheSameDrawAsUniformWithPyTorchsBounds()
    {
        const long inF = 100, outF = 200;
        double bound = 1 / Math.Sqrt(inF);
        using var lin = new Linear(inF, outF, device: device, generator: new Generator(42));
        // Same generator, same order (weight, then bias): the draws are U(-1/sqrt(in), 1/sqrt(in)).
        var g = new Generator(42);
        using var w = Tensor.Empty([outF, inF], device: device).UniformInPlace(-bound, bound, g);
        using var b = Tensor.Empty([outF], device: device).UniformInPlace(-bound, bound, g);
        Assert.That(lin.Weight.ToArray<float>(), Is.EqualTo(w.ToArray<float>()));
        Assert.That(lin.Bias!.ToArray<float>(), Is.EqualTo(b.ToArray<float>()));
    }

    [Test]
    public void LinearInitStatistics()
    {
        const long inF = 100, outF = 200;
        double bound = 1 / Math.Sqrt(inF);
        using var lin = new Linear(inF, outF, device: device, generator: new Generator(7));
        var w = TensorAssert.ToDoubles(lin.Weight);
        Assert.That(w.Min(), Is.GreaterThanOrEqualTo(-bound));
        Assert.That(w.Max(), Is.LessThan(bound));
        Assert.That(w.Max(), Is.GreaterThan(0.99 * bound)); // 20,000 draws reach the edge
        double mean = w.Average(), variance = w.Select(v => (v - mean) * (v - mean)).Average();
        Assert.That(mean, Is.EqualTo(0).Within(0.002));                       // std of the mean ≈ 0.0004
        Assert.That(variance, Is.EqualTo(bound * bound / 3).Within(0.03 * bound * bound / 3));
        var bias = TensorAssert.ToDoubles(lin.Bias!);
        Assert.That(bias.All(v => Math.Abs(v) <= bound), Is.True);
        Assert.That(lin.Weight.Shape.ToArray(), Is.EqualTo(new[] { outF, inF }));
    }

    [Test]
    public void SameSeedSameWeights()
    {
        using var a = new Linear(8, 4, device: device, generator: new Generator(3));
        using var b = new Linear(8, 4, device: device, generator: new Generator(3));
        using var c = new Linear(8, 4, device: device, generator: new Generator(4));
        Assert.That(a.Weight.ToArray<float>(), Is.EqualTo(b.Weight.ToArray<float>()));
        Assert.That(a.Weight.ToArray<float>(), Is.Not.EqualTo(c.Weight.ToArray<float>()));
    }

    [Test]
    public void KaimingNormalHasGainOverSqrtFanStd()
    {
        using var w = Tensor.Empty([400, 100], DType.Float64, device);
        Init.KaimingNormal(w, nonlinearity: Nonlinearity.Relu, generator: new Generator(1));
        AssertStd(w, Math.Sqrt(2.0 / 100));
        Init.KaimingNormal(w, mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu, generator: new Generator(1));
        AssertStd(w, Math.Sqrt(2.0 / 400));
    }

    [Test]
    public void KaimingUniformBound()
    {
        using var w = Tensor.Empty([300, 50], DType.Float64, device);
        Init.KaimingUniform(w, nonlinearity: Nonlinearity.Relu, generator: new Generator(2));
        double bound = Math.Sqrt(2.0) * Math.Sqrt(3.0 / 50);
        var v = TensorAssert.ToDoubles(w);
        Assert.That(v.Max(), Is.LessThan(bound).And.GreaterThan(0.99 * bound));
        Assert.That(v.Min(), Is.GreaterThanOrEqualTo(-bound).And.LessThan(-0.99 * bound));
    }

    [Test]
    public void XavierUniformAndNormal()
    {
        using var w = Tensor.Empty([200, 300], DType.Float64, device);
        Init.XavierUniform(w, gain: 2, generator: new Generator(3));
        double bound = 2 * Math.Sqrt(6.0 / 500);
        var v = TensorAssert.ToDoubles(w);
        Assert.That(v.Max(), Is.LessThan(bound).And.GreaterThan(0.99 * bound));
        Init.XavierNormal(w, generator: new Generator(3));
        AssertStd(w, Math.Sqrt(2.0 / 500));
    }

    [Test]
    public void ConstantsAndPlainDistributions()
    {
        using var lin = new Linear(3, 2, device: device);
        Init.Zeros(lin.Weight);       // works on parameters that require grad
        Assert.That(TensorAssert.ToDoubles(lin.Weight), Is.All.EqualTo(0.0));
        Init.Ones(lin.Bias!);
        Assert.That(TensorAssert.ToDoubles(lin.Bias!), Is.All.EqualTo(1.0));
        Assert.That(lin.Weight.IsLeaf && lin.Weight.RequiresGrad, Is.True);

        using var u = Tensor.Empty([10000], DType.Float64, device);
        Init.Uniform(u, -3, -1, new Generator(4));
        var v = TensorAssert.ToDoubles(u);
        Assert.That(v.Min(), Is.GreaterThanOrEqualTo(-3));
        Assert.That(v.Max(), Is.LessThan(-1));
        Init.Normal(u, 5, 0.5, new Generator(5));
        Assert.That(TensorAssert.ToDoubles(u).Average(), Is.EqualTo(5).Within(0.03));
        AssertStd(u, 0.5);
    }

    private static void AssertStd(Tensor t, double expected)
    {
        var v = TensorAssert.ToDoubles(t);
        double mean = v.Average();
        double std = Math.Sqrt(v.Select(x => (x - mean) * (x - mean)).Average());
        Assert.That(std, Is.EqualTo(expected).Within(0.03 * expected));
    }
}

using CudaTensor.Optim;
using NUnit.Framework;

namespace CudaTensor.Tests.Optim;

// RMSprop's fused update against its composed formulas (RMSprop.ApplyComposed), on the harness of FusedStepTests.cs.
public partial class FusedStepTests
{
    public static IEnumerable<TestCaseData> RmspropCases()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        foreach (double weightDecay in new[] { 0.0, 0.1 })
        foreach (bool centered in new[] { false, true })
        foreach (double momentum in new[] { 0.0, 0.9 })
        foreach (bool maximize in new[] { false, true })
        foreach (double alpha in new[] { 0.99, 0.3 }) // 1 - α below and above 0.5: both branches of grad_avg's lerp
        {
            yield return new TestCaseData(dtype, weightDecay, centered, momentum, maximize, alpha);
        }
    }

    private static string[] RmspropStateNames(bool centered, double momentum)
        => ["square_avg", .. centered ? ["grad_avg"] : Array.Empty<string>(), .. momentum > 0 ? ["momentum_buffer"] : Array.Empty<string>()];

    [TestCaseSource(nameof(RmspropCases))]
    public void RmspropFusedMatchesComposed(DType dtype, double weightDecay, bool centered, double momentum, bool maximize, double alpha)
        => RunFusedAgainstComposed(dtype, Shape, Steps,
            p => new RMSprop([p], lr: 0.01, alpha: alpha, eps: 1e-6, weightDecay: weightDecay, momentum: momentum, centered: centered, maximize: maximize),
            RMSprop.ApplyComposed,
            RmspropStateNames(centered, momentum));

    [Test]
    public void RmspropLargeParametersSplitAcrossCoresMatchComposed([Values(DType.Float32, DType.Float64)] DType dtype)
        => RunFusedAgainstComposed(dtype, [701, 401], 3,
            p => new RMSprop([p], lr: 0.01, weightDecay: 0.01, momentum: 0.9, centered: true),
            RMSprop.ApplyComposed,
            RmspropStateNames(centered: true, momentum: 0.9));

    [Test]
    public void RmspropNaNAndInfinityPropagateAsInTheComposedPath([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        double[] special = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0, -0.0, 1e-30];
        RunFusedAgainstComposed(dtype, [special.Length], 3,
            p => new RMSprop([p], lr: 0.1, weightDecay: 0.01, momentum: 0.5, centered: true),
            RMSprop.ApplyComposed,
            RmspropStateNames(centered: true, momentum: 0.5), special);
        RunFusedAgainstComposed(dtype, [special.Length], 3,
            p => new RMSprop([p], lr: 0.1),
            RMSprop.ApplyComposed,
            RmspropStateNames(centered: false, momentum: 0), special);
    }

    [Test]
    public void RmspropEmptyParametersStillCountSteps()
    {
        using var p = Tensor.Zeros([0, 3], device: device);
        using var rmsprop = new RMSprop([p], momentum: 0.9, centered: true);
        for (int t = 0; t < 2; t++)
        {
            p.Grad = Tensor.Zeros([0, 3], device: device);
            rmsprop.Step();
        }
        Assert.That(rmsprop.State[p].Step, Is.EqualTo(2));
        Assert.That(rmsprop.State[p].Tensors.Keys, Is.EquivalentTo(RmspropStateNames(centered: true, momentum: 0.9)));
    }

    [Test]
    public void RmspropStepBumpsTheVersionOfEveryTensorItWrites()
    {
        using var p = Tensor.Ones([5], DType.Float32, device);
        p.RequiresGrad = true;
        using var rmsprop = new RMSprop([p], momentum: 0.9, centered: true);
        p.Grad = Tensor.Ones([5], DType.Float32, device);
        rmsprop.Step();
        int before = p.Storage.Version;
        var states = rmsprop.State[p].Tensors.Values.Select(t => (t, t.Storage.Version)).ToList();
        rmsprop.Step();
        Assert.That(p.Storage.Version, Is.GreaterThan(before));
        foreach (var (t, v) in states) Assert.That(t.Storage.Version, Is.GreaterThan(v));
    }
}

using CudaTensor.Optim;
using NUnit.Framework;

namespace CudaTensor.Tests.Optim;

/// <summary>
/// The schedulers' behaviour that the libtorch sequences do not cover, against hand-computed values of PyTorch's
/// definitions: repeated milestones, warm restarts, chaining, OneCycleLR on Adam's β1, state dicts.
/// </summary>
public sealed class SchedulerZooTests
{
    private static SGD NewSgd(out Tensor p, double lr = 0.1)
    {
        p = Tensor.Zeros([2], DType.Float64, requiresGrad: true);
        return new SGD([p], lr: lr, momentum: 0.9);
    }

    private static double[] Lrs(Optimizer o, LRScheduler s, int steps)
    {
        var lrs = new double[steps + 1];
        for (int e = 0; e <= steps; e++)
        {
            if (e > 0) s.Step();
            lrs[e] = o.ParamGroups[0].Lr;
        }
        return lrs;
    }

    [Test]
    public void MultiStepCountsARepeatedMilestoneTwice()
    {
        using var sgd = NewSgd(out var p);
        var lrs = Lrs(sgd, new MultiStepLR(sgd, [7, 3, 7], gamma: 0.5), 8);
        Assert.That(lrs, Is.EqualTo(new[] { 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.0125, 0.0125 }).Within(1e-17));
        p.Dispose();
    }

    [Test]
    public void WarmRestartsLengthenEachCycleByTMult()
    {
        using var sgd = NewSgd(out var p);
        var s = new CosineAnnealingWarmRestarts(sgd, t0: 2, tMult: 2, etaMin: 0.01);
        var lrs = Lrs(sgd, s, 14);
        // Cycles [0, 2), [2, 6), [6, 14): each restarts at the base rate.
        double At(long tCur, long tI) => 0.01 + (0.1 - 0.01) * (1 + Math.Cos(Math.PI * tCur / tI)) / 2;
        double[] expected = [At(0, 2), At(1, 2), At(0, 4), At(1, 4), At(2, 4), At(3, 4), At(0, 8), At(1, 8), At(2, 8), At(3, 8), At(4, 8), At(5, 8), At(6, 8), At(7, 8), At(0, 16)];
        Assert.That(lrs, Is.EqualTo(expected).Within(1e-16));
        Assert.That(lrs[2], Is.EqualTo(0.1));
        Assert.That(lrs[4], Is.EqualTo(0.055).Within(1e-16));
        Assert.That(s.CycleAt(13), Is.EqualTo((7L, 8L)));
        p.Dispose();
    }

    [Test]
    public void WarmRestartsWithTMultOneRepeatsTheCycle()
    {
        using var sgd = NewSgd(out var p);
        var lrs = Lrs(sgd, new CosineAnnealingWarmRestarts(sgd, t0: 3), 7);
        Assert.That(lrs[3], Is.EqualTo(lrs[0]));
        Assert.That(lrs[4], Is.EqualTo(lrs[1]));
        Assert.That(lrs[1], Is.EqualTo(0.1 * (1 + Math.Cos(Math.PI / 3)) / 2).Within(1e-16));
        p.Dispose();
    }

    [Test]
    public void ChainedSchedulerMultipliesTheFactors()
    {
        // PyTorch's docs example: ConstantLR(factor 0.1, total_iters 2) chained with ExponentialLR(gamma 0.9), lr 1:
        // 0.1, 0.09, 0.81, 0.729, 0.6561, ...
        using var sgd = NewSgd(out var p, lr: 1.0);
        var chained = new ChainedScheduler([new ConstantLR(sgd, factor: 0.1, totalIters: 2), new ExponentialLR(sgd, gamma: 0.9)]);
        var lrs = Lrs(sgd, chained, 4);
        Assert.That(lrs, Is.EqualTo(new[] { 0.1, 0.09, 0.81, 0.729, 0.6561 }).Within(1e-15));
        p.Dispose();
    }

    [Test]
    public void OneCycleCyclesAdamsBeta1AndRefusesAnOptimizerWithoutMomentum()
    {
        using var p = Tensor.Zeros([2], DType.Float64, requiresGrad: true);
        using var adam = new Adam([p]);
        var s = new OneCycleLR(adam, maxLr: 0.01, totalSteps: 10);
        Assert.That(adam.ParamGroups[0]["beta1"], Is.EqualTo(0.95));
        Assert.That(adam.ParamGroups[0].Lr, Is.EqualTo(0.01 / 25).Within(1e-18));
        for (int i = 0; i < 2; i++) s.Step();
        // Step 2 is the end of the first phase (0.3·10 - 1): the maximum rate and the base momentum.
        Assert.That(adam.ParamGroups[0].Lr, Is.EqualTo(0.01).Within(1e-17));
        Assert.That(adam.ParamGroups[0]["beta1"], Is.EqualTo(0.85).Within(1e-15));
        Assert.That(adam.ParamGroups[0]["beta2"], Is.EqualTo(0.999));

        using var adagrad = new Adagrad([p]);
        var e = Assert.Throws<ArgumentException>(() => _ = new OneCycleLR(adagrad, maxLr: 0.01, totalSteps: 10));
        Assert.That(e!.Message, Does.Contain("Adagrad").And.Contain("cycleMomentum"));
        Assert.DoesNotThrow(() => _ = new OneCycleLR(adagrad, maxLr: 0.01, epochs: 2, stepsPerEpoch: 5, cycleMomentum: false));
        Assert.Throws<ArgumentException>(() => _ = new OneCycleLR(adagrad, maxLr: 0.01, cycleMomentum: false));
    }

    [Test]
    public void PlateauStateDictResumesTheCounters()
    {
        using var sgd = NewSgd(out var p);
        var plateau = new ReduceLROnPlateau(sgd, factor: 0.5, patience: 2);
        foreach (var m in new[] { 1.0, 0.9, 0.95, 0.96 }) plateau.Step(m);
        var saved = plateau.StateDict();
        Assert.That(saved, Is.EqualTo(new ReduceLROnPlateauState(0.9, 2, 0, 4)));
        var resumed = new ReduceLROnPlateau(sgd, factor: 0.5, patience: 2);
        resumed.LoadStateDict(saved);
        resumed.Step(0.97); // the third bad epoch: more than patience
        Assert.That(sgd.ParamGroups[0].Lr, Is.EqualTo(0.05));
        Assert.That(resumed.NumBadEpochs, Is.Zero);
        Assert.Throws<ArgumentException>(() => _ = new ReduceLROnPlateau(sgd, mode: "lowest"));
        Assert.Throws<ArgumentException>(() => _ = new ReduceLROnPlateau(sgd, factor: 1.0));
        p.Dispose();
    }

    [Test]
    public void SchedulerStateDictRestoresTheEpoch()
    {
        using var sgd = NewSgd(out var p);
        var first = new PolynomialLR(sgd, totalIters: 10, power: 2);
        for (int i = 0; i < 4; i++) first.Step();
        var state = first.StateDict();
        double lr = sgd.ParamGroups[0].Lr;
        var second = new PolynomialLR(sgd, totalIters: 10, power: 2);
        second.LoadStateDict(state);
        second.Step();
        Assert.That(second.LastEpoch, Is.EqualTo(5));
        Assert.That(sgd.ParamGroups[0].Lr, Is.EqualTo(0.1 * 0.25).Within(1e-16));
        Assert.That(lr, Is.EqualTo(0.1 * 0.36).Within(1e-16));
        p.Dispose();
    }
}

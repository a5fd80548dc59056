using CudaTensor.Optim;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.PyTorchReference;

/// <summary>
/// Learning-rate (and momentum) sequences of the schedulers against torch.optim.lr_scheduler, recorded by
/// tools/TorchReference/Cases/SchedulersCase.cs on SGD(lr 0.1, momentum 0.9): the rate after construction and after every step.
/// </summary>
public sealed class SchedulerReferenceTests
{
    private static SGD NewSgd(out Tensor p)
    {
        p = Tensor.Zeros([2], DType.Float64, requiresGrad: true);
        return new SGD([p], lr: 0.1, momentum: 0.9);
    }

    private static (double[] Lr, double[] Momentum) Run(SGD sgd, LRScheduler scheduler, int steps)
    {
        var lrs = new double[steps + 1];
        var momenta = new double[steps + 1];
        for (int s = 0; s <= steps; s++)
        {
            if (s > 0) scheduler.Step();
            lrs[s] = sgd.ParamGroups[0].Lr;
            momenta[s] = sgd.ParamGroups[0]["momentum"];
            Assert.That(scheduler.LastLrs[0], Is.EqualTo(lrs[s]));
        }
        return (lrs, momenta);
    }

    private static void AssertSequence(TorchReferenceFile r, string key, double[] actual, int count = -1)
    {
        var expected = TensorAssert.ToDoubles(r[key]);
        if (count < 0)
        {
            Assert.That(actual, Has.Length.EqualTo(expected.Length), key);
            count = expected.Length;
        }
        for (int i = 0; i < count; i++) Assert.That(actual[i], Is.EqualTo(expected[i]).Within(1e-12), $"{key}[{i}]");
    }

    private static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData("exponential", 12, (Func<SGD, LRScheduler>)(o => new ExponentialLR(o, gamma: 0.8)));
        yield return new TestCaseData("multistep", 12, (Func<SGD, LRScheduler>)(o => new MultiStepLR(o, [3, 7, 9], gamma: 0.5)));
        yield return new TestCaseData("polynomial", 12, (Func<SGD, LRScheduler>)(o => new PolynomialLR(o, totalIters: 8, power: 2.0)));
        yield return new TestCaseData("constant", 8, (Func<SGD, LRScheduler>)(o => new ConstantLR(o, factor: 0.25, totalIters: 3)));
        yield return new TestCaseData("linear", 8, (Func<SGD, LRScheduler>)(o => new LinearLR(o, startFactor: 0.1, endFactor: 0.9, totalIters: 5)));
        yield return new TestCaseData("cosine", 25, (Func<SGD, LRScheduler>)(o => new CosineAnnealingLR(o, tMax: 10, etaMin: 0.001)));
        yield return new TestCaseData("warmup_cosine", 20, (Func<SGD, LRScheduler>)(o =>
            new SequentialLR(o, [new LinearLR(o, startFactor: 0.1, totalIters: 4), new CosineAnnealingLR(o, tMax: 15, etaMin: 0.0)], [4])));
        yield return new TestCaseData("chained_cosine_exponential", 20, (Func<SGD, LRScheduler>)(o =>
            new ChainedScheduler([new CosineAnnealingLR(o, tMax: 8, etaMin: 0.01), new ExponentialLR(o, gamma: 0.9)])));
        yield return new TestCaseData("chained_constant_cosine", 20, (Func<SGD, LRScheduler>)(o =>
            new ChainedScheduler([new ConstantLR(o, factor: 0.5, totalIters: 4), new CosineAnnealingLR(o, tMax: 8, etaMin: 0.01)])));
    }

    [TestCaseSource(nameof(Cases))]
    public void LearningRatesMatchPyTorch(string name, int steps, Func<SGD, LRScheduler> make)
    {
        using var r = TorchReferenceFile.Load("schedulers", Device.Cpu);
        using var sgd = NewSgd(out var p);
        var (lrs, _) = Run(sgd, make(sgd), steps);
        AssertSequence(r, $"{name}.lr", lrs);
        p.Dispose();
    }

    private static IEnumerable<TestCaseData> OneCycleCases()
    {
        yield return new TestCaseData("onecycle_cos", (Func<SGD, OneCycleLR>)(o => new OneCycleLR(o, maxLr: 1.0, totalSteps: 30)));
        yield return new TestCaseData("onecycle_linear", (Func<SGD, OneCycleLR>)(o => new OneCycleLR(o, maxLr: 0.5, totalSteps: 30, pctStart: 0.25,
            annealStrategy: AnnealStrategy.Linear, baseMomentum: 0.8, maxMomentum: 0.9, divFactor: 10, finalDivFactor: 100)));
        yield return new TestCaseData("onecycle_three_phase", (Func<SGD, OneCycleLR>)(o => new OneCycleLR(o, maxLr: 0.5, totalSteps: 30, threePhase: true)));
    }

    /// <summary>Steps 0..29 of a 30-step cycle (TorchSharp's value at step 30 differs from PyTorch's; see the case).</summary>
    [TestCaseSource(nameof(OneCycleCases))]
    public void OneCycleRatesAndMomentumMatchPyTorch(string name, Func<SGD, OneCycleLR> make)
    {
        using var r = TorchReferenceFile.Load("schedulers", Device.Cpu);
        using var sgd = NewSgd(out var p);
        var scheduler = make(sgd);
        var (lrs, momenta) = Run(sgd, scheduler, 29);
        AssertSequence(r, $"{name}.lr", lrs, 30);
        AssertSequence(r, $"{name}.momentum", momenta, 30);
        // PyTorch still computes step 30 (past the end of the last phase) and refuses step 31.
        scheduler.Step();
        if (name == "onecycle_cos")
        {
            // The last phase runs from step 8 to 29, so step 30 is at pct 22/21: past the cosine's minimum.
            double min = 1.0 / 25 / 1e4;
            Assert.That(sgd.ParamGroups[0].Lr, Is.EqualTo(min + (1.0 - min) / 2 * (Math.Cos(Math.PI * 22 / 21) + 1)).Within(1e-15));
        }
        var e = Assert.Throws<InvalidOperationException>(scheduler.Step);
        Assert.That(e!.Message, Does.Contain("OneCycleLR").And.Contain("30 total steps"));
        p.Dispose();
    }

    private static IEnumerable<TestCaseData> PlateauCases()
    {
        yield return new TestCaseData("plateau_min_rel", (Func<SGD, ReduceLROnPlateau>)(o => new ReduceLROnPlateau(o, mode: "min", factor: 0.5, patience: 2, threshold: 1e-3, cooldown: 1, minLr: 0.02)));
        yield return new TestCaseData("plateau_min_abs", (Func<SGD, ReduceLROnPlateau>)(o => new ReduceLROnPlateau(o, mode: "min", factor: 0.3, patience: 1, threshold: 0.05, thresholdMode: "abs")));
        yield return new TestCaseData("plateau_max_rel", (Func<SGD, ReduceLROnPlateau>)(o => new ReduceLROnPlateau(o, mode: "max", factor: 0.5, patience: 3, cooldown: 2)));
    }

    [TestCaseSource(nameof(PlateauCases))]
    public void ReduceLROnPlateauMatchesPyTorch(string name, Func<SGD, ReduceLROnPlateau> make)
    {
        using var r = TorchReferenceFile.Load("schedulers", Device.Cpu);
        using var sgd = NewSgd(out var p);
        var plateau = make(sgd);
        var metrics = TensorAssert.ToDoubles(r["plateau.metrics"]);
        var lrs = new double[metrics.Length];
        for (int s = 0; s < metrics.Length; s++)
        {
            plateau.Step(metrics[s]);
            lrs[s] = sgd.ParamGroups[0].Lr;
        }
        AssertSequence(r, $"{name}.lr", lrs);
        Assert.That(lrs.Distinct().Count(), Is.GreaterThan(1), "the sequence reduces at least once");
        p.Dispose();
    }
}

using CudaTensor.Optim;
using NUnit.Framework;

namespace CudaTensor.Tests.Optim;

public class SchedulerTests
{
    private static SGD TwoGroups(out Tensor a, out Tensor b)
    {
        a = Tensor.Zeros([1]);
        b = Tensor.Zeros([1]);
        return new SGD([new ParamGroup([a]) { Lr = 0.1 }, new ParamGroup([b]) { Lr = 1.0 }], lr: 0.1);
    }

    /// <summary>The learning rates of both groups at epochs 0..n-1: read after construction, then after each Step.</summary>
    private static (double[] First, double[] Second) Sequence(SGD sgd, LRScheduler scheduler, int n)
    {
        var first = new double[n];
        var second = new double[n];
        for (int e = 0; e < n; e++)
        {
            if (e > 0) scheduler.Step();
            first[e] = sgd.ParamGroups[0].Lr;
            second[e] = sgd.ParamGroups[1].Lr;
            Assert.That(scheduler.LastEpoch, Is.EqualTo(e));
            Assert.That(scheduler.LastLrs, Is.EqualTo(new[] { first[e], second[e] }));
        }
        return (first, second);
    }

    private static void AssertSequence(double[] actual, Func<int, double> expected)
    {
        for (int e = 0; e < actual.Length; e++)
            Assert.That(actual[e], Is.EqualTo(expected(e)).Within(1e-15).Percent, $"epoch {e}");
    }

    [Test]
    public void StepLRDecaysEveryStepSizeEpochs()
    {
        using var sgd = TwoGroups(out var a, out var b);
        var (first, second) = Sequence(sgd, new StepLR(sgd, stepSize: 3, gamma: 0.5), 10);
        AssertSequence(first, e => 0.1 * Math.Pow(0.5, e / 3));
        AssertSequence(second, e => 1.0 * Math.Pow(0.5, e / 3));
        Assert.That(first[..4], Is.EqualTo(new[] { 0.1, 0.1, 0.1, 0.05 }));
        a.Dispose();
        b.Dispose();
    }

    [Test]
    public void CosineAnnealingFollowsTheClosedForm()
    {
        using var sgd = TwoGroups(out var a, out var b);
        var (first, second) = Sequence(sgd, new CosineAnnealingLR(sgd, tMax: 10, etaMin: 0.001), 25);
        AssertSequence(first, e => 0.001 + (0.1 - 0.001) * (1 + Math.Cos(Math.PI * e / 10)) / 2);
        AssertSequence(second, e => 0.001 + (1.0 - 0.001) * (1 + Math.Cos(Math.PI * e / 10)) / 2);
        Assert.That(first[0], Is.EqualTo(0.1));
        Assert.That(first[10], Is.EqualTo(0.001).Within(1e-15));
        Assert.That(first[5], Is.EqualTo((0.1 + 0.001) / 2).Within(1e-15));
        Assert.That(first[20], Is.EqualTo(0.1).Within(1e-15));
        a.Dispose();
        b.Dispose();
    }

    [Test]
    public void LinearWarmupRampsThenHolds()
    {
        using var sgd = TwoGroups(out var a, out var b);
        var (first, _) = Sequence(sgd, new LinearLR(sgd, startFactor: 0.25, endFactor: 1.0, totalIters: 4), 8);
        AssertSequence(first, e => 0.1 * (0.25 + 0.75 * Math.Min(e, 4) / 4.0));
        Assert.That(first[0], Is.EqualTo(0.025).Within(1e-17));
        Assert.That(first[4..], Is.All.EqualTo(0.1).Within(1e-17));
        a.Dispose();
        b.Dispose();
    }

    [Test]
    public void WarmupThenCosineWithSequentialLR()
    {
        using var sgd = TwoGroups(out var a, out var b);
        var warmup = new LinearLR(sgd, startFactor: 0.1, totalIters: 3);
        var cosine = new CosineAnnealingLR(sgd, tMax: 5);
        var (first, second) = Sequence(sgd, new SequentialLR(sgd, [warmup, cosine], [3]), 9);
        double Expected(double baseLr, int e) => e < 3
            ? baseLr * (0.1 + 0.9 * e / 3.0)
            : baseLr * (1 + Math.Cos(Math.PI * (e - 3) / 5)) / 2;
        AssertSequence(first, e => Expected(0.1, e));
        AssertSequence(second, e => Expected(1.0, e));
        a.Dispose();
        b.Dispose();
    }

    [Test]
    public void LambdaLRAndStateRoundTrip()
    {
        using var sgd = TwoGroups(out var a, out var b);
        var scheduler = new LambdaLR(sgd, e => 1.0 / (e + 1));
        scheduler.Step();
        scheduler.Step();
        Assert.That(sgd.ParamGroups[0].Lr, Is.EqualTo(0.1 / 3).Within(1e-17));
        var saved = scheduler.StateDict();
        Assert.That(saved.LastEpoch, Is.EqualTo(2));
        Assert.That(saved.BaseLrs, Is.EqualTo(new[] { 0.1, 1.0 }));

        // Resuming: a new scheduler at lastEpoch 2 reads the groups' initial_lr and continues at epoch 3.
        var resumed = new LambdaLR(sgd, e => 1.0 / (e + 1), lastEpoch: 2);
        Assert.That(resumed.LastEpoch, Is.EqualTo(3));
        Assert.That(sgd.ParamGroups[1].Lr, Is.EqualTo(0.25));
        resumed.LoadStateDict(saved);
        Assert.That(resumed.LastEpoch, Is.EqualTo(2));
        a.Dispose();
        b.Dispose();
    }

    [Test]
    public void ResumingWithoutInitialLrIsRejected()
    {
        using var p = Tensor.Zeros([1]);
        using var sgd = new SGD([p], lr: 0.1);
        var ex = Assert.Throws<ArgumentException>(() => new StepLR(sgd, 2, lastEpoch: 5));
        Assert.That(ex!.Message, Does.Contain("initial_lr"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepLR(sgd, 0));
        Assert.Throws<ArgumentException>(() => new SequentialLR(sgd, [new StepLR(sgd, 1)], [3]));
    }

    [Test]
    public void InitialLrIsKeptInTheOptimizerStateDict()
    {
        using var p = Tensor.Zeros([1]);
        using var sgd = new SGD([p], lr: 0.1);
        _ = new StepLR(sgd, 1, gamma: 0.5);
        using var sd = sgd.StateDict();
        Assert.That(sd.ParamGroups[0].Options["initial_lr"], Is.EqualTo(0.1));
        Assert.That(sd.ParamGroups[0].Options["lr"], Is.EqualTo(0.1));
    }
}

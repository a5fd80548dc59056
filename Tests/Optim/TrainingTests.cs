using CudaTensor.Optim;
using NUnit.Framework;

namespace CudaTensor.Tests.Optim;

/// <summary>Optimizers driven by real backward passes: the loop a user writes.</summary>
[TestFixtureSource(typeof(CudaTensor.Tests.Support.TestDevices), nameof(CudaTensor.Tests.Support.TestDevices.Available))]
public class TrainingTests(Device device)
{
    private static IEnumerable<Func<Tensor[], Optimizer>> Optimizers()
    {
        yield return ps => new Adam(ps, lr: 0.1);
        yield return ps => new AdamW(ps, lr: 0.1, weightDecay: 1e-4);
        yield return ps => new SGD(ps, lr: 0.002, momentum: 0.9, nesterov: true);
        yield return ps => new RMSprop(ps, lr: 0.01, momentum: 0.5);
    }

    [Test]
    public void LinearRegressionConverges([ValueSource(nameof(Optimizers))] Func<Tensor[], Optimizer> make)
    {
        var gen = new Generator(3);
        using var x = Tensor.Randn([64, 3], device: device, generator: gen);
        using var wTrue = Tensor.FromArray(new float[] { 1.5f, -2, 0.5f }, [3, 1], device);
        using var xw = x.MatMul(wTrue);
        using var y = xw + 0.25;
        using var w = Tensor.Zeros([3, 1], device: device, requiresGrad: true);
        using var b = Tensor.Zeros([1], device: device, requiresGrad: true);
        using var optimizer = make([w, b]);
        double first = 0, last = 0;
        for (int step = 0; step < 300; step++)
        {
            using var scope = Tensor.NewScope();
            optimizer.ZeroGrad();
            var diff = x.MatMul(w) + b - y;
            // A sum, not a mean: the loss scale (64 samples) is folded into SGD's learning rate.
            var loss = (diff * diff).Sum();
            loss.Backward();
            optimizer.Step();
            last = loss.ToDouble();
            if (step == 0) first = last;
        }
        Assert.That(first / 64, Is.GreaterThan(1));
        Assert.That(last / 64, Is.LessThan(1e-3), $"loss went from {first} to {last}");
        Assert.That(w.RequiresGrad && w.IsLeaf, Is.True);
        Assert.That(b.ToDouble(), Is.EqualTo(0.25).Within(0.05));
    }
}

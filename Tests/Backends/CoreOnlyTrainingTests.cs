using CudaTensor.NN;
using CudaTensor.Optim;
using CudaTensor.Tests.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Backends;

/// <summary>
/// A backend that implements only the core primitives trains a small convolutional classifier (Conv2d, ReLU,
/// LayerNorm, Linear, cross-entropy, Adam) to the same losses, step by step, as the device's full backend with its
/// fused layers and fused optimizer step.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class CoreOnlyTrainingTests(Device device)
{
    private const int Steps = 12;

    private static double[] Train(Device on)
    {
        using var model = new Sequential(
            new Conv2d(1, 4, new Size2(3, 3), padding: 1, generator: new Generator(1)),
            new ReLU(),
            new Flatten(),
            new LayerNorm(4 * 6 * 6),
            new Linear(4 * 6 * 6, 3, generator: new Generator(2))).To(on);
        using var x = Tensor.Randn([10, 1, 6, 6], generator: new Generator(3)).To(on);
        using var labels = Tensor.FromArray(new long[] { 0, 1, 2, 0, 1, 2, 2, 1, 0, 1 }, [10]).To(on);
        var optimizer = new Adam(model.Parameters(), lr: 0.01);
        var lossFn = new CrossEntropyLoss(labelSmoothing: 0.05);
        var losses = new double[Steps];
        for (int step = 0; step < Steps; step++)
        {
            using var scope = Tensor.NewScope();
            optimizer.ZeroGrad();
            var loss = lossFn.Forward(model.Forward(x), labels);
            loss.Backward();
            optimizer.Step();
            losses[step] = loss.ToDouble();
        }
        return losses;
    }

    [Test]
    public void TrainsToTheSameLossesAsTheFullBackend()
    {
        var full = Train(device);
        var coreOnly = Train(CoreOnlyBackend.Twin(device));
        Assert.That(full[^1], Is.LessThan(full[0] * 0.7), "the model learns");
        // Float32 sums in another order on the two paths; twelve steps keep the drift far below this bound.
        FusedTestSupport.Close(coreOnly, full, 1e-4, 1e-5, "losses");
    }
}

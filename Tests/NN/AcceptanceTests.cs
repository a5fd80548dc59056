using CudaTensor.NN;
using CudaTensor.Optim;
using NUnit.Framework;

namespace CudaTensor.Tests.NN;

/// <summary>
/// The acceptance program of the neural-network issue, line for line, with what it prints captured and checked:
/// a module's parameters go straight into an optimizer, as in PyTorch.
/// </summary>
[TestFixture]
[NonParallelizable] // reseeds the global generator and redirects Console.Out
public sealed class NNAcceptanceTests
{
    [Test]
    public void LinearAdamStepLowersTheSumOnTheCpu() => Assert.That(Run(Device.Cpu), Is.EqualTo("True"));

    [Test]
    public void LinearAdamStepLowersTheSumOnTheDefaultDevice()
        => Assert.That(Run(Cuda.IsAvailable ? Device.Cuda() : Device.Cpu), Is.EqualTo("True"));

    private static string Run(Device device)
    {
        var console = Console.Out;
        using var printed = new StringWriter();
        Console.SetOut(printed);
        try
        {
            Tensor.ManualSeed(0);
            var model = new Linear(1000, 10).To(device);
            var optimizer = new Adam(model.Parameters(), lr: 1e-3);
            var x = Tensor.Randn([64, 1000]).To(device);
            var y = model.Forward(x);
            var loss = y.Sum();
            loss.Backward();
            optimizer.Step();
            Console.WriteLine(model.Forward(x).Sum().Item<float>() < loss.Item<float>()); // True
        }
        finally
        {
            Console.SetOut(console);
        }
        return printed.ToString().Trim();
    }
}

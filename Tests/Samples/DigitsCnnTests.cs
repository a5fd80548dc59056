using CudaTensor.Samples.Digits;
using CudaTensor.Serialization;
using NUnit.Framework;

namespace CudaTensor.Tests.Samples;

/// <summary>
/// The Digits sample's convolutional model (<c>--model cnn</c>) end to end on the CPU: a short seeded run learns
/// through Conv2d, MaxPool2d and their gradients, and its saved weights reproduce its accuracy in a fresh model.
/// </summary>
[TestFixture]
[NonParallelizable] // reseeds the global generator
public sealed class DigitsCnnTests
{
    private const int Epochs = 8;
    private string _outDir = "";
    private DigitsResult _result = null!;
    private string _log = "";

    [OneTimeSetUp]
    public void TrainOnce()
    {
        _outDir = Path.Combine(Path.GetTempPath(), "cudatensor-digits-cnn-" + Guid.NewGuid().ToString("N"));
        var options = new DigitsOptions { Device = Device.Cpu, Model = DigitsModelKind.Cnn, Epochs = Epochs, Seed = 1, OutputDirectory = _outDir };
        using var log = new StringWriter();
        _result = DigitsRun.Run(options, log);
        _log = log.ToString();
    }

    [OneTimeTearDown]
    public void RemoveOutput()
    {
        if (Directory.Exists(_outDir)) Directory.Delete(_outDir, recursive: true);
    }

    [Test]
    public void ShortRunReachesNinetyPercentOnTheTestSplit()
    {
        Assert.That(_log, Does.Contain("CNN (3x3 kernels, ReLU, dropout 0.1), 6,090 parameters"));
        Assert.That(_result.TestAccuracy.Fraction, Is.GreaterThanOrEqualTo(0.90), _log);
        Assert.That(_result.History[^1].Loss, Is.LessThan(_result.History[0].Loss / 2), _log);
    }

    [Test]
    public void SavedWeightsAreTheConvolutionalStateAndReproduceTheAccuracy()
    {
        Assert.That(Path.GetFileName(_result.WeightsPath), Is.EqualTo("digits-cnn.safetensors"));
        Assert.That(_result.ReloadedTestAccuracy, Is.EqualTo(_result.TestAccuracy));
        var state = SafeTensors.Load(_result.WeightsPath);
        try
        {
            Assert.That(state.Keys.Order(StringComparer.Ordinal),
                Is.EqualTo(new[] { "conv1.bias", "conv1.weight", "conv2.bias", "conv2.weight", "fc.bias", "fc.weight" }));
            Assert.That(state["conv2.weight"].Shape.ToArray(), Is.EqualTo(new long[] { 32, 16, 3, 3 }));
            Assert.That(state["fc.weight"].Shape.ToArray(), Is.EqualTo(new long[] { 10, 128 }));
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    [Test]
    public void ModelOptionParsesAndRejectsUnknownNames()
    {
        Assert.That(DigitsOptions.Parse([]).Model, Is.EqualTo(DigitsModelKind.Mlp));
        Assert.That(DigitsOptions.Parse(["--model", "cnn"]).Model, Is.EqualTo(DigitsModelKind.Cnn));
        Assert.That(DigitsOptions.Parse(["--model=MLP"]).Model, Is.EqualTo(DigitsModelKind.Mlp));
        Assert.That(() => DigitsOptions.Parse(["--model", "rnn"]), Throws.TypeOf<OptionsException>().With.Message.Contains("use mlp or cnn"));
        Assert.That(() => DigitsModels.Create(DigitsModelKind.Cnn, 63, 10, 0.1), Throws.ArgumentException.With.Message.Contains("8x8"));
    }
}

using CudaTensor.Samples;
using CudaTensor.Samples.Digits;
using CudaTensor.Serialization;
using NUnit.Framework;

namespace CudaTensor.Tests.Samples;

/// <summary>
/// The Digits sample's convolutional model (<c>--model cnn</c>) end to end on the CPU: a short seeded run learns
/// through Conv2d, MaxPool2d and their gradients, and its saved weights reproduce its accuracy in a fresh model.
/// </summary>
[TestFixture]
public sealed class DigitsCnnTests() : TrainedDigitsRun(DigitsModelKind.Cnn)
{
    [Test]
    public void ShortRunReachesNinetyPercentOnTheTestSplit()
    {
        Assert.That(Log, Does.Contain("CNN (3x3 kernels, ReLU, dropout 0.1), 6,090 parameters"));
        Assert.That(Result.TestAccuracy.Fraction, Is.GreaterThanOrEqualTo(0.90), Log);
        Assert.That(Result.History[^1].Loss, Is.LessThan(Result.History[0].Loss / 2), Log);
    }

    [Test]
    public void SavedWeightsAreTheConvolutionalStateAndReproduceTheAccuracy()
    {
        Assert.That(Path.GetFileName(Result.WeightsPath), Is.EqualTo("digits-cnn.safetensors"));
        Assert.That(Result.ReloadedTestAccuracy, Is.EqualTo(Result.TestAccuracy));
        var state = SafeTensors.Load(Result.WeightsPath);
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
        Assert.That(() => DigitsOptions.Parse(["--model", "rnn"]), Throws.TypeOf<OptionsException>().With.Message.Contains("mlp, cnn"));
        Assert.That(() => DigitsModels.Create(DigitsModelKind.Cnn, 63, 10, 0.1), Throws.ArgumentException.With.Message.Contains("8x8"));
    }
}

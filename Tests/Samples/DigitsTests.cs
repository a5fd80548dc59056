using CudaTensor.Samples;
using CudaTensor.Samples.Digits;
using CudaTensor.Serialization;
using NUnit.Framework;

namespace CudaTensor.Tests.Samples;

/// <summary>
/// The Digits sample end to end on the CPU: a short seeded run learns, its saved weights reproduce its test
/// accuracy in a fresh model, the plot is a PNG, and bad command lines exit with code 2.
/// </summary>
[TestFixture]
public sealed class DigitsTests() : TrainedDigitsRun(DigitsModelKind.Mlp)
{
    [Test]
    public void ShortRunReachesNinetyPercentOnTheTestSplit()
    {
        Assert.That(Result.History, Has.Count.EqualTo(Epochs));
        Assert.That(Result.TestAccuracy.Total, Is.EqualTo(359)); // 20% of 1797, rounded
        Assert.That(Result.TestAccuracy.Fraction, Is.GreaterThanOrEqualTo(0.90), Log);
        Assert.That(Result.History[^1].Loss, Is.LessThan(Result.History[0].Loss), Log);
    }

    [Test]
    public void LogNamesTheDeviceAndHasOneLinePerEpoch()
    {
        var lines = Log.Split('\n', StringSplitOptions.TrimEntries);
        Assert.That(lines[0], Does.StartWith("Using CPU"));
        Assert.That(lines.Count(l => l.StartsWith("epoch ", StringComparison.Ordinal)), Is.EqualTo(Epochs));
        Assert.That(Log, Does.Contain("Final test accuracy: " + Result.TestAccuracy));
    }

    [Test]
    public void SavedWeightsReproduceTheTestAccuracyInAFreshModel()
    {
        Assert.That(File.Exists(Result.WeightsPath), Result.WeightsPath);
        Assert.That(Result.ReloadedTestAccuracy, Is.EqualTo(Result.TestAccuracy));

        // Independently of the run: the file holds exactly the model's state dict, and loading it into another
        // fresh model (same split, same standardization) gives the same count of correct test predictions.
        var state = SafeTensors.Load(Result.WeightsPath);
        try
        {
            Assert.That(state.Keys.Order(StringComparer.Ordinal),
                Is.EqualTo(new[] { "fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight", "fc3.bias", "fc3.weight" }));
            Assert.That(state["fc1.weight"].Shape.ToArray(), Is.EqualTo(new long[] { 128, 64 }));
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
        using var data = DigitsData.Load(DigitsData.DefaultPath, seed: 1);
        Assert.That(DigitsRun.EvaluateSaved(Result.WeightsPath, data, Device.Cpu), Is.EqualTo(Result.TestAccuracy));
    }

    [Test]
    public void PlotIsAPngFile()
    {
        Assert.That(File.Exists(Result.PlotPath), Result.PlotPath);
        byte[] signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        var head = File.ReadAllBytes(Result.PlotPath).Take(signature.Length).ToArray();
        Assert.That(head, Is.EqualTo(signature));
    }

    [Test]
    public void StandardizedTrainingFeaturesHaveZeroMeanAndUnitOrZeroSpread()
    {
        using var data = DigitsData.Load(DigitsData.DefaultPath, seed: 1);
        using var mean = data.TrainFeatures.Mean(0);
        using var std = data.TrainFeatures.Std(0, unbiased: false);
        Assert.That(mean.ToArray<float>().Max(Math.Abs), Is.LessThan(1e-5f));
        var spreads = std.ToArray<float>();
        Assert.That(spreads, Has.All.Matches<float>(s => Math.Abs(s - 1) < 1e-4 || s == 0));
        Assert.That(spreads.Count(s => s == 0), Is.EqualTo(data.ConstantFeatures));
        Assert.That(data.TrainLabels.Size(0) + data.TestLabels.Size(0), Is.EqualTo(1797));
    }

    [Test]
    public void OptionsParseBothSpellingsAndKeepDefaults()
    {
        var defaults = DigitsOptions.Parse([]);
        Assert.That((defaults.Device, defaults.Epochs, defaults.BatchSize, defaults.LearningRate, defaults.Seed, defaults.OutputDirectory),
            Is.EqualTo(((Device?)null, 30, 64, 1e-3, 0UL, "out")));
        var o = DigitsOptions.Parse(["--device", "cpu", "--epochs=3", "--batch-size", "32", "--lr", "5e-4", "--seed", "7", "--out", "x/y"]);
        Assert.That((o.Device, o.Epochs, o.BatchSize, o.LearningRate, o.Seed, o.OutputDirectory),
            Is.EqualTo(((Device?)Device.Cpu, 3, 32, 5e-4, 7UL, "x/y")));
        Assert.That(DigitsOptions.Parse(["--device", "cuda:1"]).Device, Is.EqualTo(Device.Cuda(1)));
        Assert.That(DigitsOptions.Parse(["--help"]).ShowHelp, Is.True);
    }

    [Test]
    public void DiagnosePrintsTheCudaReportAndTrainsNothing()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string fresh = Path.Combine(Path.GetTempPath(), "cudatensor-diagnose-" + Guid.NewGuid().ToString("N"));
        Assert.That(DigitsCommand.Run(["--diagnose", "--out", fresh], output, error), Is.EqualTo(DigitsCommand.Success));
        // The report always has a line for the driver library (its path, or why it was not found) and a status.
        Assert.That(output.ToString(), Does.Contain("CUDA driver:").And.Contain("Status:"));
        Assert.That(output.ToString(), Does.Not.Contain("epoch"));
        Assert.That(Directory.Exists(fresh), Is.False, "--diagnose must not train or write anything");
    }

    [TestCase("--epochs", "0", "positive whole number")]
    [TestCase("--epochs", "many", "positive whole number")]
    [TestCase("--batch-size", "-4", "positive whole number")]
    [TestCase("--lr", "0", "positive number")]
    [TestCase("--device", "tpu", "cpu, cuda or cuda:N")]
    [TestCase("--seed", "-1", "whole number")]
    [TestCase("--dropout", "1", "0 <= p < 1")]
    [TestCase("--colour", "red", "unknown option '--colour'")]
    public void BadOptionValuesExitWithCodeTwoAndSayWhy(string name, string value, string message)
    {
        Assert.That(() => DigitsOptions.Parse([name, value]), Throws.TypeOf<OptionsException>().With.Message.Contains(message));
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.That(DigitsCommand.Run([name, value], output, error), Is.EqualTo(DigitsCommand.UsageError));
        Assert.That(error.ToString(), Does.StartWith("digits: ").And.Contain(message));
        Assert.That(output.ToString(), Is.Empty);
    }

    [Test]
    public void MissingValuesAndStrayArgumentsAreUsageErrors()
    {
        Assert.That(() => DigitsOptions.Parse(["--epochs"]), Throws.TypeOf<OptionsException>().With.Message.Contains("--epochs needs a value"));
        Assert.That(() => DigitsOptions.Parse(["--out", "--epochs", "3"]), Throws.TypeOf<OptionsException>().With.Message.Contains("--out needs a value"));
        Assert.That(() => DigitsOptions.Parse(["digits.csv"]), Throws.TypeOf<OptionsException>().With.Message.Contains("unexpected argument"));
    }

    [Test]
    public void HelpPrintsUsageAndSucceeds()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.That(DigitsCommand.Run(["--help"], output, error), Is.EqualTo(DigitsCommand.Success));
        Assert.That(output.ToString(), Does.Contain("--batch-size").And.Contain("--device"));
    }

    [Test]
    public void MissingDataFileFailsWithCodeOne()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string missing = Path.Combine(OutDir, "no-such.csv");
        Assert.That(DigitsCommand.Run(["--device", "cpu", "--data", missing, "--out", OutDir], output, error), Is.EqualTo(DigitsCommand.Failure));
        Assert.That(error.ToString(), Does.Contain("no-such.csv"));
    }
}

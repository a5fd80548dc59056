using System.Globalization;
using CudaTensor.Distributed;
using CudaTensor.NN;
using CudaTensor.Serialization;

namespace CudaTensor.Samples.Digits;

/// <summary>What a run produced.</summary>
/// <param name="Device">Where it trained.</param>
/// <param name="History">One entry per epoch.</param>
/// <param name="TestAccuracy">The trained model's test accuracy.</param>
/// <param name="ReloadedTestAccuracy">The test accuracy of a fresh model loaded from <paramref name="WeightsPath"/>.</param>
/// <param name="WeightsPath">The saved state dict (safetensors).</param>
/// <param name="PlotPath">The PNG of loss and accuracy per epoch.</param>
public sealed record DigitsResult(Device Device, IReadOnlyList<EpochStats> History, Accuracy TestAccuracy,
    Accuracy ReloadedTestAccuracy, string WeightsPath, string PlotPath);

/// <summary>The whole program: data, training with progress lines, saving, and the reload check.</summary>
public static class DigitsRun
{
    /// <summary>File name of the saved weights inside the output folder: <c>digits-mlp.safetensors</c> or <c>digits-cnn.safetensors</c>.</summary>
    public static string WeightsFileName(DigitsModelKind kind) => $"digits-{DigitsModels.Name(kind)}.safetensors";

    /// <summary>File name of the plot inside the output folder.</summary>
    public const string PlotFileName = "digits-training.png";

    /// <summary>Trains and evaluates with <paramref name="options"/>, writing progress to <paramref name="log"/>.</summary>
    /// <exception cref="InvalidOperationException">The requested device cannot be used.</exception>
    /// <exception cref="FileNotFoundException">The data file is missing.</exception>
    public static DigitsResult Run(DigitsOptions options, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var inv = CultureInfo.InvariantCulture;
        if (options.Distributed && options.CompileStep)
            throw new InvalidOperationException("--distributed and --compile cannot be combined: the compiled step does not run DistributedDataParallel's gradient hooks.");
        // Data parallel: every rank runs this program; rank 0 prints and writes the files.
        var world = options.Distributed ? ProcessGroup.Initialize() : null;
        bool lead = world is null || world.Rank == 0;
        if (!lead) log = TextWriter.Null;

        var selection = DeviceSelection.Choose(options.Device ?? world?.DefaultDevice);
        var device = selection.Device;
        log.WriteLine(selection.Description);

        string dataPath = options.DataPath ?? DigitsData.DefaultPath;
        using var data = DigitsData.Load(dataPath, options.Seed);
        log.WriteLine(string.Format(inv, "Data: {0}: {1} train / {2} test samples, {3} features ({4} constant in training, left unscaled), seed {5}",
            Path.GetFileName(dataPath), data.TrainLabels.Size(0), data.TestLabels.Size(0), data.Features, data.ConstantFeatures, options.Seed));

        // One seed fixes everything random: the split (above), the initial weights and dropout (the global
        // generator), and the shuffling (the loader's own generator).
        Tensor.ManualSeed(options.Seed);
        using var model = DigitsModels.Create(options.Model, (int)data.Features, DigitsData.Classes, options.Dropout).To(device);
        log.WriteLine(string.Format(inv, "Model: {0}; cross-entropy, Adam lr {1}, batch size {2}, {3} epochs",
            ((IDigitsModel)model).Describe(), options.LearningRate, options.BatchSize, options.Epochs));

        var history = new List<EpochStats>(options.Epochs);
        if (world is not null)
            log.WriteLine(string.Format(inv, "Distributed: {0} ranks ({1}), DistributedDataParallel + DistributedSampler, {2} samples per rank per batch",
                world.WorldSize, world.Backend, Math.Max(1, options.BatchSize / world.WorldSize)));
        using var trainer = new Trainer(model, data, device, options, world);
        if (trainer.IsCompiled) log.WriteLine("Training step: compiled (Compile.Function: the first call runs eagerly, the second is captured, later calls replay)");
        int width = options.Epochs.ToString(inv).Length;
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            var stats = trainer.RunEpoch(data);
            history.Add(stats);
            log.WriteLine(string.Format(inv, "epoch {0}/{1}  loss {2:F4}  train {3,7}  test {4,7}  {5,5:F0} ms",
                stats.Epoch.ToString(inv).PadLeft(width), options.Epochs, stats.Loss,
                Accuracy.Percent(stats.TrainAccuracy.Fraction), Accuracy.Percent(stats.TestAccuracy.Fraction), stats.Elapsed.TotalMilliseconds));
        }

        var testAccuracy = Trainer.Evaluate(model, data.TestFeatures, data.TestLabels, device);
        log.WriteLine($"Final test accuracy: {testAccuracy}");

        if (!lead) return new DigitsResult(device, history, testAccuracy, testAccuracy, "", "");
        Directory.CreateDirectory(options.OutputDirectory);
        string weightsFile = WeightsFileName(options.Model);
        string weightsPath = Path.Combine(options.OutputDirectory, weightsFile);
        string plotPath = Path.Combine(options.OutputDirectory, PlotFileName);
        SafeTensors.Save(model.StateDict(), weightsPath, new Dictionary<string, string>
        {
            ["model"] = model.GetType().Name,
            ["test_accuracy"] = testAccuracy.Fraction.ToString("R", inv),
        });
        TrainingPlot.SavePng(history, plotPath, $"Digits {options.Model.ToString().ToUpperInvariant()} on {device}: test accuracy {Accuracy.Percent(testAccuracy.Fraction)}");
        log.WriteLine($"Saved weights: {weightsPath}");
        log.WriteLine($"Saved plot:    {plotPath}");

        var reloaded = EvaluateSaved(weightsPath, data, device, options.Dropout, options.Model);
        string verdict = reloaded == testAccuracy ? "the same as the trained model" : $"DIFFERENT from the trained model's {testAccuracy}";
        log.WriteLine($"Reloaded {weightsFile} into a fresh model: test accuracy {reloaded}, {verdict}");

        if (trainer.IsCompiled)
        {
            // After saving: the measurement trains the model further.
            const int steps = 50;
            var (eager, compiled) = trainer.MeasureStep(steps);
            log.WriteLine(string.Format(inv, "Step time, median of {0} alternating steps on one batch: eager {1:F3} ms, compiled {2:F3} ms ({3:F2}x)",
                steps, eager.TotalMilliseconds, compiled.TotalMilliseconds, eager / compiled));
        }

        return new DigitsResult(device, history, testAccuracy, reloaded, weightsPath, plotPath);
    }

    /// <summary>Loads the state dict at <paramref name="weightsPath"/> into a fresh model (strict) and measures its test accuracy.</summary>
    public static Accuracy EvaluateSaved(string weightsPath, DigitsData data, Device device, double dropout = 0.1, DigitsModelKind kind = DigitsModelKind.Mlp)
    {
        ArgumentNullException.ThrowIfNull(data);
        var state = SafeTensors.Load(weightsPath, device);
        try
        {
            using var fresh = DigitsModels.Create(kind, (int)data.Features, DigitsData.Classes, dropout).To(device);
            fresh.LoadStateDict(state);
            return Trainer.Evaluate(fresh, data.TestFeatures, data.TestLabels, device);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using CudaTensor.NN;
using CudaTensor.Optim;
using CudaTensor.Serialization;

namespace CudaTensor.Samples.TinyLM;

/// <summary>What a run measured.</summary>
public sealed record TinyLMResult(IReadOnlyList<EpochResult> History, double UnigramLoss, double ReloadedValidationLoss, string Sample)
{
    public double UnigramPerplexity => Math.Exp(UnigramLoss);
}

/// <summary>One run: load the corpus, build the model, train with validation after each epoch, save, reload, sample.</summary>
public static class TinyLMRun
{
    public static TinyLMResult Run(TinyLMOptions options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var device = DeviceSelection.Choose(options.Device);
        output.WriteLine(device.Description);
        var corpus = TextCorpus.Load(options.DataPath ?? TextCorpus.DefaultPath, options.Context);
        double unigram = corpus.UnigramValidationLoss(options.ValidationChars);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Corpus: {corpus.Train.Length + corpus.Validation.Length:N0} characters, {corpus.Vocabulary.Size} distinct; unigram baseline: loss {unigram:F4}, perplexity {Math.Exp(unigram):F2}"));

        Tensor.ManualSeed(options.Seed);
        using var model = Build(options, corpus.Vocabulary.Size);
        model.To(device.Device);
        long parameters = model.Parameters().Sum(p => p.NumElements);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Model: {Describe(options)}, {parameters:N0} parameters"));

        using var optimizer = new AdamW(model.Parameters(), lr: options.LearningRate, weightDecay: 0.01);
        int totalSteps = options.Epochs * options.StepsPerEpoch;
        // Warm-up then cosine decay, composed as in PyTorch: LinearLR for the warm-up steps, then CosineAnnealingLR to lr/10.
        var schedule = new SequentialLR(optimizer,
            [new LinearLR(optimizer, startFactor: 1.0 / options.WarmupSteps, totalIters: options.WarmupSteps),
             new CosineAnnealingLR(optimizer, tMax: Math.Max(1, totalSteps - options.WarmupSteps), etaMin: options.LearningRate / 10)],
            milestones: [options.WarmupSteps]);
        var lossFn = new CrossEntropyLoss();
        var random = new Random((int)(options.Seed % int.MaxValue));
        var progress = new ProgressLine(output, ProgressLine.IsTerminal(output), plainEvery: Math.Max(1, options.StepsPerEpoch / 4));
        var history = new List<EpochResult>();
        var clock = Stopwatch.StartNew();
        int step = 0;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            model.Train();
            double lossSum = 0;
            var epochClock = Stopwatch.StartNew();
            for (int s = 1; s <= options.StepsPerEpoch; s++, step++)
            {
                double loss = TrainStep(model, lossFn, optimizer, corpus, random, options, device.Device);
                schedule.Step();
                lossSum += loss;
                double rate = (step + 1) / clock.Elapsed.TotalSeconds;
                progress.Report(() => string.Create(CultureInfo.InvariantCulture,
                    $"epoch {epoch}/{options.Epochs}  step {s}/{options.StepsPerEpoch}  loss {loss:F4}  lr {schedule.LastLrs[0]:0.####e0}  {rate:F1} steps/s  ETA {ProgressLine.Format(TimeSpan.FromSeconds((totalSteps - step - 1) / rate))}"),
                    force: s == options.StepsPerEpoch);
            }
            progress.Finish();
            double validation = ValidationLoss(model, corpus, options, device.Device);
            var result = new EpochResult(epoch, lossSum / options.StepsPerEpoch, validation, options.StepsPerEpoch / epochClock.Elapsed.TotalSeconds);
            history.Add(result);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Epoch {epoch}/{options.Epochs}: train loss {result.TrainLoss:F4}, validation loss {validation:F4}, perplexity {result.Perplexity:F2} ({result.StepsPerSecond:F1} steps/s)"));
        }

        Directory.CreateDirectory(options.OutputDirectory);
        string name = options.Model == LanguageModelKind.Lstm ? "lstm" : "transformer";
        string weights = Path.Combine(options.OutputDirectory, $"tinylm-{name}.safetensors");
        var metadata = new Dictionary<string, string> { ["vocabulary"] = corpus.Vocabulary.Characters, ["model"] = Describe(options) };
        SafeTensors.Save(model.StateDict(), weights, metadata);
        string plot = Path.Combine(options.OutputDirectory, "tinylm-training.png");
        CurvesPlot.SavePng(history, unigram, plot, $"TinyLM ({name}) on Tiny Shakespeare");
        output.WriteLine($"Saved {weights} and {plot}");

        // The saved file alone must rebuild the model: load it into a fresh one and score the validation text again.
        using var reloaded = Build(options, corpus.Vocabulary.Size);
        reloaded.To(device.Device);
        var content = SafeTensors.LoadWithMetadata(weights, device.Device);
        reloaded.LoadStateDict(content.Tensors);
        foreach (var t in content.Tensors.Values) t.Dispose();
        double reloadedLoss = ValidationLoss(reloaded, corpus, options, device.Device);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Reloaded weights: validation loss {reloadedLoss:F4}"));

        double final = history[^1].ValidationLoss;
        output.WriteLine(FinalLine(final, unigram));
        model.Eval();
        string sample = TextSampler.Continue((ILanguageModel)model, corpus.Vocabulary, options.Prompt, options.SampleChars, options.Temperature, options.TopK,
            new Random((int)(options.Seed % int.MaxValue) + 1), device.Device);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Sample (temperature {options.Temperature}, top-k {options.TopK}):"));
        output.WriteLine(sample);
        return new TinyLMResult(history, unigram, reloadedLoss, sample);
    }

    /// <summary>
    /// The closing line: the final validation perplexity against the unigram baseline's, as a ratio that reads "lower"
    /// when the model beats the baseline and "higher" when it does not (a run too short, or diverged).
    /// </summary>
    public static string FinalLine(double finalLoss, double unigramLoss)
    {
        double perplexity = Math.Exp(finalLoss), baseline = Math.Exp(unigramLoss);
        string comparison = perplexity <= baseline
            ? string.Create(CultureInfo.InvariantCulture, $"{baseline / perplexity:F1}x lower")
            : string.Create(CultureInfo.InvariantCulture, $"{perplexity / baseline:F1}x higher");
        return string.Create(CultureInfo.InvariantCulture, $"Final validation perplexity: {perplexity:F2} (unigram baseline {baseline:F2}, {comparison})");
    }

    public static Module Build(TinyLMOptions o, int vocabulary) => o.Model switch
    {
        LanguageModelKind.Transformer => new TransformerLanguageModel(vocabulary, o.Context, o.Width, o.Heads, o.Layers, o.Dropout),
        _ => new LstmLanguageModel(vocabulary, o.Context, o.Width, o.Layers, o.Dropout),
    };

    private static string Describe(TinyLMOptions o) => o.Model == LanguageModelKind.Transformer
        ? $"transformer, {o.Layers} blocks, width {o.Width}, {o.Heads} heads, context {o.Context}"
        : $"LSTM, {o.Layers} layers, hidden {o.Width}";

    private static double TrainStep(Module model, CrossEntropyLoss lossFn, Optimizer optimizer, TextCorpus corpus, Random random, TinyLMOptions o, Device device)
    {
        using var scope = Tensor.NewScope();
        var (inputs, targets) = corpus.TrainingBatch(random, o.BatchSize, o.Context, device);
        optimizer.ZeroGrad();
        var logits = model.Forward(inputs);
        var loss = lossFn.Forward(logits.View(-1, logits.Shape[^1]), targets.View(-1));
        loss.Backward();
        GradientClipping.ClipGradNorm(model.Parameters(), o.ClipNorm);
        optimizer.Step();
        return loss.Item<float>();
    }

    /// <summary>Mean cross-entropy per character over the validation windows (dropout off, no graph).</summary>
    public static double ValidationLoss(Module model, TextCorpus corpus, TinyLMOptions o, Device device)
    {
        bool training = model.IsTraining;
        model.Eval();
        using var noGrad = Autograd.NoGrad();
        double sum = 0;
        long count = 0;
        foreach (var (inputs, targets) in corpus.ValidationBatches(o.BatchSize, o.Context, o.ValidationChars, device))
        {
            using (inputs)
            using (targets)
            using (Tensor.NewScope())
            {
                var logits = model.Forward(inputs);
                var loss = Functional.CrossEntropy(logits.View(-1, logits.Shape[^1]), targets.View(-1), reduction: Reduction.Sum);
                sum += loss.Item<float>();
                count += targets.NumElements;
            }
        }
        if (training) model.Train();
        return sum / count;
    }
}

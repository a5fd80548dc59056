using CudaTensor.Samples;
using CudaTensor.Samples.TinyLM;
using NUnit.Framework;

namespace CudaTensor.Tests.Samples;

/// <summary>The TinyLM sample's parts (vocabulary, windows, sampling, options) and a short training run end to end.</summary>
[TestFixture]
public sealed class TinyLMTests
{
    [Test]
    public void VocabularyIsSortedAndRoundTrips()
    {
        var v = new CharVocabulary("hello world");
        Assert.That(v.Characters, Is.EqualTo(" dehlorw"));
        Assert.That(v.Encode("howl"), Is.EqualTo(new long[] { 3, 5, 7, 4 }));
        Assert.That(string.Concat(v.Encode("world").Select(v.Decode)), Is.EqualTo("world"));
        Assert.That(() => v.Encode("hex"), Throws.ArgumentException.With.Message.Contains("'x'").And.Message.Contains("position 2"));
    }

    [Test]
    public void TargetsAreTheInputsOneCharacterLater()
    {
        string path = WriteText(string.Concat(Enumerable.Repeat("abcdefghij", 40)));
        var corpus = TextCorpus.Load(path, context: 8);
        var (inputs, targets) = corpus.TrainingBatch(new Random(3), batch: 4, context: 8, Device.Cpu);
        using (inputs)
        using (targets)
        {
            long[] x = inputs.ToArray<long>(), y = targets.ToArray<long>();
            Assert.That(inputs.Shape.ToArray(), Is.EqualTo(new long[] { 4, 8 }));
            for (int i = 0; i < x.Length; i++) Assert.That(y[i], Is.EqualTo((x[i] + 1) % 10), $"position {i}");
        }
        // 400 characters: the last 40 are validation, scored as four windows of 8 (the 41st character has no target).
        var windows = corpus.ValidationBatches(batch: 3, context: 8, maxTokens: 1000, Device.Cpu).ToList();
        Assert.That(windows.Select(w => w.Inputs.Shape[0]), Is.EqualTo(new long[] { 3, 1 }));
        foreach (var (i, t) in windows)
        {
            i.Dispose();
            t.Dispose();
        }
    }

    [Test]
    public void UnigramLossIsTheEntropyOfUniformText()
    {
        // Ten characters equally frequent in both splits: add-one smoothing keeps them equal, so the loss is ln 10.
        string path = WriteText(string.Concat(Enumerable.Repeat("abcdefghij", 100)));
        var corpus = TextCorpus.Load(path, context: 8);
        Assert.That(corpus.UnigramValidationLoss(10_000), Is.EqualTo(Math.Log(10)).Within(1e-12));
    }

    [Test]
    public void DrawKeepsToTheTopKAndFollowsTheTemperature()
    {
        double[] logits = [0.0, 3.0, 1.0, 2.0];
        var random = new Random(5);
        Assert.That(Enumerable.Range(0, 50).Select(_ => TextSampler.Draw(logits, 1.0, 1, random)).Distinct(), Is.EqualTo(new long[] { 1 }));
        var drawn = Enumerable.Range(0, 4000).Select(_ => TextSampler.Draw(logits, 1.0, 2, random)).ToList();
        Assert.That(drawn.Distinct().Order(), Is.EqualTo(new long[] { 1, 3 }));
        // P(1) = e^3 / (e^3 + e^2) = 0.731 among the top two.
        Assert.That(drawn.Count(t => t == 1) / 4000.0, Is.EqualTo(Math.E / (Math.E + 1)).Within(0.03));
    }

    [TestCase("--model", "rnn", "transformer, lstm")]
    [TestCase("--steps", "0", "positive whole number")]
    [TestCase("--temperature", "-1", "positive number")]
    [TestCase("--colour", "red", "unknown option '--colour'")]
    public void BadOptionsExitWithCodeTwo(string name, string value, string message)
    {
        Assert.That(() => TinyLMOptions.Parse([name, value]), Throws.TypeOf<OptionsException>().With.Message.Contains(message));
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.That(TinyLMCommand.Run([name, value], output, error), Is.EqualTo(2));
        Assert.That(error.ToString(), Does.StartWith("tinylm: ").And.Contain(message));
    }

    [Test]
    public void WidthMustSplitIntoHeads() =>
        Assert.That(() => TinyLMOptions.Parse(["--width", "30", "--heads", "4"]), Throws.TypeOf<OptionsException>().With.Message.Contains("multiple of --heads 4"));

    [Test]
    public void TheFinalLineSaysWhetherTheModelBeatsTheBaseline()
    {
        // Perplexity e^2 ≈ 7.39 against a baseline of e^3 ≈ 20.09: 2.7x lower; reversed, 2.7x higher, never "lower".
        Assert.That(TinyLMRun.FinalLine(2.0, 3.0), Is.EqualTo("Final validation perplexity: 7.39 (unigram baseline 20.09, 2.7x lower)"));
        Assert.That(TinyLMRun.FinalLine(3.0, 2.0), Is.EqualTo("Final validation perplexity: 20.09 (unigram baseline 7.39, 2.7x higher)"));
        Assert.That(TinyLMRun.FinalLine(2.5, 2.5), Does.EndWith("1.0x lower)"));
    }

    [Test]
    public void AShortRunLearnsMoreThanCharacterFrequencies()
    {
        string outDir = Path.Combine(Path.GetTempPath(), "cudatensor-tinylm-" + Guid.NewGuid().ToString("N"));
        var options = new TinyLMOptions
        {
            Device = Device.Cpu, Epochs = 2, StepsPerEpoch = 60, BatchSize = 16, Context = 32, Width = 48, Heads = 4, Layers = 1,
            LearningRate = 1e-2, WarmupSteps = 10, ValidationChars = 4096, SampleChars = 40, OutputDirectory = outDir, Seed = 1,
        };
        using var output = new StringWriter();
        try
        {
            var result = TinyLMRun.Run(options, output);
            Assert.That(result.History, Has.Count.EqualTo(2));
            // Character frequencies alone give the unigram loss (3.3 nats); 120 steps of context must beat them clearly.
            Assert.That(result.History[^1].ValidationLoss, Is.LessThan(result.UnigramLoss - 0.4), output.ToString());
            Assert.That(result.ReloadedValidationLoss, Is.EqualTo(result.History[^1].ValidationLoss), "the saved weights score what the trained model scored");
            Assert.That(result.Sample, Does.StartWith(options.Prompt).And.Length.EqualTo(options.Prompt.Length + 40));
            Assert.That(File.Exists(Path.Combine(outDir, "tinylm-transformer.safetensors")) && File.Exists(Path.Combine(outDir, "tinylm-training.png")), Is.True);
        }
        finally
        {
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        }
    }

    private static string WriteText(string text)
    {
        string path = Path.Combine(Path.GetTempPath(), "cudatensor-tinylm-" + Guid.NewGuid().ToString("N") + ".txt");
        File.WriteAllText(path, text);
        return path;
    }
}

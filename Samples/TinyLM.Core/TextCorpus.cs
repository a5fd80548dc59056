namespace CudaTensor.Samples.TinyLM;

/// <summary>
/// A text split into a training part (the first 90%) and a validation part (the rest), as tokens. Training batches
/// are windows at random offsets; validation reads consecutive windows, so every run scores the same characters.
/// </summary>
public sealed class TextCorpus
{
    private TextCorpus(CharVocabulary vocabulary, long[] train, long[] validation)
    {
        Vocabulary = vocabulary;
        Train = train;
        Validation = validation;
    }

    /// <summary>The copy of Tiny Shakespeare next to the program (Samples/TinyLM/data).</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "data", "tinyshakespeare.txt");

    public CharVocabulary Vocabulary { get; }

    public long[] Train { get; }

    public long[] Validation { get; }

    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The text is too short to split into windows of <paramref name="context"/> characters.</exception>
    public static TextCorpus Load(string path, int context)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"TinyLM: the corpus '{path}' does not exist (--data FILE names another).", path);
        string text = File.ReadAllText(path);
        int split = (int)(text.Length * 0.9);
        if (split <= context + 1 || text.Length - split <= context + 1)
            throw new InvalidDataException($"TinyLM: '{path}' has {text.Length} characters: too few for windows of {context} (--context) in both splits.");
        var vocabulary = new CharVocabulary(text);
        var tokens = vocabulary.Encode(text);
        return new TextCorpus(vocabulary, tokens[..split], tokens[split..]);
    }

    /// <summary>
    /// <paramref name="batch"/> windows of <paramref name="context"/> tokens at random offsets of the training part:
    /// inputs [batch, context] and targets, the same windows one token later.
    /// </summary>
    public (Tensor Inputs, Tensor Targets) TrainingBatch(Random random, int batch, int context, Device device)
    {
        ArgumentNullException.ThrowIfNull(random);
        var offsets = new int[batch];
        for (int b = 0; b < batch; b++) offsets[b] = random.Next(Train.Length - context);
        return Windows(Train, offsets, context, device);
    }

    /// <summary>Consecutive windows covering the first <paramref name="maxTokens"/> validation tokens, in batches.</summary>
    public IEnumerable<(Tensor Inputs, Tensor Targets)> ValidationBatches(int batch, int context, int maxTokens, Device device)
    {
        int windows = (Math.Min(maxTokens, Validation.Length) - 1) / context;
        for (int first = 0; first < windows; first += batch)
        {
            int count = Math.Min(batch, windows - first);
            var offsets = Enumerable.Range(first, count).Select(w => w * context).ToArray();
            yield return Windows(Validation, offsets, context, device);
        }
    }

    /// <summary>
    /// The cross-entropy (nats per character) of the validation part under the training part's character
    /// frequencies (add-one smoothed): what a model that ignores context scores.
    /// </summary>
    public double UnigramValidationLoss(int maxTokens)
    {
        var counts = new long[Vocabulary.Size];
        foreach (long t in Train) counts[t]++;
        double total = Train.Length + Vocabulary.Size;
        int n = Math.Min(maxTokens, Validation.Length);
        double sum = 0;
        for (int i = 0; i < n; i++) sum -= Math.Log((counts[Validation[i]] + 1) / total);
        return sum / n;
    }

    private static (Tensor, Tensor) Windows(long[] tokens, int[] offsets, int context, Device device)
    {
        var inputs = new long[offsets.Length * context];
        var targets = new long[offsets.Length * context];
        for (int b = 0; b < offsets.Length; b++)
        {
            Array.Copy(tokens, offsets[b], inputs, b * context, context);
            Array.Copy(tokens, offsets[b] + 1, targets, b * context, context);
        }
        long[] shape = [offsets.Length, context];
        return (Tensor.FromArray(inputs, shape, device), Tensor.FromArray(targets, shape, device));
    }
}

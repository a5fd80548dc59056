namespace CudaTensor.Samples.TinyLM;

/// <summary>
/// Continues a prompt one character at a time: the model scores the last <see cref="ILanguageModel.Context"/>
/// characters, and the next one is drawn from the softmax of the last position's logits divided by the temperature,
/// restricted to the <c>topK</c> likeliest characters.
/// </summary>
public static class TextSampler
{
    public static string Continue(ILanguageModel model, CharVocabulary vocabulary, string prompt, int count, double temperature, int topK, Random random, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(random);
        var tokens = new List<long>(vocabulary.Encode(prompt));
        var text = new System.Text.StringBuilder(prompt);
        using var noGrad = Autograd.NoGrad();
        for (int i = 0; i < count; i++)
        {
            using var scope = Tensor.NewScope();
            int start = Math.Max(0, tokens.Count - model.Context);
            var window = Tensor.FromArray(tokens.ToArray()[start..], [1, tokens.Count - start], device);
            var logits = model.Forward(window).Select(1, -1).Select(0, 0).To(DType.Float64).ToArray<double>();
            long next = Draw(logits, temperature, topK, random);
            tokens.Add(next);
            text.Append(vocabulary.Decode(next));
        }
        return text.ToString();
    }

    /// <summary>An index drawn with probability softmax(logits / temperature) among the topK largest logits.</summary>
    public static long Draw(double[] logits, double temperature, int topK, Random random)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(random);
        var candidates = Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).Take(Math.Max(1, topK)).ToArray();
        double max = logits[candidates[0]];
        var weights = candidates.Select(i => Math.Exp((logits[i] - max) / temperature)).ToArray();
        double u = random.NextDouble() * weights.Sum();
        for (int j = 0; j < candidates.Length; j++)
        {
            u -= weights[j];
            if (u <= 0) return candidates[j];
        }
        return candidates[^1];
    }
}

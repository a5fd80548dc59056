namespace CudaTensor.Samples.TinyLM;

/// <summary>The two kinds of model the sample trains.</summary>
public enum LanguageModelKind
{
    /// <summary>A decoder-only transformer (causal self-attention).</summary>
    Transformer,

    /// <summary>A stacked LSTM.</summary>
    Lstm,
}

/// <summary>What training and sampling need of a model: next-token logits for every position of a window.</summary>
public interface ILanguageModel
{
    /// <summary>Logits [batch, time, vocabulary] for tokens [batch, time]: position t predicts token t + 1.</summary>
    Tensor Forward(Tensor tokens);

    /// <summary>The longest window the model reads (a transformer's position table; an LSTM reads any length).</summary>
    int Context { get; }
}

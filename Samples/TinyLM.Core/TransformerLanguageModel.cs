using CudaTensor.NN;

namespace CudaTensor.Samples.TinyLM;

/// <summary>
/// A decoder-only transformer (GPT): token and position embeddings, a stack of pre-norm blocks with causal
/// self-attention, a final layer norm and a linear head to the vocabulary.
/// </summary>
public sealed class TransformerLanguageModel : Module, ILanguageModel
{
    private readonly Embedding _tokens, _positions;
    private readonly Dropout _dropout;
    private readonly Sequential _blocks;
    private readonly LayerNorm _norm;
    private readonly Linear _head;

    public TransformerLanguageModel(int vocabulary, int context, int embedding, int heads, int layers, double dropout)
    {
        Context = context;
        _tokens = RegisterModule("wte", new Embedding(vocabulary, embedding));
        _positions = RegisterModule("wpe", new Embedding(context, embedding));
        _dropout = RegisterModule("drop", new Dropout(dropout));
        _blocks = RegisterModule("h", new Sequential([.. Enumerable.Range(0, layers).Select(_ => (Module)new TransformerBlock(embedding, heads, dropout))]));
        _norm = RegisterModule("ln_f", new LayerNorm(embedding));
        _head = RegisterModule("lm_head", new Linear(embedding, vocabulary, bias: false));
    }

    public int Context { get; }

    public override Tensor Forward(Tensor input)
    {
        long time = input.Shape[^1];
        if (time > Context)
            throw new ArgumentException($"TransformerLanguageModel: a window of {time} tokens is longer than the model's context of {Context}.", nameof(input));
        var positions = Tensor.Arange(time, DType.Int64, input.Device);
        var x = _dropout.Call(_tokens.Call(input) + _positions.Call(positions));
        return _head.Call(_norm.Call(_blocks.Call(x)));
    }
}

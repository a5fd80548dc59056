using CudaTensor.NN;

namespace CudaTensor.Samples.TinyLM;

/// <summary>A pre-norm transformer block: x + attention(norm(x)), then x + MLP(norm(x)) with a 4x wide GELU MLP.</summary>
public sealed class TransformerBlock : Module
{
    private readonly LayerNorm _norm1, _norm2;
    private readonly CausalSelfAttention _attention;
    private readonly Sequential _mlp;

    public TransformerBlock(int embedding, int heads, double dropout)
    {
        _norm1 = RegisterModule("ln_1", new LayerNorm(embedding));
        _attention = RegisterModule("attn", new CausalSelfAttention(embedding, heads, dropout));
        _norm2 = RegisterModule("ln_2", new LayerNorm(embedding));
        _mlp = RegisterModule("mlp", new Sequential(
            new Linear(embedding, 4 * embedding), new GELU(), new Linear(4 * embedding, embedding), new Dropout(dropout)));
    }

    public override Tensor Forward(Tensor input)
    {
        var h = input + _attention.Call(_norm1.Call(input));
        return h + _mlp.Call(_norm2.Call(h));
    }
}

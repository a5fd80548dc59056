using CudaTensor.NN;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Samples.TinyLM;

/// <summary>
/// Multi-head self-attention in which position t sees positions 0..t only: one projection to queries, keys and
/// values, <see cref="F.ScaledDotProductAttention"/> per head with <c>isCausal</c>, and an output projection
/// (GPT-2's block, written as in PyTorch).
/// </summary>
public sealed class CausalSelfAttention : Module
{
    private readonly Linear _qkv, _proj;
    private readonly Dropout _outputDropout;
    private readonly int _heads;

    public CausalSelfAttention(int embedding, int heads, double dropout)
    {
        if (embedding % heads != 0)
            throw new ArgumentException($"CausalSelfAttention: the embedding size {embedding} is not a multiple of the {heads} heads.", nameof(heads));
        _heads = heads;
        _qkv = RegisterModule("c_attn", new Linear(embedding, 3 * embedding));
        _proj = RegisterModule("c_proj", new Linear(embedding, embedding));
        _outputDropout = RegisterModule("resid_dropout", new Dropout(dropout));
    }

    public override Tensor Forward(Tensor input)
    {
        long batch = input.Shape[0], time = input.Shape[1], channels = input.Shape[2], headSize = channels / _heads;
        var qkv = _qkv.Forward(input).Chunk(3, -1);
        Tensor Heads(Tensor t) => t.View(batch, time, _heads, headSize).Transpose(1, 2);   // [B, H, T, D]
        // No dropout on the attention weights: that keeps the fused path (no [T, T] matrix in memory); the
        // residual dropouts regularize the block.
        var y = F.ScaledDotProductAttention(Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]), isCausal: true);
        return _outputDropout.Forward(_proj.Forward(y.Transpose(1, 2).Contiguous().View(batch, time, channels)));
    }
}

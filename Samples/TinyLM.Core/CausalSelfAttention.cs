using CudaTensor.NN;

namespace CudaTensor.Samples.TinyLM;

/// <summary>
/// Multi-head self-attention in which position t sees positions 0..t only: one projection to queries, keys and
/// values, attention per head, and an output projection (GPT-2's block, written as in PyTorch).
/// </summary>
public sealed class CausalSelfAttention : Module
{
    private readonly Linear _qkv, _proj;
    private readonly Dropout _attentionDropout, _outputDropout;
    private readonly int _heads;
    private readonly Tensor _future;

    public CausalSelfAttention(int embedding, int heads, int context, double dropout)
    {
        if (embedding % heads != 0)
            throw new ArgumentException($"CausalSelfAttention: the embedding size {embedding} is not a multiple of the {heads} heads.", nameof(heads));
        _heads = heads;
        _qkv = RegisterModule("c_attn", new Linear(embedding, 3 * embedding));
        _proj = RegisterModule("c_proj", new Linear(embedding, embedding));
        _attentionDropout = RegisterModule("attn_dropout", new Dropout(dropout));
        _outputDropout = RegisterModule("resid_dropout", new Dropout(dropout));
        // True above the diagonal: the scores a position may not use. Not saved: it follows from the context size.
        using var rows = Tensor.Arange(context, DType.Int64).Unsqueeze(1);
        using var cols = Tensor.Arange(context, DType.Int64).Unsqueeze(0);
        _future = RegisterBuffer("future", cols.Gt(rows), persistent: false);
    }

    public override Tensor Forward(Tensor input)
    {
        long batch = input.Shape[0], time = input.Shape[1], channels = input.Shape[2], headSize = channels / _heads;
        var qkv = _qkv.Forward(input).Chunk(3, -1);
        Tensor Heads(Tensor t) => t.View(batch, time, _heads, headSize).Transpose(1, 2);   // [B, H, T, D]
        var (q, k, v) = (Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]));
        var scores = q.MatMul(k.Transpose(-2, -1)) * (1.0 / Math.Sqrt(headSize));
        var future = _future.Narrow(0, 0, time).Narrow(1, 0, time);
        var weights = _attentionDropout.Forward(scores.MaskedFill(future, double.NegativeInfinity).Softmax(-1));
        var y = weights.MatMul(v).Transpose(1, 2).Contiguous().View(batch, time, channels);
        return _outputDropout.Forward(_proj.Forward(y));
    }
}

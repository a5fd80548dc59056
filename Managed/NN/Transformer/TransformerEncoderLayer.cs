namespace CudaTensor.NN;

/// <summary>
/// One Transformer encoder layer (PyTorch's <c>nn.TransformerEncoderLayer</c>): self-attention and a feed-forward block,
/// each with dropout, a residual connection and layer normalization, applied after the residual sum (post-norm, the
/// default) or before each block (<c>normFirst</c>). Submodules carry PyTorch's names (<c>self_attn</c>, <c>linear1</c>,
/// <c>dropout</c>, <c>linear2</c>, <c>norm1</c>, <c>norm2</c>, <c>dropout1</c>, <c>dropout2</c>), so a PyTorch state dict loads.
/// </summary>
public sealed class TransformerEncoderLayer : TransformerLayerBase
{
    /// <summary>Creates the layer; weights and dropout masks come from <paramref name="generator"/> (default: the global generator).</summary>
    /// <exception cref="ArgumentException"><paramref name="activation"/> is neither "relu" nor "gelu", or dModel is not divisible by nhead.</exception>
    public TransformerEncoderLayer(long dModel, long nhead, long dimFeedforward = 2048, double dropout = 0.1, string activation = "relu",
        double layerNormEps = 1e-5, bool batchFirst = false, bool normFirst = false, bool bias = true, Device? device = null, DType? dtype = null,
        Generator? generator = null)
        : base(nameof(TransformerEncoderLayer), 2, dModel, nhead, dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, bias, device, dtype, generator)
    {
    }

    /// <summary>The layer applied to <paramref name="input"/> with no masks.</summary>
    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <summary>
    /// The layer applied to <paramref name="src"/> [L, N, E] ([N, L, E] with batchFirst; [L, E] unbatched).
    /// <paramref name="srcMask"/> [L, L] or [N·nhead, L, L] and <paramref name="srcKeyPaddingMask"/> [N, L] follow
    /// <see cref="MultiheadAttention"/>'s convention (Bool true = masked out, or float added); <paramref name="isCausal"/>
    /// is the hint that srcMask is the causal mask.
    /// </summary>
    /// <exception cref="ArgumentException">The input's last dimension is not dModel, or a mask's shape does not fit.</exception>
    public Tensor Forward(Tensor src, Tensor? srcMask, Tensor? srcKeyPaddingMask = null, bool isCausal = false)
    {
        CheckInput(src, nameof(src), nameof(TransformerEncoderLayer));
        using var scope = Tensor.NewScope();
        var x = Residual(src, 0, h => SelfAttentionBody(h, srcMask, srcKeyPaddingMask, isCausal));
        x = Residual(x, 1, FeedForwardBody);
        return scope.MoveToOuter(x);
    }

    /// <summary>A new layer with the same configuration, parameters copied, on the same device and dtype (TransformerEncoder's deep copy).</summary>
    internal TransformerEncoderLayer Copy()
    {
        var w = Linear1.Weight;
        return CopyInto(new TransformerEncoderLayer(DModel, NHead, DimFeedforward, DropoutP, Activation, LayerNormEps, BatchFirst, NormFirst, HasBias, w.Device, w.DType, Generator));
    }
}

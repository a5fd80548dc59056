namespace CudaTensor.NN;

/// <summary>
/// One Transformer decoder layer (PyTorch's <c>nn.TransformerDecoderLayer</c>): self-attention over the target,
/// cross-attention over the encoder's memory, and a feed-forward block, each with dropout, a residual connection and layer
/// normalization (post-norm by default, pre-norm with <c>normFirst</c>). Submodules carry PyTorch's names
/// (<c>self_attn</c>, <c>multihead_attn</c>, <c>linear1</c>, <c>dropout</c>, <c>linear2</c>, <c>norm1</c>..<c>norm3</c>,
/// <c>dropout1</c>..<c>dropout3</c>), so a PyTorch state dict loads.
/// </summary>
public sealed class TransformerDecoderLayer : TransformerLayerBase
{
    /// <summary>Creates the layer; weights and dropout masks come from <paramref name="generator"/> (default: the global generator).</summary>
    /// <exception cref="ArgumentException"><paramref name="activation"/> is neither "relu" nor "gelu", or dModel is not divisible by nhead.</exception>
    public TransformerDecoderLayer(long dModel, long nhead, long dimFeedforward = 2048, double dropout = 0.1, string activation = "relu",
        double layerNormEps = 1e-5, bool batchFirst = false, bool normFirst = false, bool bias = true, Device? device = null, DType? dtype = null,
        Generator? generator = null)
        : base(nameof(TransformerDecoderLayer), 3, dModel, nhead, dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, bias, device, dtype, generator)
    {
    }

    /// <summary>Cross-attention from the target to the memory.</summary>
    public MultiheadAttention MultiheadAttn => CrossAttn!;

    /// <summary>Norm of the feed-forward block.</summary>
    public LayerNorm Norm3 => NormAt(2);

    /// <summary>Dropout on the feed-forward output.</summary>
    public Dropout Dropout3 => DropoutAt(2);

    /// <summary>Not defined: a decoder layer needs the memory too; call <see cref="Forward(Tensor, Tensor, Tensor?, Tensor?, Tensor?, Tensor?, bool, bool)"/>.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override Tensor Forward(Tensor input)
        => throw new NotSupportedException($"{nameof(TransformerDecoderLayer)}: Forward needs the target and the encoder's memory: call Forward(tgt, memory, ...).");

    /// <summary>
    /// The layer applied to <paramref name="tgt"/> [T, N, E] attending to <paramref name="memory"/> [S, N, E] (batch first
    /// with batchFirst; 2-D unbatched). Masks follow <see cref="MultiheadAttention"/>'s convention: <paramref name="tgtMask"/>
    /// [T, T], <paramref name="memoryMask"/> [T, S], key padding masks [N, T] and [N, S]; the causal flags are hints that the
    /// matching mask is causal.
    /// </summary>
    /// <exception cref="ArgumentException">A last dimension is not dModel, or a mask's shape does not fit.</exception>
    public Tensor Forward(Tensor tgt, Tensor memory, Tensor? tgtMask = null, Tensor? memoryMask = null, Tensor? tgtKeyPaddingMask = null,
        Tensor? memoryKeyPaddingMask = null, bool tgtIsCausal = false, bool memoryIsCausal = false)
    {
        CheckInput(tgt, nameof(tgt), nameof(TransformerDecoderLayer));
        ArgumentNullException.ThrowIfNull(memory);
        if (memory.Dim != tgt.Dim || memory.Shape[^1] != DModel)
            throw new ArgumentException($"{nameof(TransformerDecoderLayer)}: expected memory with tgt's rank ({tgt.Dim}) and last dimension dModel = {DModel}, got shape {Functional.Fmt(memory.Shape)}.", nameof(memory));
        using var scope = Tensor.NewScope();
        var x = Residual(tgt, 0, h => SelfAttentionBody(h, tgtMask, tgtKeyPaddingMask, tgtIsCausal));
        x = Residual(x, 1, h => MultiheadAttn.Forward(h, memory, memory, memoryKeyPaddingMask, needWeights: false, attnMask: memoryMask, isCausal: memoryIsCausal).Output);
        x = Residual(x, 2, FeedForwardBody);
        return scope.MoveToOuter(x);
    }

    /// <summary>A new layer with the same configuration, parameters copied, on the same device and dtype (TransformerDecoder's deep copy).</summary>
    internal TransformerDecoderLayer Copy()
    {
        var w = Linear1.Weight;
        return CopyInto(new TransformerDecoderLayer(DModel, NHead, DimFeedforward, DropoutP, Activation, LayerNormEps, BatchFirst, NormFirst, HasBias, w.Device, w.DType, Generator));
    }
}

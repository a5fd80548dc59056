namespace CudaTensor.NN;

/// <summary>
/// The encoder-decoder Transformer of "Attention Is All You Need" (PyTorch's <c>nn.Transformer</c>): a
/// <see cref="TransformerEncoder"/> of <c>numEncoderLayers</c> layers with a final <see cref="LayerNorm"/>, and a
/// <see cref="TransformerDecoder"/> of <c>numDecoderLayers</c> layers with a final LayerNorm. Submodules carry PyTorch's
/// names (<c>encoder.layers.0.self_attn.in_proj_weight</c>, ..., <c>encoder.norm.weight</c>, <c>decoder.norm.bias</c>), so a
/// PyTorch state dict loads.
/// </summary>
/// <remarks>
/// As in PyTorch, every parameter with more than one dimension (the custom encoder's and decoder's too) is re-drawn
/// Xavier-uniform after construction. The model has no embeddings or positional encoding: inputs are already
/// [S, N, E] / [T, N, E] feature sequences ([N, S, E] / [N, T, E] with batchFirst; 2-D unbatched). Unlike PyTorch,
/// whose custom encoder and decoder may be any module with the same call signature, <c>customEncoder</c> and
/// <c>customDecoder</c> are a <see cref="TransformerEncoder"/> and a <see cref="TransformerDecoder"/>.
/// </remarks>
public sealed class Transformer : Module
{
    /// <summary>Creates the model; weights and dropout masks come from <paramref name="generator"/> (default: the global generator).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A layer count is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="activation"/> is neither "relu" nor "gelu", or dModel is not divisible by nhead.</exception>
    public Transformer(long dModel = 512, long nhead = 8, int numEncoderLayers = 6, int numDecoderLayers = 6, long dimFeedforward = 2048,
        double dropout = 0.1, string activation = "relu", TransformerEncoder? customEncoder = null, TransformerDecoder? customDecoder = null,
        double layerNormEps = 1e-5, bool batchFirst = false, bool normFirst = false, bool bias = true, Device? device = null, DType? dtype = null,
        Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numEncoderLayers);
        ArgumentOutOfRangeException.ThrowIfNegative(numDecoderLayers);
        DModel = dModel;
        NHead = nhead;
        BatchFirst = batchFirst;
        Encoder = RegisterModule("encoder", customEncoder ?? NewEncoder());
        Decoder = RegisterModule("decoder", customDecoder ?? NewDecoder());
        // PyTorch's _reset_parameters.
        foreach (var p in Parameters())
        {
            if (p.Dim > 1) Init.XavierUniform(p, generator: generator);
        }

        TransformerEncoder NewEncoder()
        {
            using var layer = new TransformerEncoderLayer(dModel, nhead, dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, bias, device, dtype, generator);
            return new TransformerEncoder(layer, numEncoderLayers, new LayerNorm(dModel, layerNormEps, bias: bias, device: device, dtype: dtype));
        }

        TransformerDecoder NewDecoder()
        {
            using var layer = new TransformerDecoderLayer(dModel, nhead, dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, bias, device, dtype, generator);
            return new TransformerDecoder(layer, numDecoderLayers, new LayerNorm(dModel, layerNormEps, bias: bias, device: device, dtype: dtype));
        }
    }

    /// <summary>Model dimension: the features of src, tgt and the output.</summary>
    public long DModel { get; }

    /// <summary>Attention heads of every layer.</summary>
    public long NHead { get; }

    /// <summary>Whether inputs and the output are [N, S, E] rather than [S, N, E].</summary>
    public bool BatchFirst { get; }

    /// <summary>The encoder stack (<c>encoder</c>).</summary>
    public TransformerEncoder Encoder { get; }

    /// <summary>The decoder stack (<c>decoder</c>).</summary>
    public TransformerDecoder Decoder { get; }

    /// <summary>Not defined: the Transformer needs a source and a target.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override Tensor Forward(Tensor input)
        => throw new NotSupportedException($"{nameof(Transformer)}: Forward needs the source and the target sequences: call Forward(src, tgt, ...).");

    /// <summary>
    /// Encodes <paramref name="src"/> [S, N, E] and decodes <paramref name="tgt"/> [T, N, E] against the result ([N, ·, E]
    /// with batchFirst; [S, E] and [T, E] unbatched); returns [T, N, E] (like tgt). Masks follow
    /// <see cref="MultiheadAttention"/>'s convention (Bool true = not allowed, or a float mask added to the scores):
    /// <paramref name="srcMask"/> [S, S], <paramref name="tgtMask"/> [T, T] (for instance
    /// <see cref="GenerateSquareSubsequentMask"/>), <paramref name="memoryMask"/> [T, S] (each also [N·nhead, ·, ·]),
    /// and key padding masks [N, S], [N, T], [N, S]. The causal flags are hints that the matching mask is causal.
    /// </summary>
    /// <exception cref="ArgumentException">src and tgt differ in rank or batch size, a last dimension is not dModel, or a mask's shape does not fit.</exception>
    public Tensor Forward(Tensor src, Tensor tgt, Tensor? srcMask = null, Tensor? tgtMask = null, Tensor? memoryMask = null,
        Tensor? srcKeyPaddingMask = null, Tensor? tgtKeyPaddingMask = null, Tensor? memoryKeyPaddingMask = null,
        bool srcIsCausal = false, bool tgtIsCausal = false, bool memoryIsCausal = false)
    {
        ArgumentNullException.ThrowIfNull(src);
        ArgumentNullException.ThrowIfNull(tgt);
        if (src.Dim != tgt.Dim || src.Dim is not (2 or 3))
            throw new ArgumentException(
                $"{nameof(Transformer)}: src and tgt must both be 3-D ({(BatchFirst ? "[N, S, E]" : "[S, N, E]")}) or both 2-D (unbatched [S, E]), got shapes {Functional.Fmt(src.Shape)} and {Functional.Fmt(tgt.Shape)}.", nameof(tgt));
        int batchDim = BatchFirst ? 0 : 1;
        if (src.Dim == 3 && src.Shape[batchDim] != tgt.Shape[batchDim])
            throw new ArgumentException(
                $"{nameof(Transformer)}: the batch size of src and tgt must be equal (dimension {batchDim}{(BatchFirst ? " with batchFirst" : "")}), got shapes {Functional.Fmt(src.Shape)} and {Functional.Fmt(tgt.Shape)}.", nameof(tgt));
        if (src.Shape[^1] != DModel || tgt.Shape[^1] != DModel)
            throw new ArgumentException(
                $"{nameof(Transformer)}: the last dimension of src and tgt must be dModel = {DModel}, got shapes {Functional.Fmt(src.Shape)} and {Functional.Fmt(tgt.Shape)}.", nameof(src));
        using var memory = Encoder.Forward(src, srcMask, srcKeyPaddingMask, srcIsCausal);
        return Decoder.Forward(tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal, memoryIsCausal);
    }

    /// <summary>
    /// The causal mask [sz, sz] for <c>tgtMask</c> (PyTorch's <c>generate_square_subsequent_mask</c>): 0 on and below the
    /// diagonal, -∞ above it, so position i attends to positions 0..i only. Float32 on the CPU unless given.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sz"/> is negative.</exception>
    public static Tensor GenerateSquareSubsequentMask(long sz, Device? device = null, DType? dtype = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sz);
        using var full = Tensor.Full([sz, sz], double.NegativeInfinity, dtype, device);
        return full.Triu(1);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"d_model={DModel}, nhead={NHead}, batch_first={(BatchFirst ? "True" : "False")}";
}

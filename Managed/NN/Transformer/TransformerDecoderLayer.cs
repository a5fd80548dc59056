namespace CudaTensor.NN;

/// <summary>
/// One Transformer decoder layer (PyTorch's <c>nn.TransformerDecoderLayer</c>): self-attention over the target,
/// cross-attention over the encoder's memory, and a feed-forward block, each with dropout, a residual connection and layer
/// normalization (post-norm by default, pre-norm with <c>normFirst</c>). Submodules carry PyTorch's names
/// (<c>self_attn</c>, <c>multihead_attn</c>, <c>linear1</c>, <c>dropout</c>, <c>linear2</c>, <c>norm1</c>..<c>norm3</c>,
/// <c>dropout1</c>..<c>dropout3</c>), so a PyTorch state dict loads.
/// </summary>
public sealed class TransformerDecoderLayer : Module
{
    private readonly string _activation;
    private readonly Generator? _generator;

    /// <summary>Creates the layer; weights and dropout masks come from <paramref name="generator"/> (default: the global generator).</summary>
    /// <exception cref="ArgumentException"><paramref name="activation"/> is neither "relu" nor "gelu", or dModel is not divisible by nhead.</exception>
    public TransformerDecoderLayer(long dModel, long nhead, long dimFeedforward = 2048, double dropout = 0.1, string activation = "relu",
        double layerNormEps = 1e-5, bool batchFirst = false, bool normFirst = false, bool bias = true, Device? device = null, DType? dtype = null,
        Generator? generator = null)
    {
        _activation = TransformerActivation.Check(activation, nameof(TransformerDecoderLayer));
        _generator = generator;
        DModel = dModel;
        NHead = nhead;
        DimFeedforward = dimFeedforward;
        DropoutP = dropout;
        LayerNormEps = layerNormEps;
        BatchFirst = batchFirst;
        NormFirst = normFirst;
        HasBias = bias;
        SelfAttn = RegisterModule("self_attn", new MultiheadAttention(dModel, nhead, dropout, bias, batchFirst: batchFirst, device: device, dtype: dtype, generator: generator));
        MultiheadAttn = RegisterModule("multihead_attn", new MultiheadAttention(dModel, nhead, dropout, bias, batchFirst: batchFirst, device: device, dtype: dtype, generator: generator));
        Linear1 = RegisterModule("linear1", new Linear(dModel, dimFeedforward, bias, device, dtype, generator));
        Dropout = RegisterModule("dropout", new Dropout(dropout, generator));
        Linear2 = RegisterModule("linear2", new Linear(dimFeedforward, dModel, bias, device, dtype, generator));
        Norm1 = RegisterModule("norm1", new LayerNorm(dModel, layerNormEps, bias: bias, device: device, dtype: dtype));
        Norm2 = RegisterModule("norm2", new LayerNorm(dModel, layerNormEps, bias: bias, device: device, dtype: dtype));
        Norm3 = RegisterModule("norm3", new LayerNorm(dModel, layerNormEps, bias: bias, device: device, dtype: dtype));
        Dropout1 = RegisterModule("dropout1", new Dropout(dropout, generator));
        Dropout2 = RegisterModule("dropout2", new Dropout(dropout, generator));
        Dropout3 = RegisterModule("dropout3", new Dropout(dropout, generator));
    }

    /// <summary>Model dimension.</summary>
    public long DModel { get; }

    /// <summary>Attention heads.</summary>
    public long NHead { get; }

    /// <summary>Hidden features of the feed-forward block.</summary>
    public long DimFeedforward { get; }

    /// <summary>Dropout probability of every dropout in the layer.</summary>
    public double DropoutP { get; }

    /// <summary>The layer norms' epsilon.</summary>
    public double LayerNormEps { get; }

    /// <summary>Whether inputs are [N, T, E] rather than [T, N, E].</summary>
    public bool BatchFirst { get; }

    /// <summary>Whether layer norm comes before each block.</summary>
    public bool NormFirst { get; }

    /// <summary>Whether the linear layers and layer norms have biases.</summary>
    public bool HasBias { get; }

    /// <summary>"relu" or "gelu".</summary>
    public string Activation => _activation;

    /// <summary>Self-attention over the target.</summary>
    public MultiheadAttention SelfAttn { get; }

    /// <summary>Cross-attention from the target to the memory.</summary>
    public MultiheadAttention MultiheadAttn { get; }

    /// <summary>Feed-forward input projection.</summary>
    public Linear Linear1 { get; }

    /// <summary>Dropout inside the feed-forward block.</summary>
    public Dropout Dropout { get; }

    /// <summary>Feed-forward output projection.</summary>
    public Linear Linear2 { get; }

    /// <summary>Norm of the self-attention block.</summary>
    public LayerNorm Norm1 { get; }

    /// <summary>Norm of the cross-attention block.</summary>
    public LayerNorm Norm2 { get; }

    /// <summary>Norm of the feed-forward block.</summary>
    public LayerNorm Norm3 { get; }

    /// <summary>Dropout on the self-attention output.</summary>
    public Dropout Dropout1 { get; }

    /// <summary>Dropout on the cross-attention output.</summary>
    public Dropout Dropout2 { get; }

    /// <summary>Dropout on the feed-forward output.</summary>
    public Dropout Dropout3 { get; }

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
        ArgumentNullException.ThrowIfNull(tgt);
        ArgumentNullException.ThrowIfNull(memory);
        string layout = BatchFirst ? "[N, T, E]" : "[T, N, E]";
        if (tgt.Dim is not (2 or 3) || tgt.Shape[^1] != DModel)
            throw new ArgumentException($"{nameof(TransformerDecoderLayer)}: expected tgt of shape {layout} (or unbatched [T, E]) with E = dModel = {DModel}, got shape {Functional.Fmt(tgt.Shape)}.", nameof(tgt));
        if (memory.Dim != tgt.Dim || memory.Shape[^1] != DModel)
            throw new ArgumentException($"{nameof(TransformerDecoderLayer)}: expected memory with tgt's rank ({tgt.Dim}) and last dimension dModel = {DModel}, got shape {Functional.Fmt(memory.Shape)}.", nameof(memory));
        using var scope = Tensor.NewScope();
        Tensor x = tgt;
        if (NormFirst)
        {
            x = x + SelfAttentionBlock(Norm1.Forward(x), tgtMask, tgtKeyPaddingMask, tgtIsCausal);
            x = x + CrossAttentionBlock(Norm2.Forward(x), memory, memoryMask, memoryKeyPaddingMask, memoryIsCausal);
            x = x + FeedForwardBlock(Norm3.Forward(x));
        }
        else
        {
            x = Norm1.Forward(x + SelfAttentionBlock(x, tgtMask, tgtKeyPaddingMask, tgtIsCausal));
            x = Norm2.Forward(x + CrossAttentionBlock(x, memory, memoryMask, memoryKeyPaddingMask, memoryIsCausal));
            x = Norm3.Forward(x + FeedForwardBlock(x));
        }
        return scope.MoveToOuter(x);
    }

    private Tensor SelfAttentionBlock(Tensor x, Tensor? mask, Tensor? keyPaddingMask, bool isCausal)
    {
        var (attended, _) = SelfAttn.Forward(x, x, x, keyPaddingMask, needWeights: false, attnMask: mask, isCausal: isCausal);
        return Dropout1.Forward(attended);
    }

    private Tensor CrossAttentionBlock(Tensor x, Tensor memory, Tensor? mask, Tensor? keyPaddingMask, bool isCausal)
    {
        var (attended, _) = MultiheadAttn.Forward(x, memory, memory, keyPaddingMask, needWeights: false, attnMask: mask, isCausal: isCausal);
        return Dropout2.Forward(attended);
    }

    private Tensor FeedForwardBlock(Tensor x)
        => Dropout3.Forward(Linear2.Forward(Dropout.Forward(TransformerActivation.Apply(_activation, Linear1.Forward(x)))));

    /// <summary>A new layer with the same configuration, parameters copied, on the same device and dtype (TransformerDecoder's deep copy).</summary>
    internal TransformerDecoderLayer Copy()
    {
        var w = Linear1.Weight;
        var copy = new TransformerDecoderLayer(DModel, NHead, DimFeedforward, DropoutP, _activation, LayerNormEps, BatchFirst, NormFirst, HasBias, w.Device, w.DType, _generator);
        copy.LoadStateDict(StateDict());
        copy.SetTraining(IsTraining);
        return copy;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"d_model={DModel}, nhead={NHead}, dim_feedforward={DimFeedforward}, activation={_activation}, norm_first={(NormFirst ? "True" : "False")}";
}

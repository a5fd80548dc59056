namespace CudaTensor.NN;

/// <summary>
/// What <see cref="TransformerEncoderLayer"/> and <see cref="TransformerDecoderLayer"/> share: the settings, the
/// self-attention block, the feed-forward block (<c>linear1</c>, <c>dropout</c>, <c>linear2</c>) and one layer norm and one
/// dropout per block. Submodules are registered in PyTorch's order and under PyTorch's names — <c>self_attn</c>, (the
/// decoder's <c>multihead_attn</c>), <c>linear1</c>, <c>dropout</c>, <c>linear2</c>, <c>norm1</c>..<c>normN</c>,
/// <c>dropout1</c>..<c>dropoutN</c> with N blocks — so the state dict of either PyTorch layer loads as is.
/// </summary>
public abstract class TransformerLayerBase : Module
{
    private readonly LayerNorm[] _norms;
    private readonly Dropout[] _dropouts;
    private readonly Generator? _generator;

    // blocks: 2 for the encoder layer (self-attention, feed-forward), 3 for the decoder layer (plus cross-attention,
    // registered as "multihead_attn" right after self_attn as PyTorch does).
    private protected TransformerLayerBase(string op, int blocks, long dModel, long nhead, long dimFeedforward, double dropout, string activation,
        double layerNormEps, bool batchFirst, bool normFirst, bool bias, Device? device, DType? dtype, Generator? generator)
    {
        Activation = TransformerActivation.Check(activation, op);
        _generator = generator;
        DModel = dModel;
        NHead = nhead;
        DimFeedforward = dimFeedforward;
        DropoutP = dropout;
        LayerNormEps = layerNormEps;
        BatchFirst = batchFirst;
        NormFirst = normFirst;
        HasBias = bias;
        SelfAttn = RegisterModule("self_attn", Attention());
        if (blocks == 3) CrossAttn = RegisterModule("multihead_attn", Attention());
        Linear1 = RegisterModule("linear1", new Linear(dModel, dimFeedforward, bias, device, dtype, generator));
        Dropout = RegisterModule("dropout", new Dropout(dropout, generator));
        Linear2 = RegisterModule("linear2", new Linear(dimFeedforward, dModel, bias, device, dtype, generator));
        _norms = new LayerNorm[blocks];
        for (int i = 0; i < blocks; i++) _norms[i] = RegisterModule($"norm{i + 1}", new LayerNorm(dModel, layerNormEps, bias: bias, device: device, dtype: dtype));
        _dropouts = new Dropout[blocks];
        for (int i = 0; i < blocks; i++) _dropouts[i] = RegisterModule($"dropout{i + 1}", new Dropout(dropout, generator));

        MultiheadAttention Attention()
            => new(dModel, nhead, dropout, bias, batchFirst: batchFirst, device: device, dtype: dtype, generator: generator);
    }

    /// <summary>Model dimension (the input's feature count).</summary>
    public long DModel { get; }

    /// <summary>Attention heads.</summary>
    public long NHead { get; }

    /// <summary>Hidden features of the feed-forward block.</summary>
    public long DimFeedforward { get; }

    /// <summary>Dropout probability of every dropout in the layer.</summary>
    public double DropoutP { get; }

    /// <summary>The layer norms' epsilon.</summary>
    public double LayerNormEps { get; }

    /// <summary>Whether inputs are batch first ([N, L, E]) rather than sequence first ([L, N, E]).</summary>
    public bool BatchFirst { get; }

    /// <summary>Whether layer norm comes before each block (pre-norm) rather than after the residual sum.</summary>
    public bool NormFirst { get; }

    /// <summary>Whether the linear layers and layer norms have biases.</summary>
    public bool HasBias { get; }

    /// <summary>"relu" or "gelu".</summary>
    public string Activation { get; }

    /// <summary>The self-attention block.</summary>
    public MultiheadAttention SelfAttn { get; }

    /// <summary>Feed-forward input projection, dModel → dimFeedforward.</summary>
    public Linear Linear1 { get; }

    /// <summary>Dropout inside the feed-forward block.</summary>
    public Dropout Dropout { get; }

    /// <summary>Feed-forward output projection, dimFeedforward → dModel.</summary>
    public Linear Linear2 { get; }

    /// <summary>Norm of the self-attention block.</summary>
    public LayerNorm Norm1 => _norms[0];

    /// <summary>Norm of the second block (the encoder's feed-forward block, the decoder's cross-attention block).</summary>
    public LayerNorm Norm2 => _norms[1];

    /// <summary>Dropout on the self-attention output.</summary>
    public Dropout Dropout1 => _dropouts[0];

    /// <summary>Dropout on the second block's output.</summary>
    public Dropout Dropout2 => _dropouts[1];

    // The decoder's cross-attention ("multihead_attn"), null in the encoder layer.
    private protected MultiheadAttention? CrossAttn { get; }

    private protected LayerNorm NormAt(int block) => _norms[block];

    private protected Dropout DropoutAt(int block) => _dropouts[block];

    private protected Generator? Generator => _generator;

    /// <summary>Checks that <paramref name="x"/> is [L, N, E] / [N, L, E] / unbatched [L, E] with E = dModel.</summary>
    private protected void CheckInput(Tensor x, string name, string op)
    {
        ArgumentNullException.ThrowIfNull(x, name);
        if (x.Dim is not (2 or 3) || x.Shape[^1] != DModel)
            throw new ArgumentException(
                $"{op}: expected {name} of shape {(BatchFirst ? "[N, L, E]" : "[L, N, E]")} (or unbatched [L, E]) with E = dModel = {DModel}, got shape {Functional.Fmt(x.Shape)}.", name);
    }

    /// <summary>
    /// One residual block: <c>x + dropoutN(body(normN(x)))</c> with normFirst, else <c>normN(x + dropoutN(body(x)))</c>, where
    /// <paramref name="block"/> is N - 1. Intermediates are left to the caller's dispose scope.
    /// </summary>
    private protected Tensor Residual(Tensor x, int block, Func<Tensor, Tensor> body)
        => NormFirst ? x + _dropouts[block].Call(body(_norms[block].Call(x)))
            : _norms[block].Call(x + _dropouts[block].Call(body(x)));

    /// <summary>Self-attention of <paramref name="x"/> with the given masks (the block's body, before its dropout).</summary>
    private protected Tensor SelfAttentionBody(Tensor x, Tensor? mask, Tensor? keyPaddingMask, bool isCausal)
        => SelfAttn.Forward(x, x, x, keyPaddingMask, needWeights: false, attnMask: mask, isCausal: isCausal).Output;

    /// <summary>linear2(dropout(activation(linear1(x)))) (the feed-forward block's body, before its dropout).</summary>
    private protected Tensor FeedForwardBody(Tensor x)
        => Linear2.Call(Dropout.Call(TransformerActivation.Apply(Activation, Linear1.Call(x))));

    /// <summary>Loads this layer's parameters and mode into <paramref name="copy"/> (a new layer of the same configuration).</summary>
    private protected T CopyInto<T>(T copy) where T : TransformerLayerBase
    {
        copy.LoadStateDict(StateDict());
        copy.SetTraining(IsTraining);
        return copy;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"d_model={DModel}, nhead={NHead}, dim_feedforward={DimFeedforward}, activation={Activation}, norm_first={(NormFirst ? "True" : "False")}";
}

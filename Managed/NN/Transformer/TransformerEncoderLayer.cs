namespace CudaTensor.NN;

/// <summary>
/// One Transformer encoder layer (PyTorch's <c>nn.TransformerEncoderLayer</c>): self-attention and a feed-forward block,
/// each with dropout, a residual connection and layer normalization, applied after the residual sum (post-norm, the
/// default) or before each block (<c>normFirst</c>). Submodules carry PyTorch's names (<c>self_attn</c>, <c>linear1</c>,
/// <c>dropout</c>, <c>linear2</c>, <c>norm1</c>, <c>norm2</c>, <c>dropout1</c>, <c>dropout2</c>), so a PyTorch state dict loads.
/// </summary>
public sealed class TransformerEncoderLayer : Module
{
    private readonly string _activation;
    private readonly Generator? _generator;

    /// <summary>Creates the layer; weights and dropout masks come from <paramref name="generator"/> (default: the global generator).</summary>
    /// <exception cref="ArgumentException"><paramref name="activation"/> is neither "relu" nor "gelu", or dModel is not divisible by nhead.</exception>
    public TransformerEncoderLayer(long dModel, long nhead, long dimFeedforward = 2048, double dropout = 0.1, string activation = "relu",
        double layerNormEps = 1e-5, bool batchFirst = false, bool normFirst = false, bool bias = true, Device? device = null, DType? dtype = null,
        Generator? generator = null)
    {
        _activation = TransformerActivation.Check(activation, nameof(TransformerEncoderLayer));
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
        Linear1 = RegisterModule("linear1", new Linear(dModel, dimFeedforward, bias, device, dtype, generator));
        Dropout = RegisterModule("dropout", new Dropout(dropout, generator));
        Linear2 = RegisterModule("linear2", new Linear(dimFeedforward, dModel, bias, device, dtype, generator));
        Norm1 = RegisterModule("norm1", new LayerNorm(dModel, layerNormEps, bias: bias, device: device, dtype: dtype));
        Norm2 = RegisterModule("norm2", new LayerNorm(dModel, layerNormEps, bias: bias, device: device, dtype: dtype));
        Dropout1 = RegisterModule("dropout1", new Dropout(dropout, generator));
        Dropout2 = RegisterModule("dropout2", new Dropout(dropout, generator));
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

    /// <summary>Whether inputs are [N, L, E] rather than [L, N, E].</summary>
    public bool BatchFirst { get; }

    /// <summary>Whether layer norm comes before each block (pre-norm) rather than after the residual sum.</summary>
    public bool NormFirst { get; }

    /// <summary>Whether the linear layers and layer norms have biases.</summary>
    public bool HasBias { get; }

    /// <summary>"relu" or "gelu".</summary>
    public string Activation => _activation;

    /// <summary>The self-attention block.</summary>
    public MultiheadAttention SelfAttn { get; }

    /// <summary>Feed-forward input projection, dModel → dimFeedforward.</summary>
    public Linear Linear1 { get; }

    /// <summary>Dropout inside the feed-forward block.</summary>
    public Dropout Dropout { get; }

    /// <summary>Feed-forward output projection, dimFeedforward → dModel.</summary>
    public Linear Linear2 { get; }

    /// <summary>Norm of the attention block.</summary>
    public LayerNorm Norm1 { get; }

    /// <summary>Norm of the feed-forward block.</summary>
    public LayerNorm Norm2 { get; }

    /// <summary>Dropout on the attention block's output.</summary>
    public Dropout Dropout1 { get; }

    /// <summary>Dropout on the feed-forward block's output.</summary>
    public Dropout Dropout2 { get; }

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
        ArgumentNullException.ThrowIfNull(src);
        if (src.Dim is not (2 or 3) || src.Shape[^1] != DModel)
            throw new ArgumentException(
                $"{nameof(TransformerEncoderLayer)}: expected src of shape {(BatchFirst ? "[N, L, E]" : "[L, N, E]")} (or unbatched [L, E]) with E = dModel = {DModel}, got shape {Functional.Fmt(src.Shape)}.", nameof(src));
        using var scope = Tensor.NewScope();
        Tensor x = src;
        if (NormFirst)
        {
            x = x + SelfAttentionBlock(Norm1.Forward(x), srcMask, srcKeyPaddingMask, isCausal);
            x = x + FeedForwardBlock(Norm2.Forward(x));
        }
        else
        {
            x = Norm1.Forward(x + SelfAttentionBlock(x, srcMask, srcKeyPaddingMask, isCausal));
            x = Norm2.Forward(x + FeedForwardBlock(x));
        }
        return scope.MoveToOuter(x);
    }

    private Tensor SelfAttentionBlock(Tensor x, Tensor? mask, Tensor? keyPaddingMask, bool isCausal)
    {
        var (attended, _) = SelfAttn.Forward(x, x, x, keyPaddingMask, needWeights: false, attnMask: mask, isCausal: isCausal);
        return Dropout1.Forward(attended);
    }

    private Tensor FeedForwardBlock(Tensor x)
        => Dropout2.Forward(Linear2.Forward(Dropout.Forward(TransformerActivation.Apply(_activation, Linear1.Forward(x)))));

    /// <summary>A new layer with the same configuration, parameters copied, on the same device and dtype (TransformerEncoder's deep copy).</summary>
    internal TransformerEncoderLayer Copy()
    {
        var w = Linear1.Weight;
        var copy = new TransformerEncoderLayer(DModel, NHead, DimFeedforward, DropoutP, _activation, LayerNormEps, BatchFirst, NormFirst, HasBias, w.Device, w.DType, _generator);
        copy.LoadStateDict(StateDict());
        copy.SetTraining(IsTraining);
        return copy;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"d_model={DModel}, nhead={NHead}, dim_feedforward={DimFeedforward}, activation={_activation}, norm_first={(NormFirst ? "True" : "False")}";
}

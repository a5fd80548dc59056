namespace CudaTensor.NN;

/// <summary>
/// A lookup table whose forward reduces bags of indices to one vector each, by sum, mean or max (PyTorch's
/// <c>nn.EmbeddingBag</c>; see <see cref="Functional.EmbeddingBag"/> for the input layouts). The weight starts as
/// N(0, 1) samples; the row at <see cref="PaddingIdx"/>, if given, starts at zero and is left out of every bag.
/// <c>scale_grad_by_freq</c> and <c>sparse</c> gradients are not supported.
/// </summary>
public sealed class EmbeddingBag : Module
{
    /// <summary>Creates the table and draws it from <paramref name="generator"/> (default: the global generator).</summary>
    /// <exception cref="ArgumentException"><paramref name="mode"/> is not "sum", "mean" or "max".</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative, <paramref name="paddingIdx"/> is outside the table, or <paramref name="maxNorm"/> is negative.</exception>
    public EmbeddingBag(long numEmbeddings, long embeddingDim, double? maxNorm = null, double normType = 2.0, string mode = "mean",
        bool includeLastOffset = false, long? paddingIdx = null, Device? device = null, DType? dtype = null, Generator? generator = null)
    {
        if (mode is not ("sum" or "mean" or "max"))
            throw new ArgumentException($"EmbeddingBag: mode must be \"sum\", \"mean\" or \"max\", got \"{mode}\".", nameof(mode));
        // The table, its checks and its initialization are Embedding's; this module only reduces the looked-up rows.
        using var table = new Embedding(numEmbeddings, embeddingDim, paddingIdx, maxNorm, normType, device, dtype, generator);
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        PaddingIdx = table.PaddingIdx;
        MaxNorm = maxNorm;
        NormType = normType;
        Mode = mode;
        IncludeLastOffset = includeLastOffset;
        Weight = RegisterParameter("weight", table.Weight.Detach().Clone());
    }

    /// <summary>Number of rows in the table.</summary>
    public long NumEmbeddings { get; }

    /// <summary>Size of each vector.</summary>
    public long EmbeddingDim { get; }

    /// <summary>The index left out of every bag (null for none).</summary>
    public long? PaddingIdx { get; }

    /// <summary>The largest norm a looked-up row may have (null: no limit).</summary>
    public double? MaxNorm { get; }

    /// <summary>The p of the p-norm compared with <see cref="MaxNorm"/> (default 2).</summary>
    public double NormType { get; }

    /// <summary>"sum", "mean" or "max".</summary>
    public string Mode { get; }

    /// <summary>Whether the offsets carry one more entry, the end of the last bag.</summary>
    public bool IncludeLastOffset { get; }

    /// <summary>The table, [num_embeddings, embedding_dim].</summary>
    public Tensor Weight { get; }

    /// <summary>Bags given as the rows of a 2-D [bags, n] input.</summary>
    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <summary>Bags of a 1-D input starting at <paramref name="offsets"/> (or the rows of a 2-D input when null), optionally weighted per index (mode "sum").</summary>
    public Tensor Forward(Tensor input, Tensor? offsets, Tensor? perSampleWeights = null) =>
        Functional.EmbeddingBag(input, Weight, offsets, MaxNorm, NormType, Mode, perSampleWeights, IncludeLastOffset, PaddingIdx);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"{NumEmbeddings}, {EmbeddingDim}, mode='{Mode}'" + (PaddingIdx is long p ? $", padding_idx={p}" : "");
}

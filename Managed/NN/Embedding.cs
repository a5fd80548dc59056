namespace CudaTensor.NN;

/// <summary>
/// A lookup table of <see cref="NumEmbeddings"/> vectors of size <see cref="EmbeddingDim"/>: integer indices of
/// any shape give vectors of shape [..indices, dim]. The weight starts as N(0, 1) samples (PyTorch's default);
/// the row at <see cref="PaddingIdx"/>, if given, starts at zero and receives no gradient. With <see cref="MaxNorm"/>,
/// each forward first rescales (in place) the looked-up rows whose norm exceeds it, as PyTorch's <c>max_norm</c>.
/// </summary>
public sealed class Embedding : Module
{
    /// <summary>Creates the table and draws it from <paramref name="generator"/> (default: the global generator).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative, <paramref name="paddingIdx"/> is outside the table, or <paramref name="maxNorm"/> is negative.</exception>
    public Embedding(long numEmbeddings, long embeddingDim, long? paddingIdx = null, double? maxNorm = null, double normType = 2.0,
        Device? device = null, DType? dtype = null, Generator? generator = null)
    {
        if (maxNorm is double m && !(m >= 0))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), m, "Embedding: maxNorm must be non-negative.");
        ArgumentOutOfRangeException.ThrowIfNegative(numEmbeddings);
        ArgumentOutOfRangeException.ThrowIfNegative(embeddingDim);
        if (paddingIdx is long p)
        {
            if (p < -numEmbeddings || p >= numEmbeddings)
                throw new ArgumentOutOfRangeException(nameof(paddingIdx), p, $"Embedding: paddingIdx must be within [-{numEmbeddings}, {numEmbeddings}).");
            paddingIdx = p < 0 ? p + numEmbeddings : p;
        }
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        PaddingIdx = paddingIdx;
        MaxNorm = maxNorm;
        NormType = normType;
        var w = Tensor.Empty([numEmbeddings, embeddingDim], dtype, device);
        Init.Normal(w, generator: generator);
        if (paddingIdx is long pad)
        {
            using var row = w.Select(0, pad);
            row.Zero();
        }
        Weight = RegisterParameter("weight", w);
    }

    /// <summary>Number of rows in the table.</summary>
    public long NumEmbeddings { get; }

    /// <summary>Size of each vector.</summary>
    public long EmbeddingDim { get; }

    /// <summary>The row that gets no gradient (null for none).</summary>
    public long? PaddingIdx { get; }

    /// <summary>The largest norm a looked-up row may have (null: no limit).</summary>
    public double? MaxNorm { get; }

    /// <summary>The p of the p-norm compared with <see cref="MaxNorm"/> (default 2).</summary>
    public double NormType { get; }

    /// <summary>The table, [num_embeddings, embedding_dim].</summary>
    public Tensor Weight { get; }

    /// <summary>The rows of <see cref="Weight"/> at <paramref name="input"/> (integer indices).</summary>
    public override Tensor Forward(Tensor input) => Functional.Embedding(input, Weight, PaddingIdx, MaxNorm, NormType);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"{NumEmbeddings}, {EmbeddingDim}" + (PaddingIdx is long p ? $", padding_idx={p}" : "") +
           (MaxNorm is double m ? $", max_norm={m.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "") +
           (NormType != 2.0 ? $", norm_type={NormType.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "");
}

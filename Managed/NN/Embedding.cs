namespace CudaTensor.NN;

/// <summary>
/// A lookup table of <see cref="NumEmbeddings"/> vectors of size <see cref="EmbeddingDim"/>: integer indices of
/// any shape give vectors of shape [..indices, dim]. The weight starts as N(0, 1) samples (PyTorch's default);
/// the row at <see cref="PaddingIdx"/>, if given, starts at zero and receives no gradient.
/// </summary>
public sealed class Embedding : Module
{
    /// <summary>Creates the table and draws it from <paramref name="generator"/> (default: the global generator).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative, or <paramref name="paddingIdx"/> is outside the table.</exception>
    public Embedding(long numEmbeddings, long embeddingDim, long? paddingIdx = null, Device? device = null, DType? dtype = null, Generator? generator = null)
    {
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

    /// <summary>The table, [num_embeddings, embedding_dim].</summary>
    public Tensor Weight { get; }

    /// <summary>The rows of <see cref="Weight"/> at <paramref name="input"/> (integer indices).</summary>
    public override Tensor Forward(Tensor input) => Functional.Embedding(input, Weight, PaddingIdx);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"{NumEmbeddings}, {EmbeddingDim}" + (PaddingIdx is long p ? $", padding_idx={p}" : "");
}

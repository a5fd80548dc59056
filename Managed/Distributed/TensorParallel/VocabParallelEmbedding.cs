using CudaTensor.NN;

namespace CudaTensor.Distributed;

/// <summary>
/// An embedding table whose rows (the vocabulary) are split across a tensor-parallel group (Megatron-LM's
/// <c>VocabParallelEmbedding</c>): rank r holds rows <c>[r·V/n, (r+1)·V/n)</c>, looks up the ids that fall in its range,
/// writes zeros for the others, and the ranks' results are summed (one all-reduce), so every rank gets every id's row.
/// </summary>
/// <remarks>Initialized like <see cref="Embedding"/> (N(0, 1)) from the full table: the same seed gives the dense layer.</remarks>
public sealed class VocabParallelEmbedding : Module
{
    /// <summary>Creates this rank's rows of an <c>Embedding(numEmbeddings, embeddingDim)</c>.</summary>
    /// <param name="numEmbeddings">The vocabulary size; must divide by the group's size.</param>
    /// <param name="embeddingDim">The size of each row.</param>
    /// <param name="group">The tensor-parallel group; null for <see cref="ProcessGroup.World"/>.</param>
    /// <param name="device">Where the table lives.</param>
    /// <param name="dtype">The table's dtype.</param>
    /// <param name="generator">Draws the full table (the same on every rank); default: the global generator.</param>
    public VocabParallelEmbedding(long numEmbeddings, long embeddingDim, ProcessGroup? group = null, Device? device = null, DType? dtype = null,
        Generator? generator = null)
    {
        Group = group ?? ProcessGroup.World;
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        long part = ParallelRegion.Part(numEmbeddings, Group, nameof(VocabParallelEmbedding), "numEmbeddings");
        VocabStart = Group.Rank * part;
        VocabEnd = VocabStart + part;
        using var full = new Embedding(numEmbeddings, embeddingDim, device: device, dtype: dtype, generator: generator);
        Weight = RegisterParameter("weight", ParallelRegion.Shard(full.Weight, 0, part, Group));
    }

    /// <summary>The tensor-parallel group.</summary>
    public ProcessGroup Group { get; }

    /// <summary>The whole vocabulary's size.</summary>
    public long NumEmbeddings { get; }

    /// <summary>The size of each row.</summary>
    public long EmbeddingDim { get; }

    /// <summary>The first id this rank holds.</summary>
    public long VocabStart { get; }

    /// <summary>One past the last id this rank holds.</summary>
    public long VocabEnd { get; }

    /// <summary>This rank's rows, <c>[V / n, dim]</c>.</summary>
    public Tensor Weight { get; }

    /// <summary>The rows of <paramref name="input"/>'s ids (int64, any shape, the same on every rank).</summary>
    /// <param name="input">Token ids in <c>[0, NumEmbeddings)</c>.</param>
    /// <returns><c>[..., dim]</c>, the same on every rank.</returns>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var below = input.Lt(VocabStart);
        using var above = input.Ge(VocabEnd);
        using var outside = below.LogicalOr(above);
        using var shifted = input - VocabStart;
        using var local = Tensor.Where(outside, 0L, shifted);
        var rows = Functional.Embedding(local, Weight);
        using var mask = outside.Unsqueeze(-1);
        var mine = Tensor.Where(mask, 0.0, rows);
        return ParallelRegion.Reduce(mine, Group);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"{NumEmbeddings}, {EmbeddingDim}, world_size={Group.WorldSize}, rows=[{VocabStart}, {VocabEnd})";
}

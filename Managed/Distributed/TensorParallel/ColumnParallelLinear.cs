using CudaTensor.NN;

namespace CudaTensor.Distributed;

/// <summary>
/// A linear layer whose output features are split across the ranks of a tensor-parallel group (Megatron-LM's
/// <c>ColumnParallelLinear</c>): rank r holds rows <c>[r·out/n, (r+1)·out/n)</c> of the weight <c>[out, in]</c> and of the
/// bias, and computes that part of <c>x·Wᵀ + b</c> from the replicated input. With <c>gatherOutput</c> the parts are
/// concatenated (every rank gets the full output); without, each rank keeps its part, ready for a
/// <see cref="RowParallelLinear"/> with <c>inputIsParallel: true</c>.
/// </summary>
/// <remarks>
/// The full weight and bias are drawn as <see cref="Linear"/> draws them, from the same generator on every rank, and
/// each rank keeps its rows: with the same seed the sharded layer computes exactly what the dense <see cref="Linear"/>
/// computes. The input's gradient is all-reduced in backward (each rank's part contributes to it).
/// </remarks>
public sealed class ColumnParallelLinear : Module
{
    /// <summary>Creates rank <c>group.Rank</c>'s part of a <c>Linear(inFeatures, outFeatures)</c>.</summary>
    /// <param name="inFeatures">Input features.</param>
    /// <param name="outFeatures">Output features of the whole layer; must divide by the group's size.</param>
    /// <param name="group">The tensor-parallel group; null for <see cref="ProcessGroup.World"/>.</param>
    /// <param name="bias">Whether the layer adds a bias.</param>
    /// <param name="gatherOutput">Concatenate the ranks' outputs (the full output on every rank).</param>
    /// <param name="device">Where the parameters live.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">Draws the full weight (the same on every rank); default: the global generator.</param>
    /// <exception cref="ArgumentException"><paramref name="outFeatures"/> does not divide by the group's size.</exception>
    public ColumnParallelLinear(long inFeatures, long outFeatures, ProcessGroup? group = null, bool bias = true, bool gatherOutput = true,
        Device? device = null, DType? dtype = null, Generator? generator = null)
    {
        Group = group ?? ProcessGroup.World;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        GatherOutput = gatherOutput;
        long part = ParallelRegion.Part(outFeatures, Group, nameof(ColumnParallelLinear), "outFeatures");
        using var full = new Linear(inFeatures, outFeatures, bias, device, dtype, generator);
        Weight = RegisterParameter("weight", ParallelRegion.Shard(full.Weight, 0, part, Group));
        if (full.Bias is { } b) Bias = RegisterParameter("bias", ParallelRegion.Shard(b, 0, part, Group));
    }

    /// <summary>The tensor-parallel group.</summary>
    public ProcessGroup Group { get; }

    /// <summary>Input features.</summary>
    public long InFeatures { get; }

    /// <summary>Output features of the whole layer (this rank computes <c>OutFeatures / WorldSize</c> of them).</summary>
    public long OutFeatures { get; }

    /// <summary>Whether the output is gathered.</summary>
    public bool GatherOutput { get; }

    /// <summary>This rank's rows of the weight, <c>[out / n, in]</c>.</summary>
    public Tensor Weight { get; }

    /// <summary>This rank's part of the bias, <c>[out / n]</c>, or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>This rank's output features, or (with <see cref="GatherOutput"/>) all of them, for an input <c>[..., in]</c> replicated on the ranks.</summary>
    /// <param name="input">The replicated input.</param>
    /// <returns><c>[..., out / n]</c> or <c>[..., out]</c>.</returns>
    public override Tensor Forward(Tensor input)
    {
        var local = Functional.Linear(ParallelRegion.Copy(input, Group), Weight, Bias);
        return GatherOutput ? ParallelRegion.Gather(local, Group) : local;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr()
        => $"in_features={InFeatures}, out_features={OutFeatures}, world_size={Group.WorldSize}, bias={(Bias is null ? "False" : "True")}, gather_output={(GatherOutput ? "True" : "False")}";
}

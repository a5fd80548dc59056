using CudaTensor.NN;

namespace CudaTensor.Distributed;

/// <summary>
/// A linear layer whose input features are split across the ranks of a tensor-parallel group (Megatron-LM's
/// <c>RowParallelLinear</c>): rank r holds columns <c>[r·in/n, (r+1)·in/n)</c> of the weight <c>[out, in]</c>, multiplies
/// its part of the input, and the partial products are summed across the ranks (one all-reduce); the bias, whole on
/// every rank, is added after the sum.
/// </summary>
/// <remarks>
/// With <c>inputIsParallel</c> the input is already split (the output of a <see cref="ColumnParallelLinear"/> with
/// <c>gatherOutput: false</c>); otherwise each rank takes its part of a replicated input. Initialized like
/// <see cref="Linear"/> from the full weight, so the same seed gives the dense layer's results.
/// </remarks>
public sealed class RowParallelLinear : Module
{
    /// <summary>Creates rank <c>group.Rank</c>'s part of a <c>Linear(inFeatures, outFeatures)</c>.</summary>
    /// <param name="inFeatures">Input features of the whole layer; must divide by the group's size.</param>
    /// <param name="outFeatures">Output features.</param>
    /// <param name="group">The tensor-parallel group; null for <see cref="ProcessGroup.World"/>.</param>
    /// <param name="bias">Whether the layer adds a bias.</param>
    /// <param name="inputIsParallel">The input is this rank's part already (<c>[..., in / n]</c>).</param>
    /// <param name="device">Where the parameters live.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">Draws the full weight (the same on every rank); default: the global generator.</param>
    /// <exception cref="ArgumentException"><paramref name="inFeatures"/> does not divide by the group's size.</exception>
    public RowParallelLinear(long inFeatures, long outFeatures, ProcessGroup? group = null, bool bias = true, bool inputIsParallel = false,
        Device? device = null, DType? dtype = null, Generator? generator = null)
    {
        Group = group ?? ProcessGroup.World;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        InputIsParallel = inputIsParallel;
        long part = ParallelRegion.Part(inFeatures, Group, nameof(RowParallelLinear), "inFeatures");
        using var full = new Linear(inFeatures, outFeatures, bias, device, dtype, generator);
        Weight = RegisterParameter("weight", ParallelRegion.Shard(full.Weight, 1, part, Group));
        if (full.Bias is { } b) Bias = RegisterParameter("bias", b.DetachedClone());
    }

    /// <summary>The tensor-parallel group.</summary>
    public ProcessGroup Group { get; }

    /// <summary>Input features of the whole layer.</summary>
    public long InFeatures { get; }

    /// <summary>Output features.</summary>
    public long OutFeatures { get; }

    /// <summary>Whether the input arrives split across the ranks.</summary>
    public bool InputIsParallel { get; }

    /// <summary>This rank's columns of the weight, <c>[out, in / n]</c>.</summary>
    public Tensor Weight { get; }

    /// <summary>The whole bias, <c>[out]</c> (the same on every rank), or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>The full output, the same on every rank.</summary>
    /// <param name="input"><c>[..., in / n]</c> with <see cref="InputIsParallel"/>, else the replicated <c>[..., in]</c>.</param>
    /// <returns><c>[..., out]</c>.</returns>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var local = InputIsParallel ? input : ParallelRegion.Scatter(input, Group);
        var sum = ParallelRegion.Reduce(Functional.Linear(local, Weight), Group);
        return Bias is null ? sum : sum + Bias;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr()
        => $"in_features={InFeatures}, out_features={OutFeatures}, world_size={Group.WorldSize}, bias={(Bias is null ? "False" : "True")}, input_is_parallel={(InputIsParallel ? "True" : "False")}";
}

using CudaTensor.NN;

namespace CudaTensor.Distributed;

/// <summary>
/// A transformer MLP block split across a tensor-parallel group (Megatron-LM's <c>ParallelMLP</c>):
/// <c>fc2(GELU(fc1(x)))</c> with <c>fc1</c> a <see cref="ColumnParallelLinear"/> (no gather) and <c>fc2</c> a
/// <see cref="RowParallelLinear"/> (parallel input), so the hidden activation never leaves its rank and the block costs
/// one all-reduce forward and one backward. Equal, for the same seed, to
/// <c>Sequential(Linear(hidden, ffn), GELU(), Linear(ffn, hidden))</c>.
/// </summary>
public sealed class TensorParallelMlp : Module
{
    /// <summary>Creates this rank's part of the block.</summary>
    /// <param name="hidden">The model width (input and output features).</param>
    /// <param name="ffnHidden">The inner width; must divide by the group's size.</param>
    /// <param name="group">The tensor-parallel group; null for <see cref="ProcessGroup.World"/>.</param>
    /// <param name="bias">Whether both layers add a bias.</param>
    /// <param name="device">Where the parameters live.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">Draws the full weights (the same on every rank); default: the global generator.</param>
    public TensorParallelMlp(long hidden, long ffnHidden, ProcessGroup? group = null, bool bias = true, Device? device = null, DType? dtype = null,
        Generator? generator = null)
    {
        var g = group ?? ProcessGroup.World;
        Fc1 = RegisterModule("fc1", new ColumnParallelLinear(hidden, ffnHidden, g, bias, gatherOutput: false, device, dtype, generator));
        Fc2 = RegisterModule("fc2", new RowParallelLinear(ffnHidden, hidden, g, bias, inputIsParallel: true, device, dtype, generator));
    }

    /// <summary>The first layer, split by output features.</summary>
    public ColumnParallelLinear Fc1 { get; }

    /// <summary>The second layer, split by input features.</summary>
    public RowParallelLinear Fc2 { get; }

    /// <summary><c>fc2(GELU(fc1(x)))</c> for the replicated <c>[..., hidden]</c>; the result is replicated too.</summary>
    /// <param name="input">The replicated input.</param>
    /// <returns><c>[..., hidden]</c>.</returns>
    public override Tensor Forward(Tensor input) => Fc2.Forward(Fc1.Forward(input).Gelu());
}

using CudaTensor.Backends;
using CudaTensor.Compilation.Fusion;

namespace CudaTensor.Compilation;

/// <summary>
/// A group of elementwise nodes run as one fused pass (<see cref="ElementwiseFusion"/>): <see cref="Program"/> reads
/// <see cref="GraphNode.Reads"/> (every view already broadcast to one shape) and writes <see cref="GraphNode.Writes"/>,
/// on the CPU tile by tile and on CUDA as one generated kernel (<see cref="FusedExecutor"/>).
/// </summary>
internal sealed class FusedElementwiseNode(Device device, ElementwiseProgram program, BufferView[] outputs, BufferView[] inputs, int fusedNodes)
    : GraphNode(device, outputs, inputs)
{
    /// <summary>The fused computation.</summary>
    public ElementwiseProgram Program { get; } = program;

    /// <summary>How many primitives the node replaces.</summary>
    public int FusedNodes { get; } = fusedNodes;

    /// <inheritdoc/>
    public override string Name => "FusedElementwise";

    /// <inheritdoc/>
    public override string Arguments => $"nodes={FusedNodes} {{ {Program.ToString().Replace("\n", "; ", StringComparison.Ordinal)} }}";

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context)
    {
        var inputs = new Strided[Reads.Length];
        for (int k = 0; k < inputs.Length; k++) inputs[k] = R(context, k);
        var outputs = new Strided[Writes.Length];
        for (int k = 0; k < outputs.Length; k++) outputs[k] = W(context, k);
        FusedExecutor.Run(Program, inputs, outputs);
    }
}

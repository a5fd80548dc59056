using CudaTensor.Backends;
using CudaTensor.Compilation.Fusion;
using CudaTensor.Ops;

namespace CudaTensor.Compilation;

/// <summary>
/// An elementwise program feeding a reduction over its last dimensions (<see cref="ReductionPrologueFusion"/>): the
/// program's value never reaches a full-size buffer. The reduction's rows are taken a slab at a time: the program writes
/// a slab into <see cref="GraphNode.Writes"/>[1], a scratch temporary of <see cref="CpuSlabBytes"/> (CUDA: <see cref="CudaSlabBytes"/>) or less (it stays in
/// L2, as does the GPU's), and the backend's own <see cref="IBackend.Reduce"/> reduces it, so the results are eager
/// mode's. Views are [outer, inner]: Writes = [result [outer], scratch [slabRows, inner]]; Reads = the program's
/// inputs [outer, inner] (stride 0 where broadcast).
/// </summary>
internal sealed class FusedReduceNode(Device device, ElementwiseProgram program, ReduceOp op, BufferView dst, BufferView scratch, BufferView[] inputs, int fusedNodes)
    : GraphNode(device, [dst, scratch], inputs)
{
    /// <summary>The most bytes of program output computed before they are reduced on the CPU (in L2).</summary>
    public const long CpuSlabBytes = 256 * 1024;

    /// <summary>The same on CUDA: a slab stays in the GPU's L2 and amortizes the two launches per slab.</summary>
    public const long CudaSlabBytes = 8L << 20;

    /// <summary>The elementwise prologue (one output).</summary>
    public ElementwiseProgram Program { get; } = program;

    /// <summary>The reduction over the inner dimension.</summary>
    public ReduceOp Op { get; } = op;

    /// <summary>How many primitives the node replaces.</summary>
    public int FusedNodes { get; } = fusedNodes;

    /// <inheritdoc/>
    public override string Name => "FusedReduce." + Op;

    /// <inheritdoc/>
    public override string Arguments => $"nodes={FusedNodes} {{ {Program.ToString().Replace("\n", "; ", StringComparison.Ordinal)} }}";

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context)
    {
        var backend = Backend(context);
        var dst = W(context, 0);
        var scratch = W(context, 1);
        long outer = dst.Shape[0], inner = Reads[0].Shape[1], slab = scratch.Shape[0];
        var inputs = new Strided[Reads.Length];
        var outputs = new Strided[1];
        for (long o0 = 0; o0 < outer; o0 += slab)
        {
            long rows = Math.Min(slab, outer - o0);
            for (int k = 0; k < inputs.Length; k++)
            {
                var r = Reads[k];
                inputs[k] = new Strided(context.Storages[r.Buffer], r.Offset + (o0 * r.Strides[0]), [rows, inner], r.Strides, r.DType);
            }
            outputs[0] = scratch.WithLayout([rows, inner], scratch.Strides);
            FusedExecutor.Run(Program, inputs, outputs);
            var part = new Strided(dst.Storage, dst.Offset + (o0 * dst.Strides[0]), [rows], dst.Strides, dst.DType);
            backend.Reduce(Op, part, outputs[0], 1);
        }
    }
}

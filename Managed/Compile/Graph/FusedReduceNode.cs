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
internal sealed class FusedReduceNode(Device device, ElementwiseProgram program, ReduceOp op, BufferView dst, BufferView scratch, BufferView[] inputs, int fusedNodes, bool leading = false)
    : GraphNode(device, [dst, scratch], inputs)
{
    /// <summary>The largest column slab (<see cref="Leading"/>): a slab holds every reduced row of its columns.</summary>
    public const long MaxColumnSlabBytes = 4L << 20;

    /// <summary>
    /// Whether the reduction runs over the leading dimension instead: views are then [rows, columns] (Reads), the
    /// result [columns], the scratch [rows, slab columns]; slabs are taken by columns and each column is reduced over
    /// all its rows.
    /// </summary>
    public bool Leading { get; } = leading;

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
    public override string Name => "FusedReduce." + Op + (Leading ? ".Leading" : "");

    /// <inheritdoc/>
    public override string Arguments => $"nodes={FusedNodes} {{ {Program.ToString().Replace("\n", "; ", StringComparison.Ordinal)} }}";

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context)
    {
        var backend = Backend(context);
        var dst = W(context, 0);
        var scratch = W(context, 1);
        if (Leading)
        {
            ExecuteLeading(backend, dst, scratch, context);
            return;
        }
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

    // Column slabs: the program fills scratch [rows, w], and the reduction reads it as [w, rows] with strides [1, w],
    // the layout eager mode's permuted view has, so each column is reduced over its rows in eager mode's order.
    private void ExecuteLeading(IBackend backend, Strided dst, Strided scratch, ExecutionContext context)
    {
        long rows = Reads[0].Shape[0], cols = Reads[0].Shape[1], slab = scratch.Shape[1];
        var inputs = new Strided[Reads.Length];
        var outputs = new Strided[1];
        for (long c0 = 0; c0 < cols; c0 += slab)
        {
            long w = Math.Min(slab, cols - c0);
            for (int k = 0; k < inputs.Length; k++)
            {
                var r = Reads[k];
                inputs[k] = new Strided(context.Storages[r.Buffer], r.Offset + (c0 * r.Strides[1]), [rows, w], r.Strides, r.DType);
            }
            outputs[0] = scratch.WithLayout([rows, w], [w, 1]);
            FusedExecutor.Run(Program, inputs, outputs);
            var part = new Strided(dst.Storage, dst.Offset + (c0 * dst.Strides[0]), [w], dst.Strides, dst.DType);
            backend.Reduce(Op, part, scratch.WithLayout([w, rows], [1, w]), 1);
        }
    }
}

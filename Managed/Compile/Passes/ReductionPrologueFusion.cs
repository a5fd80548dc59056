using CudaTensor.Compilation.Fusion;
using CudaTensor.Core;
using CudaTensor.Ops;

namespace CudaTensor.Compilation;

/// <summary>
/// Reduction prologue fusion: a fused elementwise group (or a single Unary or Binary node) whose one result feeds only
/// a Sum, Prod, Max or Min over its last dimensions becomes one <see cref="FusedReduceNode"/>: the elementwise value is
/// computed a slab of rows at a time into a small scratch buffer and reduced there, instead of being written whole
/// and read back (<c>(x - y).Square().Sum(-1)</c>, <c>x.Exp().Max(-1)</c>; a mean is the sum and a division of the
/// small result), or (on the CPU) over its leading dimensions (<c>(g * mask).Sum(0)</c>, a bias gradient, read by
/// the reduction as a permuted view). The result must be a whole contiguous temporary; operands must flatten to
/// [rows, reduced elements] (or [reduced rows, columns]; a row broadcast over the rows of a full sum does not); nodes
/// between the two must not write what the group reads. Runs after <see cref="ElementwiseFusion"/>.
/// </summary>
internal sealed class ReductionPrologueFusion : IGraphPass
{
    /// <inheritdoc/>
    public string Name => "reduction prologue fusion";

    /// <inheritdoc/>
    public void Run(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        int fusedGroups = 0;
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            if (graph.Nodes[i] is not ReduceNode reduce) continue;
            int w = Writer(graph, reduce, i);
            if (w < 0 || Fuse(graph, graph.Nodes[w], reduce) is not { } node) continue;
            graph.Nodes[i] = node;
            graph.Nodes.RemoveAt(w);
            i--;
            fusedGroups++;
        }
        graph.Notes.Add($"{Name}: {fusedGroups} reduction(s) with elementwise prologues");
    }

    // The index of the node that wrote the reduction's source, when it is the only other node touching that buffer.
    private static int Writer(Graph graph, ReduceNode reduce, int at)
    {
        int src = reduce.Reads[0].Buffer;
        var buffer = graph.Buffers[src];
        if (buffer.IsObservable || graph.Outputs.Exists(o => o.Buffer == src)) return -1;
        int writer = -1;
        for (int j = 0; j < graph.Nodes.Count; j++)
        {
            var n = graph.Nodes[j];
            if (j == at || n is AllocNode { Zeroed: false } || !n.Touches(src)) continue;
            if (writer >= 0 || j > at || n.ReadsBuffer(src) || n is not (FusedElementwiseNode or UnaryNode or BinaryNode) || n.Writes.Length != 1) return -1;
            writer = j;
        }
        if (writer < 0) return -1;
        // The group runs at the reduction: nothing in between may write what it reads.
        var group = graph.Nodes[writer];
        for (int j = writer + 1; j < at; j++)
            foreach (var v in graph.Nodes[j].Writes)
                if (graph.Nodes[j] is not AllocNode && group.ReadsBuffer(v.Buffer)) return -1;
        return writer;
    }

    private static FusedReduceNode? Fuse(Graph graph, GraphNode group, ReduceNode reduce)
    {
        var value = group.Writes[0];
        var src = reduce.Reads[0];
        if (!group.Device.IsCpu && !group.Device.IsCuda) return null;
        if (!value.CoversWhole(graph.Buffers[value.Buffer].ByteLength) || src.Offset != 0 || src.NumElements != value.NumElements || src.DType != value.DType) return null;
        if (!src.IsContiguous) return FuseLeading(graph, group, reduce);
        // The reduction may see the value with another shape of the same elements (a full sum reads it flattened).
        if (src.DType is not (DType.Float32 or DType.Float64) || reduce.ReducedDims < 1 || reduce.ReducedDims > src.Shape.Length) return null;
        long inner = 1;
        for (int d = src.Shape.Length - reduce.ReducedDims; d < src.Shape.Length; d++) inner *= src.Shape[d];
        long outer = src.NumElements / Math.Max(1, inner);
        if (inner == 0 || outer == 0) return null;
        var dst = reduce.Writes[0];
        var dstRows = Shapes.ViewStrides(dst.Shape, dst.Strides, [outer]);
        if (dstRows is null) return null;
        var program = Program(group);
        if (program is null) return null;
        var inputs = new BufferView[group.Reads.Length];
        for (int k = 0; k < inputs.Length; k++)
        {
            var r = group.Reads[k];
            var strides = Shapes.ViewStrides(r.Shape, r.Strides, [outer, inner]);
            if (strides is null) return null;
            inputs[k] = new BufferView(r.Buffer, r.Offset, [outer, inner], strides, r.DType);
        }
        long slabBytes = group.Device.IsCuda ? FusedReduceNode.CudaSlabBytes : FusedReduceNode.CpuSlabBytes;
        long slabRows = Math.Clamp(slabBytes / (inner * src.DType.ElementSize()), 1, outer);
        var scratch = graph.AddBuffer(BufferKind.Temporary, group.Device, slabRows * inner * src.DType.ElementSize());
        var scratchView = new BufferView(scratch.Id, 0, [slabRows, inner], [inner, 1], src.DType);
        var dstView = new BufferView(dst.Buffer, dst.Offset, [outer], dstRows, dst.DType);
        int fused = (group is FusedElementwiseNode f ? f.FusedNodes : 1) + 1;
        return new FusedReduceNode(group.Device, program, reduce.Op, dstView, scratchView, inputs, fused);
    }

    /// <summary>
    /// A reduction over the value's leading dimensions (a column sum: <c>grad.Sum(0)</c> of [N, C], the bias gradient):
    /// eager mode reduces a permuted view, [C, N] with strides [1, C]. The value, flattened to [R, K] (R reduced rows,
    /// K kept columns), is computed a slab of columns at a time, [R, cols], and the slab's columns are summed as eager
    /// mode sums them (each output over its R rows in order), so the results are eager mode's. CPU only: a column
    /// slab is L2-sized there.
    /// </summary>
    private static FusedReduceNode? FuseLeading(Graph graph, GraphNode group, ReduceNode reduce)
    {
        var value = group.Writes[0];
        var src = reduce.Reads[0];
        if (!group.Device.IsCpu || !value.IsContiguous || value.Offset != 0) return null;
        if (src.DType is not (DType.Float32 or DType.Float64) || reduce.ReducedDims < 1 || reduce.ReducedDims >= src.Shape.Length) return null;
        int keep = src.Shape.Length - reduce.ReducedDims;
        long kept = 1, rows = 1;
        for (int d = 0; d < keep; d++) kept *= src.Shape[d];
        for (int d = keep; d < src.Shape.Length; d++) rows *= src.Shape[d];
        if (kept == 0 || rows == 0) return null;
        // The kept dimensions must be the value's trailing K elements in order, the reduced ones its leading R rows.
        if (Shapes.ViewStrides(src.Shape.AsSpan(0, keep), src.Strides.AsSpan(0, keep), [kept]) is not [1]) return null;
        if (Shapes.ViewStrides(src.Shape.AsSpan(keep), src.Strides.AsSpan(keep), [rows]) is not [var rowStride] || rowStride != kept) return null;
        var dst = reduce.Writes[0];
        var dstCols = Shapes.ViewStrides(dst.Shape, dst.Strides, [kept]);
        if (dstCols is null) return null;
        var program = Program(group);
        if (program is null) return null;
        var inputs = new BufferView[group.Reads.Length];
        for (int k = 0; k < inputs.Length; k++)
        {
            var r = group.Reads[k];
            var strides = Shapes.ViewStrides(r.Shape, r.Strides, [rows, kept]);
            if (strides is null) return null;
            inputs[k] = new BufferView(r.Buffer, r.Offset, [rows, kept], strides, r.DType);
        }
        int es = src.DType.ElementSize();
        // At least 16 columns per slab (a cache line of float32 per row read), unless there are fewer.
        long cols = Math.Clamp(FusedReduceNode.CpuSlabBytes / (rows * es), Math.Min(16, kept), kept);
        if (rows * cols * es > FusedReduceNode.MaxColumnSlabBytes) return null;
        var scratch = graph.AddBuffer(BufferKind.Temporary, group.Device, rows * cols * es);
        var scratchView = new BufferView(scratch.Id, 0, [rows, cols], [cols, 1], src.DType);
        var dstView = new BufferView(dst.Buffer, dst.Offset, [kept], dstCols, dst.DType);
        int fused = (group is FusedElementwiseNode f ? f.FusedNodes : 1) + 1;
        return new FusedReduceNode(group.Device, program, reduce.Op, dstView, scratchView, inputs, fused, leading: true);
    }

    // The group's program, with one output (a lone Unary or Binary node becomes a program of one instruction).
    private static ElementwiseProgram? Program(GraphNode group)
    {
        if (group is FusedElementwiseNode f) return f.Program.Outputs.Count == 1 ? f.Program : null;
        var b = new ElementwiseProgramBuilder();
        switch (group)
        {
            case UnaryNode u:
                b.Output(b.Unary(u.Op, b.Input(u.Reads[0].DType), u.P0, u.P1));
                break;
            case BinaryNode x:
                if (x.Reads[0].DType != x.Reads[1].DType) return null;
                int a = b.Input(x.Reads[0].DType);
                b.Output(b.Binary(x.Op, a, b.Input(x.Reads[1].DType)));
                break;
            default:
                return null;
        }
        try
        {
            return b.Build();
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}

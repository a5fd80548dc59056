using CudaTensor.Backends;
using CudaTensor.Core;
using CudaTensor.Ops;

namespace CudaTensor.Compilation;

/// <summary>
/// GEMM epilogue fusion: a floating <see cref="MatMulNode"/> and the chain of elementwise nodes that consume its
/// result — a bias add (broadcast over rows), activations (ReLU, GELU exact and tanh, SiLU, any unary), a residual
/// add, a scaling (<c>Add</c>, <c>Sub</c>, <c>Mul</c>, <c>Div</c>, <c>Maximum</c>, <c>Minimum</c> with an operand
/// broadcast to the result) — become one <see cref="FusedGemmNode"/>, so the product is stored once, already
/// transformed. Each link reads the previous value whole through the layout it was written with (contiguous), writes
/// a new contiguous buffer of the same elements, and is the previous value's only reader at that point of the program;
/// a value also read later (the pre-activation the backward pass needs) or observable stays written as a store of the
/// epilogue. Nodes between links stay where they are when they read nothing the chain writes and write nothing it
/// reads or writes (the fused node runs at the last link).
/// </summary>
internal sealed class GemmEpilogueFusion : IGraphPass
{
    /// <inheritdoc/>
    public string Name => "GEMM epilogue fusion";

    /// <inheritdoc/>
    public void Run(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var nodes = graph.Nodes;
        var replaced = new Dictionary<GraphNode, GraphNode?>(ReferenceEqualityComparer.Instance);
        int groups = 0, fused = 0;
        for (int i = 0; i < nodes.Count; i++)
        {
            if (nodes[i] is not MatMulNode mm || replaced.ContainsKey(mm)) continue;
            if (TryChain(graph, i) is not { } chain) continue;
            foreach (var member in chain.Members) replaced[member] = null;
            replaced[chain.Members[^1]] = chain.Node;
            groups++;
            fused += chain.Members.Count;
        }
        if (groups > 0)
        {
            var result = new List<GraphNode>(nodes.Count);
            foreach (var node in nodes)
            {
                if (!replaced.TryGetValue(node, out var with)) result.Add(node);
                else if (with is not null) result.Add(with);
            }
            graph.Nodes = result;
        }
        graph.Notes.Add($"{Name}: {fused} node(s) in {groups} GEMM(s) with epilogues");
    }

    private sealed record Chain(List<GraphNode> Members, FusedGemmNode Node);

    private static Chain? TryChain(Graph graph, int start)
    {
        var nodes = graph.Nodes;
        var mm = (MatMulNode)nodes[start];
        var product = mm.Writes[0];
        if (product.DType is not (DType.Float32 or DType.Float64) || !(mm.Device.IsCpu || mm.Device.IsCuda) || product.Shape.Length != 3) return null;
        long n = product.Shape[2], rows = product.Shape[0] * product.Shape[1];
        if (!WholeContiguous(graph, product) || graph.Buffers[product.Buffer].IsObservable || IsOutput(graph, product.Buffer)) return null;
        if (mm.Reads[0].Buffer == product.Buffer || mm.Reads[1].Buffer == product.Buffer) return null;

        var members = new List<GraphNode> { mm };
        var written = new HashSet<int> { product.Buffer };
        var read = new HashSet<int> { mm.Reads[0].Buffer, mm.Reads[1].Buffer };
        var steps = new List<EpilogueStep>();
        var operands = new List<BufferView>();
        var stores = new List<BufferView>();
        int last = start;
        BufferView current = product; // the value so far, as its writer wrote it
        int firstLaterReader = int.MaxValue; // the earliest node outside the chain that reads a stored value
        bool currentIsProduct = true;

        while (true)
        {
            // The next link: the first later node that reads the current value.
            int next = -1;
            for (int j = last + 1; j < nodes.Count; j++)
            {
                if (nodes[j].ReadsBuffer(current.Buffer) || nodes[j].WritesBuffer(current.Buffer)) { next = j; break; }
            }
            if (next < 0 || next >= firstLaterReader || !IsLink(nodes[next], current, rows, n, out var step, out var operand)) break;
            var link = nodes[next];
            var dst = link.Writes[0];
            if (!WholeContiguous(graph, dst) || dst.DType != product.DType || written.Contains(dst.Buffer) || read.Contains(dst.Buffer)) break;
            if (operand is { } op && (written.Contains(op.Buffer) || op.Buffer == dst.Buffer)) break;
            // Nodes between the chain and the link run before the fused node: they must not see or change its work.
            bool independent = true;
            for (int j = last + 1; j < next && independent; j++)
            {
                var between = nodes[j];
                if (between is AllocNode { Zeroed: false }) continue;
                foreach (var r in between.Reads) independent &= !written.Contains(r.Buffer);
                foreach (var w in between.Writes) independent &= !written.Contains(w.Buffer) && !read.Contains(w.Buffer) && w.Buffer != dst.Buffer;
            }
            if (!independent) break;
            // The value the link consumes leaves the epilogue as a store when anything else reads it or can see it.
            int laterReader = NextReader(nodes, current.Buffer, next + 1);
            bool keep = graph.Buffers[current.Buffer].IsObservable || IsOutput(graph, current.Buffer) || laterReader < nodes.Count;
            if (keep)
            {
                if (currentIsProduct) break; // the plain product is wanted elsewhere: leave it alone
                steps.Add(new EpilogueStep(GemmEpilogueStepKind.Store, default, default, 0, 0, 1 + stores.Count, false));
                stores.Add(AsRows(current, rows, n)!.Value);
                firstLaterReader = Math.Min(firstLaterReader, laterReader);
            }
            if (operand is { } o)
            {
                operands.Add(AsRows(o, rows, n)!.Value);
                read.Add(o.Buffer);
                steps.Add(step with { View = 2 + operands.Count - 1 });
            }
            else steps.Add(step);
            members.Add(link);
            written.Add(dst.Buffer);
            current = dst;
            currentIsProduct = false;
            last = next;
        }
        if (members.Count == 1) return null;
        // A store of the final value itself is the result: drop a store that would repeat it.
        var result = new BufferView(current.Buffer, 0, product.Shape, Shapes.ContiguousStrides(product.Shape), product.DType);
        var node = new FusedGemmNode(mm.Device, result, mm.Reads[0], mm.Reads[1], [.. stores], [.. operands], [.. steps], members.Count);
        return new Chain(members, node);
    }

    // Whether node is an epilogue link of the current value; the step's view index is filled in by the caller.
    private static bool IsLink(GraphNode node, BufferView current, long rows, long n, out EpilogueStep step, out BufferView? operand)
    {
        step = default;
        operand = null;
        if (node.Writes.Length != 1 || node.Writes[0].Buffer == current.Buffer) return false;
        switch (node)
        {
            case UnaryNode u when u.Reads[0].Buffer == current.Buffer && SameValue(u.Reads[0], current):
                step = new EpilogueStep(GemmEpilogueStepKind.Unary, u.Op, default, u.P0, u.P1, -1, false);
                return true;
            case BinaryNode x when x.Op is BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul or BinaryOp.Div or BinaryOp.Maximum or BinaryOp.Minimum:
                bool first = x.Reads[1].Buffer == current.Buffer; // the operand is on the left
                var mine = x.Reads[first ? 1 : 0];
                var other = x.Reads[first ? 0 : 1];
                if (mine.Buffer != current.Buffer || other.Buffer == current.Buffer || !SameValue(mine, current)) return false;
                if (other.DType != current.DType || AsRows(other, rows, n) is null) return false;
                step = new EpilogueStep(GemmEpilogueStepKind.Binary, default, x.Op, 0, 0, -1, first);
                operand = other;
                return true;
            default:
                return false;
        }
    }

    // The read sees the value whole, element for element as it was written (both contiguous over the same elements).
    private static bool SameValue(in BufferView read, in BufferView written)
        => read.Offset == written.Offset && read.IsContiguous && written.IsContiguous && read.NumElements == written.NumElements && read.DType == written.DType;

    private static bool WholeContiguous(Graph graph, in BufferView v) => v.CoversWhole(graph.Buffers[v.Buffer].ByteLength);

    private static bool IsOutput(Graph graph, int buffer) => graph.Outputs.Exists(o => o.Buffer == buffer);

    private static int NextReader(List<GraphNode> nodes, int buffer, int from)
    {
        for (int j = from; j < nodes.Count; j++)
            if (nodes[j].ReadsBuffer(buffer)) return j;
        return nodes.Count;
    }

    // The view as [rows, n] over the flattened result (a bias has row stride 0), or null when its layout cannot be.
    private static BufferView? AsRows(in BufferView v, long rows, long n)
    {
        if (v.NumElements != rows * n || v.Shape.Length == 0 || v.Shape[^1] != n) return null;
        var strides = Shapes.ViewStrides(v.Shape, v.Strides, [rows, n]);
        return strides is null ? null : new BufferView(v.Buffer, v.Offset, [rows, n], strides, v.DType);
    }
}

using CudaTensor.Backends;

namespace CudaTensor.Compilation;

/// <summary>
/// Constant folding: an elementwise node (Unary, Predicate, Binary, Where, Copy) whose operands are all constants of the
/// capture — temporaries written once, whole, by a <see cref="FillNode"/> or <see cref="HostWriteNode"/> (a C# number,
/// a host array, an earlier folded node) — is computed once, at compile time, on the node's own backend (so the value
/// is eager mode's), and replaced by a <see cref="FillNode"/> of its value when every element is the same, or a
/// <see cref="HostWriteNode"/> of its bytes otherwise. Results above <see cref="MaxBytes"/> are left to run, so the
/// graph does not carry large baked tensors. The constants it read are left to dead-code elimination.
/// </summary>
internal sealed class ConstantFolding : IGraphPass
{
    /// <summary>The largest result folded, in bytes.</summary>
    public const long MaxBytes = 4096;

    /// <inheritdoc/>
    public string Name => "constant folding";

    /// <inheritdoc/>
    public void Run(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var writers = graph.WriterCounts();
        // The self-contained node that writes each constant buffer (a Fill or a host write).
        var source = new Dictionary<int, GraphNode>();
        int folded = 0;
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            if (node is FillNode or HostWriteNode)
            {
                if (IsSingleWholeTemporary(graph, writers, node.Writes[0])) source[node.Writes[0].Buffer] = node;
                continue;
            }
            if (node is not (UnaryNode or PredicateNode or BinaryNode or WhereNode or CopyNode) || node.Writes.Length != 1) continue;
            var dst = node.Writes[0];
            if (!IsSingleWholeTemporary(graph, writers, dst) || graph.Buffers[dst.Buffer].ByteLength > MaxBytes) continue;
            bool constant = true;
            foreach (var r in node.Reads) constant &= source.ContainsKey(r.Buffer);
            if (!constant) continue;
            var replacement = Evaluate(graph, node, source);
            graph.Nodes[i] = replacement;
            source[dst.Buffer] = replacement;
            folded++;
        }
        graph.Notes.Add($"{Name}: folded {folded} node(s)");
    }

    private static bool IsSingleWholeTemporary(Graph graph, int[] writers, in BufferView view)
    {
        var buffer = graph.Buffers[view.Buffer];
        return buffer.Kind == BufferKind.Temporary && writers[view.Buffer] == 1 && view.CoversWhole(buffer.ByteLength);
    }

    // Runs the constants' sources and the node on fresh storages of its device, and reads the result back.
    private static GraphNode Evaluate(Graph graph, GraphNode node, Dictionary<int, GraphNode> source)
    {
        var storages = new Storage[graph.Buffers.Count];
        var context = new ExecutionContext(storages);
        var backend = context.BackendFor(node.Device);
        var dst = node.Writes[0];
        var used = new List<int> { dst.Buffer };
        foreach (var r in node.Reads) if (!used.Contains(r.Buffer)) used.Add(r.Buffer);
        try
        {
            foreach (int b in used) storages[b] = backend.Allocate(graph.Buffers[b].ByteLength, zeroed: false);
            foreach (int b in used) if (b != dst.Buffer) source[b].Execute(context);
            node.Execute(context);
            var bytes = new byte[graph.Buffers[dst.Buffer].ByteLength];
            backend.ReadToHost(context.Resolve(dst), bytes);
            return Uniform(bytes, dst.DType) is { } value ? new FillNode(node.Device, dst, value) : new HostWriteNode(node.Device, dst, bytes);
        }
        finally
        {
            foreach (int b in used) storages[b]?.Release();
        }
    }

    // The value every element holds, when they all hold the same bits (a Fill then writes exactly these bytes).
    private static Scalar? Uniform(byte[] bytes, DType dtype)
    {
        int size = dtype.ElementSize();
        if (bytes.Length == 0) return null;
        var first = bytes.AsSpan(0, size);
        for (int i = size; i < bytes.Length; i += size)
            if (!bytes.AsSpan(i, size).SequenceEqual(first)) return null;
        return dtype switch
        {
            DType.Float32 => (double)BitConverter.ToSingle(first),
            DType.Float64 => BitConverter.ToDouble(first),
            DType.Int32 => (long)BitConverter.ToInt32(first),
            DType.Int64 => BitConverter.ToInt64(first),
            DType.Bool => first[0] != 0,
            _ => null,
        };
    }
}

using CudaTensor.Core;
namespace CudaTensor.Compilation;

/// <summary>
/// Merges a node into an earlier identical one: same primitive and arguments, same read views, and no write to
/// those reads in between. Only single-writer temporaries whose one write covers the whole buffer qualify on both
/// sides (so the earlier result still holds when the later one is read, and no partial write is lost); later readers
/// of the duplicate read the original. Nodes with host effects are never merged. The common case is the one-element
/// constants the op layer fills for every C# number (<c>x * 0.5</c> twice fills 0.5 twice).
/// </summary>
internal sealed class CommonSubexpressionElimination : IGraphPass
{
    /// <inheritdoc/>
    public string Name => "common-subexpression elimination";

    /// <inheritdoc/>
    public void Run(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var writers = graph.WriterCounts();
        // key -> index of the first node with that key whose reads have not been overwritten since.
        var seen = new Dictionary<string, int>();
        var lastWrite = new int[graph.Buffers.Count];
        Array.Fill(lastWrite, -1);
        var removed = new bool[graph.Nodes.Count];
        int merged = 0;
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            if (Candidate(graph, node, writers))
            {
                string key = Key(node);
                if (seen.TryGetValue(key, out int first) && ReadsUnchangedSince(graph.Nodes[first], lastWrite, first))
                {
                    int from = node.Writes[0].Buffer, to = graph.Nodes[first].Writes[0].Buffer;
                    for (int j = i + 1; j < graph.Nodes.Count; j++) graph.Nodes[j].Remap(from, to);
                    for (int k = 0; k < graph.Outputs.Count; k++)
                        if (graph.Outputs[k].Buffer == from) graph.Outputs[k] = graph.Outputs[k].On(to);
                    removed[i] = true;
                    merged++;
                    continue;
                }
                seen[key] = i;
            }
            foreach (var w in node.Writes) lastWrite[w.Buffer] = i;
        }
        var kept = new List<GraphNode>(graph.Nodes.Count - merged);
        for (int i = 0; i < graph.Nodes.Count; i++)
            if (!removed[i]) kept.Add(graph.Nodes[i]);
        graph.Nodes = kept;
        graph.Notes.Add($"{Name}: merged {merged} node(s)");
    }

    private static bool Candidate(Graph graph, GraphNode node, int[] writers)
    {
        if (node is AllocNode or HostWriteNode || node.HasHostEffect || node.Writes.Length != 1) return false;
        var w = node.Writes[0];
        var b = graph.Buffers[w.Buffer];
        if (b.Kind != BufferKind.Temporary || writers[b.Id] != 1 || !w.CoversWhole(b.ByteLength)) return false;
        foreach (var r in node.Reads)
            if (r.Buffer == w.Buffer) return false;
        return true;
    }

    private static bool ReadsUnchangedSince(GraphNode first, int[] lastWrite, int index)
    {
        foreach (var r in first.Reads)
            if (lastWrite[r.Buffer] > index) return false;
        return true;
    }

    // Everything the result depends on: primitive, arguments, device, the read views and the written layout.
    private static string Key(GraphNode node)
    {
        var w = node.Writes[0];
        var sb = new System.Text.StringBuilder();
        sb.Append(node.GetType().Name).Append('|').Append(node.Name).Append('|').Append(node.Arguments).Append('|').Append(node.Device)
          .Append('|').Append(w.DType).Append(Shapes.Format(w.Shape));
        foreach (var r in node.Reads)
            sb.Append('|').Append(r.Buffer).Append('@').Append(r.Offset).Append(r.DType).Append(Shapes.Format(r.Shape)).Append(Shapes.Format(r.Strides));
        return sb.ToString();
    }
}

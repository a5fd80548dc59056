namespace CudaTensor.Compilation;

/// <summary>
/// Removes nodes whose writes reach nothing observable: walking backwards, a node is live when it writes an
/// observable buffer (input, state, persistent, output) or a buffer a live node reads later, or when it has a host
/// effect (live arguments: an optimizer step count, a generator reservation). Buffers are tracked whole, so a
/// partial write keeps every earlier writer of that buffer. Allocations of buffers no live node touches go too.
/// </summary>
internal sealed class DeadCodeElimination : IGraphPass
{
    /// <inheritdoc/>
    public string Name => "dead-code elimination";

    /// <inheritdoc/>
    public void Run(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var needed = new bool[graph.Buffers.Count];
        foreach (var b in graph.Buffers) needed[b.Id] = b.IsObservable;
        var live = new bool[graph.Nodes.Count];
        for (int i = graph.Nodes.Count - 1; i >= 0; i--)
        {
            var node = graph.Nodes[i];
            if (node is AllocNode) continue;
            bool keep = node.HasHostEffect;
            foreach (var w in node.Writes) keep |= needed[w.Buffer];
            if (!keep) continue;
            live[i] = true;
            foreach (var r in node.Reads) needed[r.Buffer] = true;
        }
        var touched = new bool[graph.Buffers.Count];
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            if (!live[i]) continue;
            foreach (var w in graph.Nodes[i].Writes) touched[w.Buffer] = true;
            foreach (var r in graph.Nodes[i].Reads) touched[r.Buffer] = true;
        }
        foreach (var o in graph.Outputs) touched[o.Buffer] = true;
        var kept = new List<GraphNode>(graph.Nodes.Count);
        int removed = 0;
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            bool keep = node is AllocNode alloc ? touched[alloc.Writes[0].Buffer] : live[i];
            if (keep) kept.Add(node);
            else removed++;
        }
        graph.Nodes = kept;
        graph.Notes.Add($"{Name}: removed {removed} node(s)");
    }
}

namespace CudaTensor.Compilation;

/// <summary>
/// Places the temporaries in arena slots by liveness: a temporary lives from its first to its last node, and takes
/// a free slot of its device (the smallest that fits, else the largest, grown) whose previous occupant's life
/// ended before it starts. The executor allocates the slots once, so a replay allocates nothing but the outputs'
/// storages. Allocation nodes of temporaries nothing reads or writes are dropped. Runs last.
/// </summary>
internal sealed class MemoryPlanning : IGraphPass
{
    /// <inheritdoc/>
    public string Name => "memory planning";

    /// <inheritdoc/>
    public void Run(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        int n = graph.Buffers.Count;
        var first = new int[n];
        var last = new int[n];
        var used = new bool[n];
        Array.Fill(first, int.MaxValue);
        Array.Fill(last, -1);
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            foreach (var v in node.Writes) Touch(v.Buffer, i, node is not AllocNode);
            foreach (var v in node.Reads) Touch(v.Buffer, i, true);
        }
        graph.Nodes = graph.Nodes.FindAll(node => node is not AllocNode a || used[a.Writes[0].Buffer] || graph.Buffers[a.Writes[0].Buffer].Kind != BufferKind.Temporary);

        graph.Slots.Clear();
        var freeAt = new List<int>(); // per slot: the last node of its current occupant
        long planned = 0, naive = 0;
        var order = new List<GraphBuffer>();
        foreach (var b in graph.Buffers)
            if (b.Kind == BufferKind.Temporary && used[b.Id]) order.Add(b);
        order.Sort((x, y) => first[x.Id].CompareTo(first[y.Id]));
        foreach (var b in order)
        {
            naive += b.ByteLength;
            int best = -1;
            for (int s = 0; s < graph.Slots.Count; s++)
            {
                var slot = graph.Slots[s];
                if (freeAt[s] >= first[b.Id] || slot.Device != b.Device) continue;
                if (best < 0 || Better(slot.ByteLength, graph.Slots[best].ByteLength, b.ByteLength)) best = s;
            }
            if (best < 0)
            {
                graph.Slots.Add(new ArenaSlot(b.Device, b.ByteLength));
                freeAt.Add(-1);
                best = graph.Slots.Count - 1;
            }
            else if (graph.Slots[best].ByteLength < b.ByteLength)
            {
                graph.Slots[best] = graph.Slots[best] with { ByteLength = b.ByteLength };
            }
            b.Slot = best;
            freeAt[best] = last[b.Id];
        }
        foreach (var s in graph.Slots) planned += s.ByteLength;
        graph.Notes.Add($"{Name}: {order.Count} temporaries in {graph.Slots.Count} arena slot(s), {planned} bytes (without reuse: {naive} bytes)");

        void Touch(int buffer, int index, bool real)
        {
            first[buffer] = Math.Min(first[buffer], index);
            last[buffer] = Math.Max(last[buffer], index);
            used[buffer] |= real;
        }
    }

    // Prefers a slot that fits (the smallest of those), else the largest (the least growth).
    private static bool Better(long candidate, long current, long need)
    {
        bool fits = candidate >= need, currentFits = current >= need;
        if (fits != currentFits) return fits;
        return fits ? candidate < current : candidate > current;
    }
}

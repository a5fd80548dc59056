using System.Text;

namespace CudaTensor.Compilation;

/// <summary>One arena slot of a planned graph: storage that temporaries with disjoint lifetimes share.</summary>
internal sealed record ArenaSlot(Device Device, long ByteLength);

/// <summary>
/// A captured function: buffers (inputs, state, graph-owned, arena temporaries, outputs) and the primitive nodes
/// over them in program order. Built by the recorder, rewritten by passes (<see cref="PassPipeline"/>), run by
/// <see cref="GraphExecutor"/>.
/// </summary>
internal sealed class Graph
{
    /// <summary>Every buffer; a buffer's id is its index.</summary>
    public List<GraphBuffer> Buffers { get; } = [];

    /// <summary>The nodes in program order.</summary>
    public List<GraphNode> Nodes { get; set; } = [];

    /// <summary>The returned tensors, in order: views of output buffers (fresh each call) or of input/state/persistent ones.</summary>
    public List<BufferView> Outputs { get; } = [];

    /// <summary>How many arguments the function takes.</summary>
    public int InputCount { get; set; }

    /// <summary>The arena of planned temporaries (<see cref="MemoryPlanning"/>); empty before planning.</summary>
    public List<ArenaSlot> Slots { get; } = [];

    /// <summary>What passes did, in order, for reports (<see cref="Compile.Explain(System.Delegate, Tensor[])"/>).</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Adds a buffer and returns it.</summary>
    public GraphBuffer AddBuffer(BufferKind kind, Device device, long byteLength, bool zeroed = false, int inputIndex = -1, Storage? storage = null)
    {
        var buffer = new GraphBuffer(Buffers.Count, kind, device, byteLength) { Zeroed = zeroed, InputIndex = inputIndex, Storage = storage };
        Buffers.Add(buffer);
        return buffer;
    }

    /// <summary>How many nodes write each buffer (allocation nodes count when they zero).</summary>
    public int[] WriterCounts()
    {
        var counts = new int[Buffers.Count];
        foreach (var node in Nodes)
        {
            if (node is AllocNode { Zeroed: false }) continue;
            foreach (var w in node.Writes) counts[w.Buffer]++;
        }
        return counts;
    }

    /// <summary>The captured graph, one node per line, followed by its buffers and outputs.</summary>
    public string Format()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < Nodes.Count; i++) sb.Append("  ").Append(i.ToString().PadLeft(3)).Append("  ").AppendLine(Nodes[i].Format(this));
        sb.Append("  outputs: ");
        for (int i = 0; i < Outputs.Count; i++) sb.Append(i == 0 ? "" : ", ").Append(Outputs[i].Format(this));
        sb.AppendLine();
        return sb.ToString();
    }
}

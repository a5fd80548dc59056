using CudaTensor.Compilation.Fusion;

namespace CudaTensor.Compilation;

/// <summary>
/// Vertical elementwise fusion: runs of Unary, Predicate, Binary, Where and Copy (dtype conversion) nodes over one
/// iteration shape become one <see cref="FusedElementwiseNode"/>, whose intermediates never reach memory. Operands
/// broadcast into the group (a bias row, a number's one-element buffer) are inputs read by stride 0. A node joins the
/// group when it is on the group's device with the group's shape and reads values the group made through the very
/// views that wrote them. Other nodes between members stay where they are when the move is safe: they read nothing
/// the group writes and write nothing it reads or writes (the fused node runs at the group's last member); any other
/// node ends the group. A group writes the buffers that are observable or read outside it; the intermediates'
/// allocations are left to dead-code elimination. Groups of one node are left alone.
/// </summary>
internal sealed class ElementwiseFusion : IGraphPass
{
    // Inputs plus outputs of one group: the generated CUDA kernel's parameter block limit.
    private const int MaxOperands = CudaFusedSource.MaxOperands;

    /// <inheritdoc/>
    public string Name => "elementwise fusion";

    /// <inheritdoc/>
    public void Run(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var result = new List<GraphNode>(graph.Nodes.Count);
        var group = new Group();
        int groups = 0, fused = 0;
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            if (IsFusible(node))
            {
                if (group.CanJoin(node)) { group.Add(node); continue; }
                Close();
                group.Add(node);
                continue;
            }
            if (group.Members.Count > 0 && !group.IsIndependentOf(node)) Close();
            result.Add(node);
        }
        Close();
        graph.Nodes = result;
        graph.Notes.Add($"{Name}: {fused} node(s) in {groups} fused group(s)");

        void Close()
        {
            if (group.Members.Count == 1) result.Add(group.Members[0]);
            else if (group.Members.Count > 1)
            {
                if (Build(graph, group) is { } node)
                {
                    result.Add(node);
                    groups++;
                    fused += group.Members.Count;
                }
                else result.AddRange(group.Members);
            }
            group = new Group();
        }
    }

    private static bool IsFusible(GraphNode node)
        => node is UnaryNode or PredicateNode or BinaryNode or WhereNode or CopyNode && (node.Device.IsCpu || node.Device.IsCuda);

    /// <summary>The members so far and what they touch.</summary>
    private sealed class Group
    {
        public readonly List<GraphNode> Members = [];
        // The view each buffer was last written through by a member.
        private readonly Dictionary<int, BufferView> _written = [];
        // The distinct views members read from outside the group (the fused node's inputs).
        private readonly List<BufferView> _inputs = [];
        private long[]? _shape;
        private Device _device;

        public bool CanJoin(GraphNode node)
        {
            if (Members.Count == 0) return true;
            var dst = node.Writes[0];
            if (node.Device != _device || !dst.Shape.AsSpan().SequenceEqual(_shape)) return false;
            int added = 0;
            foreach (var r in node.Reads)
            {
                if (_written.TryGetValue(r.Buffer, out var w)) { if (!w.SameAs(r)) return false; }
                else if (!_inputs.Exists(v => v.SameAs(r))) added++;
            }
            // Writing memory the group read from outside: only through the same view (each element is read, then written).
            foreach (var v in _inputs) if (v.Buffer == dst.Buffer && !v.SameAs(dst)) return false;
            if (!_written.ContainsKey(dst.Buffer)) added++;
            return _inputs.Count + _written.Count + added <= MaxOperands;
        }

        public void Add(GraphNode node)
        {
            if (Members.Count == 0)
            {
                _shape = node.Writes[0].Shape;
                _device = node.Device;
            }
            foreach (var r in node.Reads)
            {
                if (!_written.ContainsKey(r.Buffer) && !_inputs.Exists(v => v.SameAs(r))) _inputs.Add(r);
            }
            _written[node.Writes[0].Buffer] = node.Writes[0];
            Members.Add(node);
        }

        /// <summary>Whether <paramref name="node"/> may run before the fused node (it stays in place, the group moves after it).</summary>
        public bool IsIndependentOf(GraphNode node)
        {
            foreach (var r in node.Reads) if (_written.ContainsKey(r.Buffer)) return false;
            foreach (var w in node.Writes)
            {
                if (_written.ContainsKey(w.Buffer)) return false;
                foreach (var v in _inputs) if (v.Buffer == w.Buffer) return false;
            }
            return true;
        }
    }

    // The fused node of a group, or null when its program cannot be built (the members then stay as they are).
    private static FusedElementwiseNode? Build(Graph graph, Group group)
    {
        var b = new ElementwiseProgramBuilder();
        var inputs = new List<BufferView>();
        var inputValues = new List<int>();
        var values = new Dictionary<int, (int Value, BufferView View)>();
        var order = new List<int>();

        int Read(BufferView r)
        {
            if (values.TryGetValue(r.Buffer, out var v)) return v.Value;
            for (int k = 0; k < inputs.Count; k++) if (inputs[k].SameAs(r)) return inputValues[k];
            inputs.Add(r);
            inputValues.Add(b.Input(r.DType));
            return inputValues[^1];
        }

        foreach (var node in group.Members)
        {
            var dst = node.Writes[0];
            int value = node switch
            {
                UnaryNode u => b.Unary(u.Op, Read(u.Reads[0]), u.P0, u.P1),
                PredicateNode p => b.Predicate(p.Op, Read(p.Reads[0])),
                BinaryNode x => b.Binary(x.Op, Read(x.Reads[0]), Read(x.Reads[1])),
                WhereNode w => b.Where(Read(w.Reads[0]), Read(w.Reads[1]), Read(w.Reads[2])),
                CopyNode c => b.Cast(Read(c.Reads[0]), dst.DType),
                _ => throw new InvalidOperationException($"{node.Name} is not elementwise."),
            };
            if (!values.ContainsKey(dst.Buffer)) order.Add(dst.Buffer);
            values[dst.Buffer] = (value, dst);
        }

        // A buffer leaves the group when someone else can see it: observable, read by another node, or returned.
        var members = new HashSet<GraphNode>(group.Members, ReferenceEqualityComparer.Instance);
        var readElsewhere = new HashSet<int>();
        foreach (var node in graph.Nodes)
        {
            if (members.Contains(node)) continue;
            foreach (var r in node.Reads) readElsewhere.Add(r.Buffer);
        }
        foreach (var o in graph.Outputs) readElsewhere.Add(o.Buffer);
        var outputs = new List<BufferView>();
        foreach (int buffer in order)
        {
            if (!graph.Buffers[buffer].IsObservable && !readElsewhere.Contains(buffer)) continue;
            b.Output(values[buffer].Value);
            outputs.Add(values[buffer].View);
        }
        if (outputs.Count == 0) return null;
        ElementwiseProgram program;
        try
        {
            program = b.Build();
        }
        catch (ArgumentException)
        {
            return null; // a combination the program rules refuse (never expected): keep the nodes
        }
        return new FusedElementwiseNode(group.Members[0].Device, program, [.. outputs], [.. inputs], group.Members.Count);
    }
}

// The optimizing passes of the pipeline: constant folding, then GEMM epilogues (they take the elementwise nodes right after a
// product), then elementwise fusion of what is left, then reductions take the elementwise group feeding them.
internal static partial class PassPipeline
{
    static partial void AddOptimizations(List<IGraphPass> passes)
    {
        passes.Add(new ConstantFolding());
        passes.Add(new GemmEpilogueFusion());
        passes.Add(new ElementwiseFusion());
        passes.Add(new ReductionPrologueFusion());
    }
}

using CudaTensor.Compilation;
using CudaTensor.Ops;
using NUnit.Framework;

namespace CudaTensor.Tests.Compilation;

/// <summary>The graph passes on hand-built graphs: what each removes, merges or places, and that results stay the same.</summary>
public sealed class PassTests
{
    private static readonly Device Cpu = Device.Cpu;

    private static BufferView Whole(GraphBuffer b, long n) => new(b.Id, 0, [n], [1], DType.Float32);

    // in0 -> t1 = exp(in0) (unused) ; t2 = in0 + in0 ; out = t2 * in0
    private static (Graph Graph, GraphBuffer Output) DeadBranch()
    {
        var g = new Graph { InputCount = 1 };
        var input = g.AddBuffer(BufferKind.Input, Cpu, 16, inputIndex: 0);
        var t1 = g.AddBuffer(BufferKind.Temporary, Cpu, 16);
        var t2 = g.AddBuffer(BufferKind.Temporary, Cpu, 16);
        var output = g.AddBuffer(BufferKind.Output, Cpu, 16);
        g.Nodes.Add(new AllocNode(Cpu, t1.Id, 16, false));
        g.Nodes.Add(new UnaryNode(Cpu, UnaryOp.Exp, Whole(t1, 4), Whole(input, 4), 0, 0));
        g.Nodes.Add(new AllocNode(Cpu, t2.Id, 16, false));
        g.Nodes.Add(new BinaryNode(Cpu, BinaryOp.Add, Whole(t2, 4), Whole(input, 4), Whole(input, 4)));
        g.Nodes.Add(new AllocNode(Cpu, output.Id, 16, false));
        g.Nodes.Add(new BinaryNode(Cpu, BinaryOp.Mul, Whole(output, 4), Whole(t2, 4), Whole(input, 4)));
        g.Outputs.Add(Whole(output, 4));
        return (g, output);
    }

    private static double[] Run(Graph graph, float[] input)
    {
        using var executor = new GraphExecutor(graph);
        using var x = Tensor.FromArray(input);
        var outputs = executor.Run([x]);
        using var y = outputs.Single();
        return CompileAssert.Values(y);
    }

    [Test]
    public void DeadCodeEliminationDropsTheUnusedBranchOnly()
    {
        var (g, _) = DeadBranch();
        new DeadCodeElimination().Run(g);
        Assert.That(g.Nodes.Select(n => n.Name), Is.EqualTo(new[] { "Alloc", "Binary.Add", "Alloc", "Binary.Mul" }));
        new MemoryPlanning().Run(g);
        Assert.That(Run(g, [1, 2, -1, 0.5f]), Is.EqualTo(new[] { 2.0, 8, 2, 0.5 }));
    }

    [Test]
    public void DeadCodeEliminationKeepsWritesToStateAndHostEffects()
    {
        var g = new Graph { InputCount = 1 };
        var input = g.AddBuffer(BufferKind.Input, Cpu, 16, inputIndex: 0);
        var state = g.AddBuffer(BufferKind.State, Cpu, 16);
        var t = g.AddBuffer(BufferKind.Temporary, Cpu, 16);
        g.Nodes.Add(new BinaryNode(Cpu, BinaryOp.Add, Whole(state, 4), Whole(state, 4), Whole(input, 4)));
        g.Nodes.Add(new RandomNode(Cpu, Whole(t, 4), RandomDistribution.Uniform, 0, 1, new global::CudaTensor.Backends.RandomStream(1, 0), () => new global::CudaTensor.Backends.RandomStream(1, 0)));
        new DeadCodeElimination().Run(g);
        Assert.That(g.Nodes.Select(n => n.Name), Is.EqualTo(new[] { "Binary.Add", "Random.Uniform" }));
    }

    // out = (exp(in) * 0.5 + exp(in) * 0.5) * 2, with the second exp overwritten in place and the 0.5 filled twice.
    private static Graph RepeatedWork()
    {
        var g = new Graph { InputCount = 1 };
        var input = g.AddBuffer(BufferKind.Input, Cpu, 16, inputIndex: 0);
        var c1 = g.AddBuffer(BufferKind.Temporary, Cpu, 4);
        var c2 = g.AddBuffer(BufferKind.Temporary, Cpu, 4);
        var c3 = g.AddBuffer(BufferKind.Temporary, Cpu, 4);
        var e1 = g.AddBuffer(BufferKind.Temporary, Cpu, 16);
        var e2 = g.AddBuffer(BufferKind.Temporary, Cpu, 16);
        var output = g.AddBuffer(BufferKind.Output, Cpu, 16);
        static BufferView Scalar(GraphBuffer b) => new(b.Id, 0, [4], [0], DType.Float32);
        g.Nodes.Add(new FillNode(Cpu, new BufferView(c1.Id, 0, [], [], DType.Float32), 0.5));
        g.Nodes.Add(new FillNode(Cpu, new BufferView(c2.Id, 0, [], [], DType.Float32), 0.5));
        g.Nodes.Add(new FillNode(Cpu, new BufferView(c3.Id, 0, [], [], DType.Float32), 2.0));
        g.Nodes.Add(new UnaryNode(Cpu, UnaryOp.Exp, Whole(e1, 4), Whole(input, 4), 0, 0));
        g.Nodes.Add(new UnaryNode(Cpu, UnaryOp.Exp, Whole(e2, 4), Whole(input, 4), 0, 0));
        g.Nodes.Add(new BinaryNode(Cpu, BinaryOp.Mul, Whole(output, 4), Whole(e1, 4), Scalar(c1)));
        g.Nodes.Add(new BinaryNode(Cpu, BinaryOp.Mul, Whole(e2, 4), Whole(e2, 4), Scalar(c2)));
        g.Nodes.Add(new BinaryNode(Cpu, BinaryOp.Add, Whole(output, 4), Whole(output, 4), Whole(e2, 4)));
        g.Nodes.Add(new BinaryNode(Cpu, BinaryOp.Mul, Whole(output, 4), Whole(output, 4), Scalar(c3)));
        g.Outputs.Add(Whole(output, 4));
        return g;
    }

    [Test]
    public void CommonSubexpressionEliminationMergesRepeatedConstants()
    {
        var reference = RepeatedWork();
        new MemoryPlanning().Run(reference);
        var before = Run(reference, [0, 1, 2, -1]);

        var g = RepeatedWork();
        new CommonSubexpressionElimination().Run(g);
        // The second 0.5 merges into the first; the second Exp does not: its result is overwritten in place later.
        Assert.That(g.Nodes.Count(n => n is FillNode), Is.EqualTo(2));
        Assert.That(g.Nodes.Count(n => n.Name == "Unary.Exp"), Is.EqualTo(2));
        Assert.That(g.Nodes.OfType<BinaryNode>().ElementAt(1).Reads[1].Buffer, Is.EqualTo(1), "reads the first constant");
        new MemoryPlanning().Run(g);
        var after = Run(g, [0, 1, 2, -1]);
        Assert.That(after, Is.EqualTo(before));
        Assert.That(after[1], Is.EqualTo(2 * Math.Exp(1)).Within(1e-5));
    }

    [Test]
    public void CommonSubexpressionEliminationMergesIdenticalPureOps()
    {
        var g = new Graph { InputCount = 1 };
        var input = g.AddBuffer(BufferKind.Input, Cpu, 16, inputIndex: 0);
        var e1 = g.AddBuffer(BufferKind.Temporary, Cpu, 16);
        var e2 = g.AddBuffer(BufferKind.Temporary, Cpu, 16);
        var output = g.AddBuffer(BufferKind.Output, Cpu, 16);
        g.Nodes.Add(new UnaryNode(Cpu, UnaryOp.Exp, Whole(e1, 4), Whole(input, 4), 0, 0));
        g.Nodes.Add(new UnaryNode(Cpu, UnaryOp.Exp, Whole(e2, 4), Whole(input, 4), 0, 0));
        g.Nodes.Add(new BinaryNode(Cpu, BinaryOp.Sub, Whole(output, 4), Whole(e1, 4), Whole(e2, 4)));
        g.Outputs.Add(Whole(output, 4));
        new CommonSubexpressionElimination().Run(g);
        Assert.That(g.Nodes.Select(n => n.Name), Is.EqualTo(new[] { "Unary.Exp", "Binary.Sub" }));
        Assert.That(g.Nodes[1].Reads.Select(r => r.Buffer), Is.EqualTo(new[] { e1.Id, e1.Id }));
        new MemoryPlanning().Run(g);
        Assert.That(Run(g, [0, 1, 2, -1]), Is.EqualTo(new[] { 0.0, 0, 0, 0 }));
    }

    [Test]
    public void MemoryPlanningReusesSlotsOfDeadTemporaries()
    {
        // A chain in0 -> t0 -> t1 -> ... -> t5 -> out: each temporary dies when the next is written.
        var g = new Graph { InputCount = 1 };
        var input = g.AddBuffer(BufferKind.Input, Cpu, 16, inputIndex: 0);
        var previous = input;
        for (int i = 0; i < 6; i++)
        {
            var t = g.AddBuffer(BufferKind.Temporary, Cpu, 16);
            g.Nodes.Add(new AllocNode(Cpu, t.Id, 16, false));
            g.Nodes.Add(new BinaryNode(Cpu, BinaryOp.Add, Whole(t, 4), Whole(previous, 4), Whole(previous, 4)));
            previous = t;
        }
        var output = g.AddBuffer(BufferKind.Output, Cpu, 16);
        g.Nodes.Add(new AllocNode(Cpu, output.Id, 16, false));
        g.Nodes.Add(new UnaryNode(Cpu, UnaryOp.Neg, Whole(output, 4), Whole(previous, 4), 0, 0));
        g.Outputs.Add(Whole(output, 4));
        new MemoryPlanning().Run(g);
        Assert.That(g.Slots, Has.Count.EqualTo(2));
        var slots = g.Buffers.Where(b => b.Kind == BufferKind.Temporary).Select(b => b.Slot).ToArray();
        Assert.That(slots, Is.EqualTo(new[] { 0, 1, 0, 1, 0, 1 }));
        Assert.That(Run(g, [1, 2, 3, 0]), Is.EqualTo(new[] { -64.0, -128, -192, 0 }));
    }

    [Test]
    public void MemoryPlanningZeroesReusedSlotsThatWereAllocatedZeroed()
    {
        var g = new Graph { InputCount = 1 };
        var input = g.AddBuffer(BufferKind.Input, Cpu, 16, inputIndex: 0);
        var a = g.AddBuffer(BufferKind.Temporary, Cpu, 16);
        var b = g.AddBuffer(BufferKind.Temporary, Cpu, 16, zeroed: true);
        var output = g.AddBuffer(BufferKind.Output, Cpu, 16);
        g.Nodes.Add(new AllocNode(Cpu, a.Id, 16, false));
        g.Nodes.Add(new UnaryNode(Cpu, UnaryOp.Exp, Whole(a, 4), Whole(input, 4), 0, 0));
        g.Nodes.Add(new AllocNode(Cpu, output.Id, 16, false));
        g.Nodes.Add(new CopyNode(Cpu, Whole(output, 4), Whole(a, 4)));
        g.Nodes.Add(new AllocNode(Cpu, b.Id, 16, true));
        // b += input (b starts at zero even though it shares a's slot)
        g.Nodes.Add(new BinaryNode(Cpu, BinaryOp.Add, Whole(b, 4), Whole(b, 4), Whole(input, 4)));
        g.Nodes.Add(new BinaryNode(Cpu, BinaryOp.Add, Whole(output, 4), Whole(output, 4), Whole(b, 4)));
        g.Outputs.Add(Whole(output, 4));
        new MemoryPlanning().Run(g);
        Assert.That(a.Slot, Is.EqualTo(b.Slot));
        var result = Run(g, [0, 1, 0, 0]);
        Assert.That(result[0], Is.EqualTo(1.0).Within(1e-6));
        Assert.That(result[1], Is.EqualTo(Math.E + 1).Within(1e-5));
    }
}

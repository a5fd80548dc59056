using System.Text;

namespace CudaTensor.Compilation;

/// <summary>Builds <see cref="Compile.Explain"/>'s report.</summary>
internal static class Explainer
{
    public static string Report(CompiledFunction compiled, Tensor[] arguments)
    {
        // Two calls at most: the warm-up, then the trace (or the fallback's reason).
        for (int call = 0; call < 2; call++)
        {
            var entry = Current(compiled, arguments);
            if (entry is { Stage: not CompiledFunction.Stage.WarmedUp }) break;
            foreach (var t in compiled.Invoke(arguments)) DisposeUnlessArgument(t, arguments);
        }
        var e = Current(compiled, arguments) ?? throw new InvalidOperationException("Compile.Explain: the signature left the cache while explaining it.");
        var sb = new StringBuilder();
        sb.AppendLine($"signature: {e.Signature.Text}");
        foreach (var f in e.Flags) sb.AppendLine($"guard: {f.What} == {f.Value}");
        foreach (var ev in e.Events) sb.AppendLine($"event: {ev}");
        if (e.Stage == CompiledFunction.Stage.Eager)
        {
            sb.AppendLine($"runs eagerly: {e.Reason}");
            return sb.ToString();
        }
        var graph = e.Executor!.Graph;
        sb.AppendLine($"graph ({graph.Nodes.Count} nodes):");
        sb.Append(graph.Format());
        sb.AppendLine("passes:");
        foreach (var note in graph.Notes) sb.AppendLine($"  {note}");
        var fused = graph.Nodes.FindAll(n => n.Name.StartsWith("Fused", StringComparison.Ordinal));
        sb.AppendLine($"fusion groups: {fused.Count}");
        foreach (var n in fused) sb.AppendLine($"  {n.Format(graph)}");
        sb.AppendLine("memory:");
        foreach (var kind in Enum.GetValues<BufferKind>())
        {
            var buffers = graph.Buffers.FindAll(b => b.Kind == kind && Used(graph, b.Id));
            if (buffers.Count == 0) continue;
            long bytes = 0;
            foreach (var b in buffers) bytes += b.ByteLength;
            sb.AppendLine($"  {kind}: {buffers.Count} buffer(s), {bytes} bytes");
        }
        long arena = 0;
        foreach (var s in graph.Slots) arena += s.ByteLength;
        sb.AppendLine($"  arena: {graph.Slots.Count} slot(s), {arena} bytes allocated once; a replay allocates only the outputs");
        if (e.Executor.CudaGraphReport is { } cuda) sb.AppendLine($"cuda graph: {cuda}");
        return sb.ToString();
    }

    private static CompiledFunction.Entry? Current(CompiledFunction compiled, Tensor[] arguments)
    {
        var signature = Signature.Of(arguments, []);
        foreach (var e in compiled.Entries)
            if (e.Signature.Matches(signature) || compiled.Entries.Count == 1) return e;
        return null;
    }

    private static bool Used(Graph graph, int id)
    {
        foreach (var n in graph.Nodes)
            if (n.Touches(id)) return true;
        foreach (var o in graph.Outputs)
            if (o.Buffer == id) return true;
        return false;
    }

    private static void DisposeUnlessArgument(Tensor t, Tensor[] arguments)
    {
        foreach (var a in arguments)
            if (ReferenceEquals(a, t)) return;
        t.Dispose();
    }
}

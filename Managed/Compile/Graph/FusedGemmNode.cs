using System.Text;
using CudaTensor.Backends;
using CudaTensor.Compilation.Fusion;
using CudaTensor.Ops;

namespace CudaTensor.Compilation;

/// <summary>One step of a fused GEMM's epilogue in graph terms: its operand or store destination is a view index.</summary>
/// <param name="Kind">What the step does.</param>
/// <param name="UnaryOp">The activation (for <see cref="GemmEpilogueStepKind.Unary"/>).</param>
/// <param name="BinaryOp">The operator (for <see cref="GemmEpilogueStepKind.Binary"/>).</param>
/// <param name="P0">First parameter of the activation.</param>
/// <param name="P1">Second parameter of the activation.</param>
/// <param name="View">Index into the node's Reads (operand) or Writes (store); -1 for an activation.</param>
/// <param name="OperandFirst">The operand is the operator's left side.</param>
internal readonly record struct EpilogueStep(GemmEpilogueStepKind Kind, UnaryOp UnaryOp, BinaryOp BinaryOp, double P0, double P1, int View, bool OperandFirst);

/// <summary>
/// A matrix product with the elementwise nodes that consumed it applied as it is stored (<see cref="GemmEpilogueFusion"/>).
/// Writes = [the result as the product's [batch, m, n] view, stored intermediates as [rows, n]]; Reads = [a, b,
/// operands as [rows, n] views, broadcast by stride 0]. A backend with <see cref="IGemmEpilogue"/> runs it as one
/// product (the CPU GEMM on its tiles, cuBLASLt's epilogues on CUDA); otherwise, or where the backend declines, the
/// product runs alone and the steps as one fused elementwise pass (<see cref="Fallback"/>).
/// </summary>
internal sealed class FusedGemmNode : GraphNode
{
    private readonly long[] _rowsShape;

    public FusedGemmNode(Device device, BufferView dst, BufferView a, BufferView b, BufferView[] stores, BufferView[] operands, EpilogueStep[] steps, int fusedNodes)
        : base(device, [dst, .. stores], [a, b, .. operands])
    {
        Steps = steps;
        FusedNodes = fusedNodes;
        _rowsShape = [dst.Shape[0] * dst.Shape[1], dst.Shape[2]];
        Fallback = BuildFallback(dst.DType, steps, stores.Length);
    }

    /// <summary>The epilogue's steps in order.</summary>
    public EpilogueStep[] Steps { get; }

    /// <summary>How many primitives the node replaces (the product included).</summary>
    public int FusedNodes { get; }

    /// <summary>The epilogue as one elementwise program over [product, operands...] writing [result, stores...].</summary>
    public ElementwiseProgram Fallback { get; }

    /// <inheritdoc/>
    public override string Name => "FusedGemm";

    /// <inheritdoc/>
    public override string Arguments => $"nodes={FusedNodes} epilogue={{ {Describe(null)} }}";

    /// <summary>The steps, with their operands' labels when <paramref name="graph"/> is given: <c>+ state5 (bias), Gelu, store tmp4</c>.</summary>
    public string Describe(Graph? graph)
    {
        var sb = new StringBuilder();
        foreach (var s in Steps)
        {
            if (sb.Length > 0) sb.Append(", ");
            switch (s.Kind)
            {
                case GemmEpilogueStepKind.Unary: sb.Append(s.UnaryOp); break;
                case GemmEpilogueStepKind.Binary:
                    var r = Reads[s.View];
                    string what = r.Strides[0] == 0 && r.Strides[1] == 1 ? "bias" : r.Strides[0] == 0 && r.Strides[1] == 0 ? "scale" : "operand";
                    sb.Append(s.BinaryOp).Append(' ').Append(graph is null ? $"#{s.View}" : graph.Buffers[r.Buffer].Label).Append(" (").Append(what).Append(')');
                    break;
                default:
                    sb.Append("store ").Append(graph is null ? $"#{s.View}" : graph.Buffers[Writes[s.View].Buffer].Label);
                    break;
            }
        }
        return sb.ToString();
    }

    /// <inheritdoc/>
    public override string Format(Graph graph) => base.Format(graph).Replace($"epilogue={{ {Describe(null)} }}", $"epilogue={{ {Describe(graph)} }}", StringComparison.Ordinal);

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context)
    {
        var backend = Backend(context);
        var dst = W(context, 0);
        if (backend is IGemmEpilogue fused)
        {
            var steps = new GemmEpilogueStep[Steps.Length];
            for (int i = 0; i < steps.Length; i++)
            {
                var s = Steps[i];
                steps[i] = s.Kind switch
                {
                    GemmEpilogueStepKind.Unary => GemmEpilogueStep.Activation(s.UnaryOp, s.P0, s.P1),
                    GemmEpilogueStepKind.Binary => GemmEpilogueStep.With(s.BinaryOp, R(context, s.View), s.OperandFirst),
                    _ => GemmEpilogueStep.StoreTo(W(context, s.View)),
                };
            }
            if (fused.TryMatMulEpilogue(dst, R(context, 0), R(context, 1), new GemmEpilogue(steps))) return;
        }
        backend.MatMul(dst, R(context, 0), R(context, 1));
        var rows = dst.AsContiguous(_rowsShape);
        var inputs = new Strided[Reads.Length - 1];
        inputs[0] = rows;
        for (int k = 2; k < Reads.Length; k++) inputs[k - 1] = R(context, k);
        var outputs = new Strided[Writes.Length];
        outputs[0] = rows;
        for (int k = 1; k < Writes.Length; k++) outputs[k] = W(context, k);
        FusedExecutor.Run(Fallback, inputs, outputs);
    }

    // Inputs: [product, operand of Reads[2], Reads[3], ...]; outputs: [result, Writes[1], Writes[2], ...].
    private static ElementwiseProgram BuildFallback(DType dtype, EpilogueStep[] steps, int stores)
    {
        var b = new ElementwiseProgramBuilder();
        int v = b.Input(dtype);
        var operands = new Dictionary<int, int>();
        var stored = new int[stores];
        int operandCount = 0;
        foreach (var s in steps) if (s.Kind == GemmEpilogueStepKind.Binary) operandCount = Math.Max(operandCount, s.View - 1);
        for (int k = 0; k < operandCount; k++) operands[k + 2] = b.Input(dtype);
        foreach (var s in steps)
        {
            switch (s.Kind)
            {
                case GemmEpilogueStepKind.Unary: v = b.Unary(s.UnaryOp, v, s.P0, s.P1); break;
                case GemmEpilogueStepKind.Binary:
                    int o = operands[s.View];
                    v = s.OperandFirst ? b.Binary(s.BinaryOp, o, v) : b.Binary(s.BinaryOp, v, o);
                    break;
                default: stored[s.View - 1] = v; break;
            }
        }
        b.Output(v);
        foreach (int s in stored) b.Output(s);
        return b.Build();
    }
}

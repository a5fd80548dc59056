using CudaTensor.Ops;

namespace CudaTensor.Backends;

/// <summary>What one step of a GEMM epilogue does to the product's value.</summary>
internal enum GemmEpilogueStepKind
{
    /// <summary><c>v = op(v; p0, p1)</c>: an activation (ReLU, GELU, SiLU, ...).</summary>
    Unary,

    /// <summary><c>v = v op operand</c> (or <c>operand op v</c>): a bias row, a residual, a scale.</summary>
    Binary,

    /// <summary>Writes the current value to <see cref="GemmEpilogueStep.Operand"/> as well (a value the backward pass reads).</summary>
    Store,
}

/// <summary>
/// One step of a <see cref="GemmEpilogue"/>. Operands are 2-D views [rows, n] of the flattened output (rows = batch·m):
/// a bias over columns has strides [0, 1], a scale [0, 0], a residual its own row stride and column stride.
/// </summary>
internal readonly record struct GemmEpilogueStep(
    GemmEpilogueStepKind Kind, UnaryOp UnaryOp = default, BinaryOp BinaryOp = default, double P0 = 0, double P1 = 0,
    Strided? Operand = null, bool OperandFirst = false)
{
    /// <summary><c>v = op(v)</c>.</summary>
    public static GemmEpilogueStep Activation(UnaryOp op, double p0 = 0, double p1 = 0) => new(GemmEpilogueStepKind.Unary, UnaryOp: op, P0: p0, P1: p1);

    /// <summary><c>v = v op operand</c>, or <c>operand op v</c> when <paramref name="operandFirst"/>.</summary>
    public static GemmEpilogueStep With(BinaryOp op, Strided operand, bool operandFirst = false)
        => new(GemmEpilogueStepKind.Binary, BinaryOp: op, Operand: operand, OperandFirst: operandFirst);

    /// <summary>Also writes the current value to <paramref name="destination"/>.</summary>
    public static GemmEpilogueStep StoreTo(Strided destination) => new(GemmEpilogueStepKind.Store, Operand: destination);

    /// <summary>Whether the operand is a bias over the output's columns: one value per column, the same for every row.</summary>
    public bool IsColumnBias => Operand is { } o && o.Strides[0] == 0 && o.Strides[1] == 1;
}

/// <summary>
/// Elementwise work applied to a product where it is stored: <c>dst = steps(a @ b)</c>, each step over the value the
/// previous one left, in the element type (the same operations, in the same order, as the separate ops).
/// </summary>
/// <param name="Steps">The steps in order.</param>
internal sealed record GemmEpilogue(GemmEpilogueStep[] Steps)
{
    /// <summary>Readable form for messages: <c>+bias, Gelu, store</c>.</summary>
    public override string ToString() => string.Join(", ", Steps.Select(s => s.Kind switch
    {
        GemmEpilogueStepKind.Unary => s.UnaryOp.ToString(),
        GemmEpilogueStepKind.Binary => s.BinaryOp + (s.IsColumnBias ? "(bias)" : "(operand)"),
        _ => "store",
    }));
}

/// <summary>
/// Capability: a matrix product with its epilogue applied as the product is stored (no extra pass over the output).
/// Without it (or when it answers false) the caller runs <see cref="IBackend.MatMul"/> and then the steps as one fused
/// elementwise pass.
/// </summary>
internal interface IGemmEpilogue
{
    /// <summary>
    /// <c>dst = epilogue(a @ b)</c> for <paramref name="dst"/> [batch, m, n] (contiguous), <paramref name="a"/> [batch, m, k]
    /// and <paramref name="b"/> [batch, k, n] as for <see cref="IBackend.MatMul"/>; operands of the steps are [batch·m, n] views.
    /// Returns false, having written nothing, when this backend cannot fuse this epilogue for these operands.
    /// </summary>
    bool TryMatMulEpilogue(Strided dst, Strided a, Strided b, GemmEpilogue epilogue);
}

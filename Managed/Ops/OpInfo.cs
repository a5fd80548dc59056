namespace CudaTensor.Ops;

/// <summary>What a unary op's backward formula reads, and so what its graph node keeps alive until backward.</summary>
internal enum GradSaves
{
    /// <summary>Nothing: the gradient is a constant (0 for the rounding functions) or g itself transformed (Neg).</summary>
    Nothing,
    /// <summary>The input x (Log: g / x).</summary>
    Input,
    /// <summary>The result y, cheaper than recomputing it (Exp: g · y).</summary>
    Output,
}

/// <summary>
/// The facts about one <see cref="UnaryOp"/> that the layers above the formula need: dtype rule, what the
/// gradient saves, the CPU work weight and the names of its scalar parameters.
/// </summary>
/// <param name="Op">The op this row describes (the table checks that row i describes value i).</param>
/// <param name="NeedsFloat">Whether the op is only defined on floating dtypes (integer inputs become the default float dtype).</param>
/// <param name="Saves">What the backward formula reads.</param>
/// <param name="CpuWork">
/// The CPU cost per element relative to a copy (1): the strided loop splits work across threads from
/// elements × weight, so an expensive formula goes parallel on smaller tensors.
/// </param>
/// <param name="P0">The meaning of the parameter p0 (for messages and docs), or null when the op has none.</param>
/// <param name="P1">The meaning of the parameter p1, or null.</param>
internal sealed record UnaryOpInfo(UnaryOp Op, bool NeedsFloat, GradSaves Saves, double CpuWork = 1, string? P0 = null, string? P1 = null) : IOpInfo<UnaryOp>;

/// <summary>The facts about one <see cref="BinaryOp"/>.</summary>
/// <param name="Op">The op this row describes.</param>
/// <param name="IsComparison">Numeric inputs, Bool output (Eq ... Ge).</param>
/// <param name="IsLogical">Bool inputs and output (LogicalAnd ... LogicalXor).</param>
/// <param name="IsDivision">Divides: a zero divisor gives ±inf/NaN on floats and has no result on integers (the op layer refuses it).</param>
/// <param name="CpuWork">The CPU cost per element of the floating form relative to a copy (1).</param>
internal sealed record BinaryOpInfo(BinaryOp Op, bool IsComparison = false, bool IsLogical = false, bool IsDivision = false, double CpuWork = 1) : IOpInfo<BinaryOp>
{
    /// <summary>Whether the result is Bool whatever the inputs' dtype.</summary>
    public bool BoolOutput => IsComparison || IsLogical;

    /// <summary>Whether the op has a gradient (comparisons and logical ops are not differentiable).</summary>
    public bool Differentiable => !BoolOutput;
}

/// <summary>The facts about one <see cref="PredicateOp"/>: numeric input, Bool output, no gradient.</summary>
/// <param name="Op">The op this row describes.</param>
/// <param name="IntegerAnswer">The answer for every element of an integer or Bool input (always finite, never NaN).</param>
internal sealed record PredicateOpInfo(PredicateOp Op, bool IntegerAnswer) : IOpInfo<PredicateOp>;

namespace CudaTensor.Ops;

/// <summary>
/// Elementwise functions of one operand. Each value maps to one scalar formula in every backend
/// (an operator struct on the CPU, one C expression in the CUDA templates). <c>p0</c>/<c>p1</c> are the
/// op's scalar parameters where it has any.
/// </summary>
internal enum UnaryOp
{
    // Facts about each value (dtype rule, gradient, cost, parameters) are its row in OpTable, not its position here.
    Neg, Abs, Sign, Square, Relu,
    /// <summary>x &gt; 0 ? x : p0 * x.</summary>
    LeakyRelu,
    /// <summary>min(max(x, p0), p1).</summary>
    Clamp,
    Sqrt, Rsqrt, Reciprocal, Exp,
    /// <summary>2^x (torch.exp2).</summary>
    Exp2,
    Log,
    /// <summary>log₂ x (torch.log2).</summary>
    Log2,
    Log1p, Expm1, Sin, Cos, Tanh, Sigmoid,
    /// <summary>x * Φ(x), the exact (erf) form.</summary>
    Gelu,
    /// <summary>0.5 x (1 + tanh(√(2/π)(x + 0.044715 x³))).</summary>
    GeluTanh,
    Silu,
    /// <summary>log(1 + exp(p0 x)) / p0, linear above the threshold p1.</summary>
    Softplus,
    Erf, Floor, Ceil, Round, Trunc,
}

/// <summary>Elementwise predicates: numeric input, Bool output.</summary>
internal enum PredicateOp { IsNan, IsInf, IsFinite }

/// <summary>Elementwise functions of two operands of the same dtype.</summary>
internal enum BinaryOp
{
    Add, Sub, Mul, Div, Pow, Maximum, Minimum,
    /// <summary>Python's remainder: a - floor(a / b) · b, the sign of the divisor (torch.remainder).</summary>
    Remainder,
    /// <summary>C's remainder: a - trunc(a / b) · b, the sign of the dividend (torch.fmod).</summary>
    FMod,
    /// <summary>The quotient rounded toward zero (torch.div with rounding_mode="trunc"); integers stay integers.</summary>
    TruncDivide,
    /// <summary>The quotient rounded down, Python's // (torch.div with rounding_mode="floor"); integers stay integers.</summary>
    FloorDivide,
    // comparisons: Bool output
    Eq, Ne, Lt, Le, Gt, Ge,
    // logical: Bool inputs and output
    LogicalAnd, LogicalOr, LogicalXor,
}

/// <summary>Reductions over axes.</summary>
internal enum ReduceOp { Sum, Prod, Max, Min }

/// <summary>Distributions the random primitive can draw from.</summary>
internal enum RandomDistribution { Uniform, Normal, Integers, Bernoulli }

/// <summary>The op kinds' facts, read from their rows in <see cref="OpTable"/>.</summary>
internal static class OpKindFacts
{
    public static bool IsComparison(this BinaryOp op) => OpTable.Of(op).IsComparison;
    public static bool IsLogical(this BinaryOp op) => OpTable.Of(op).IsLogical;
    public static bool NeedsFloat(this UnaryOp op) => OpTable.Of(op).NeedsFloat;

    /// <summary>Ops that divide: a zero divisor gives ±inf/NaN on floats and has no result on integers (the op layer refuses it).</summary>
    public static bool IsDivision(this BinaryOp op) => OpTable.Of(op).IsDivision;
}

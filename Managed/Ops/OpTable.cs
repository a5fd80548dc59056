namespace CudaTensor.Ops;

/// <summary>
/// One row per op kind (PyTorch's OpInfo): the facts that the dtype rules, the autograd recorder, the CPU loop and
/// the CUDA kernel list read. Rows are written by hand in any order and placed by value, so nothing depends on the
/// order of the enums; a missing row fails at first use and in the op table tests. No reflection: trim and AOT safe.
/// </summary>
internal static class OpTable
{
    // CpuWork of Log1p, Expm1, GeluTanh, Softplus, Erf and Exp2: ns per element of the span form over a copy-like op's
    // (Sign, 0.31 ns float32 / 0.58 ns float64, 2^20 elements, one thread; --unary-lanes), the smaller of the two dtypes.
    private static readonly UnaryOpInfo?[] Unary = Place<UnaryOp, UnaryOpInfo>(
    [
        // Every numeric dtype.
        new(UnaryOp.Neg, NeedsFloat: false, GradSaves.Nothing),
        new(UnaryOp.Abs, NeedsFloat: false, GradSaves.Input),
        new(UnaryOp.Sign, NeedsFloat: false, GradSaves.Nothing),
        new(UnaryOp.Square, NeedsFloat: false, GradSaves.Input),
        new(UnaryOp.Relu, NeedsFloat: false, GradSaves.Input),
        new(UnaryOp.LeakyRelu, NeedsFloat: false, GradSaves.Input, P0: "negative_slope"),
        new(UnaryOp.Clamp, NeedsFloat: false, GradSaves.Input, P0: "min", P1: "max"),
        // Floating dtypes only.
        new(UnaryOp.Sqrt, NeedsFloat: true, GradSaves.Output),
        new(UnaryOp.Rsqrt, NeedsFloat: true, GradSaves.Output),
        new(UnaryOp.Reciprocal, NeedsFloat: true, GradSaves.Output),
        new(UnaryOp.Exp, NeedsFloat: true, GradSaves.Output),
        new(UnaryOp.Exp2, NeedsFloat: true, GradSaves.Output, CpuWork: 40),
        new(UnaryOp.Log, NeedsFloat: true, GradSaves.Input),
        new(UnaryOp.Log2, NeedsFloat: true, GradSaves.Input),
        new(UnaryOp.Log1p, NeedsFloat: true, GradSaves.Input, CpuWork: 3),
        new(UnaryOp.Expm1, NeedsFloat: true, GradSaves.Output, CpuWork: 14),
        new(UnaryOp.Sin, NeedsFloat: true, GradSaves.Input),
        new(UnaryOp.Cos, NeedsFloat: true, GradSaves.Input),
        new(UnaryOp.Tanh, NeedsFloat: true, GradSaves.Output),
        new(UnaryOp.Sigmoid, NeedsFloat: true, GradSaves.Output),
        new(UnaryOp.Gelu, NeedsFloat: true, GradSaves.Input, CpuWork: 8),
        new(UnaryOp.GeluTanh, NeedsFloat: true, GradSaves.Input),
        new(UnaryOp.Silu, NeedsFloat: true, GradSaves.Input, CpuWork: 4),
        new(UnaryOp.Softplus, NeedsFloat: true, GradSaves.Input, CpuWork: 12, P0: "beta", P1: "threshold"),
        new(UnaryOp.Erf, NeedsFloat: true, GradSaves.Input, CpuWork: 40),
        new(UnaryOp.Floor, NeedsFloat: true, GradSaves.Nothing),
        new(UnaryOp.Ceil, NeedsFloat: true, GradSaves.Nothing),
        new(UnaryOp.Round, NeedsFloat: true, GradSaves.Nothing),
        new(UnaryOp.Trunc, NeedsFloat: true, GradSaves.Nothing),
    ]);

    private static readonly BinaryOpInfo?[] Binary = Place<BinaryOp, BinaryOpInfo>(
    [
        new(BinaryOp.Add),
        new(BinaryOp.Sub),
        new(BinaryOp.Mul),
        new(BinaryOp.Div, IsDivision: true),
        new(BinaryOp.Pow, CpuWork: 4),
        new(BinaryOp.Maximum),
        new(BinaryOp.Minimum),
        new(BinaryOp.Remainder, IsDivision: true),
        new(BinaryOp.FMod, IsDivision: true),
        new(BinaryOp.TruncDivide, IsDivision: true),
        new(BinaryOp.FloorDivide, IsDivision: true),
        new(BinaryOp.Eq, IsComparison: true),
        new(BinaryOp.Ne, IsComparison: true),
        new(BinaryOp.Lt, IsComparison: true),
        new(BinaryOp.Le, IsComparison: true),
        new(BinaryOp.Gt, IsComparison: true),
        new(BinaryOp.Ge, IsComparison: true),
        new(BinaryOp.LogicalAnd, IsLogical: true),
        new(BinaryOp.LogicalOr, IsLogical: true),
        new(BinaryOp.LogicalXor, IsLogical: true),
    ]);

    private static readonly PredicateOpInfo?[] Predicate = Place<PredicateOp, PredicateOpInfo>(
    [
        new(PredicateOp.IsNan, IntegerAnswer: false),
        new(PredicateOp.IsInf, IntegerAnswer: false),
        new(PredicateOp.IsFinite, IntegerAnswer: true),
    ]);

    /// <summary>The row of <paramref name="op"/>.</summary>
    /// <exception cref="InvalidOperationException">The op has no row (a new enum value whose row was not written).</exception>
    public static UnaryOpInfo Of(UnaryOp op) => (uint)op < (uint)Unary.Length && Unary[(int)op] is { } row ? row : throw Missing(op);

    /// <inheritdoc cref="Of(UnaryOp)"/>
    public static BinaryOpInfo Of(BinaryOp op) => (uint)op < (uint)Binary.Length && Binary[(int)op] is { } row ? row : throw Missing(op);

    /// <inheritdoc cref="Of(UnaryOp)"/>
    public static PredicateOpInfo Of(PredicateOp op) => (uint)op < (uint)Predicate.Length && Predicate[(int)op] is { } row ? row : throw Missing(op);

    private static InvalidOperationException Missing<TOp>(TOp op) where TOp : struct, Enum
        => new($"{typeof(TOp).Name}.{op} has no row in OpTable (Managed/Ops/OpTable.cs): add one.");

    // Places each row at its op's value (enums here are int-based); a second row for one op is a mistake caught
    // when the type initializes.
    private static TInfo?[] Place<TOp, TInfo>(TInfo[] rows) where TOp : struct, Enum where TInfo : class, IOpInfo<TOp>
    {
        var table = new TInfo?[rows.Max(r => Index(r.Op)) + 1];
        foreach (var row in rows)
        {
            int i = Index(row.Op);
            if (table[i] is not null) throw new InvalidOperationException($"{typeof(TOp).Name}.{row.Op} has two rows in OpTable.");
            table[i] = row;
        }
        return table;
    }

    private static int Index<TOp>(TOp op) where TOp : struct, Enum => System.Runtime.CompilerServices.Unsafe.As<TOp, int>(ref op);
}

/// <summary>A row of <see cref="OpTable"/>: the op it describes.</summary>
/// <typeparam name="TOp">The op enum.</typeparam>
internal interface IOpInfo<out TOp> where TOp : struct, Enum
{
    /// <summary>The op this row describes.</summary>
    TOp Op { get; }
}

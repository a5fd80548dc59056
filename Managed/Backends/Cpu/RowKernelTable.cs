using System.Numerics;
using CudaTensor.Ops;

namespace CudaTensor.Backends.Cpu;

/// <summary>An elementwise op bound to its row kernel for one dtype, behind one interface (chosen once, run per row).</summary>
internal unsafe interface ITileKernel
{
    /// <summary>The row kernel's contract: n elements, operand k at <c>ptr[k]</c> stepping <c>stride[k]</c> bytes (destination first).</summary>
    void Row(long n, byte** ptr, long* stride);
}

/// <summary>
/// Binds an op and dtype to the CPU backend's own row kernels (<see cref="ElementwiseRows"/> over the operator
/// structs of UnaryOperators.cs, BinaryOperators.cs and DivisionOperators.cs), for work that runs an op on a row
/// outside the strided loop: the fused elementwise tiles of compiled graphs and GEMM epilogues. A bound row runs
/// exactly the code an eager op runs on a contiguous row, span forms included. The dtype is dispatched once, when
/// the kernel is bound, never per row or element.
/// </summary>
internal static class RowKernelTable
{
    private sealed unsafe class Bound<TK>(TK kernel) : ITileKernel where TK : struct, IRowKernel
    {
        public void Row(long n, byte** ptr, long* stride) => kernel.Row(n, ptr, stride);
    }

#pragma warning disable CA1859 // The interface is the point: one call site runs every op's kernel.
    private static ITileKernel Of<TK>(TK kernel) where TK : struct, IRowKernel => new Bound<TK>(kernel);
#pragma warning restore CA1859

    /// <summary><paramref name="op"/> over <paramref name="dtype"/> (y, x).</summary>
    public static ITileKernel Unary(UnaryOp op, DType dtype, double p0, double p1) => dtype switch
    {
        DType.Float32 => UnaryFloat<float>(op, p0, p1),
        DType.Float64 => UnaryFloat<double>(op, p0, p1),
        DType.Int32 => UnaryNumeric<int>(op, p0, p1),
        DType.Int64 => UnaryNumeric<long>(op, p0, p1),
        _ => throw Unsupported(op.ToString(), dtype),
    };

    /// <summary><paramref name="op"/> of a floating <paramref name="dtype"/> (Bool y, x, x).</summary>
    public static ITileKernel Predicate(PredicateOp op, DType dtype) => dtype switch
    {
        DType.Float32 => Predicate<float>(op),
        DType.Float64 => Predicate<double>(op),
        _ => throw Unsupported(op.ToString(), dtype),
    };

    /// <summary>cond ? a : b over elements of <paramref name="elementSize"/> bytes (y, cond, a, b).</summary>
    public static ITileKernel Where(int elementSize) => elementSize switch
    {
        8 => Of(new ElementwiseRows.Ternary<long>()),
        4 => Of(new ElementwiseRows.Ternary<int>()),
        _ => Of(new ElementwiseRows.Ternary<byte>()),
    };

    /// <summary>Conversion from <paramref name="from"/> to <paramref name="to"/> (y, x).</summary>
    public static ITileKernel Cast(DType from, DType to) => from switch
    {
        DType.Float32 => CastFrom<float>(to),
        DType.Float64 => CastFrom<double>(to),
        DType.Int32 => CastFrom<int>(to),
        DType.Int64 => CastFrom<long>(to),
        _ => CastFrom<byte>(to),
    };

    private static ITileKernel CastFrom<TFrom>(DType to) where TFrom : unmanaged, INumberBase<TFrom> => to switch
    {
        DType.Float32 => Of(new ElementwiseRows.Convert<TFrom, float>()),
        DType.Float64 => Of(new ElementwiseRows.Convert<TFrom, double>()),
        DType.Int32 => Of(new ElementwiseRows.Convert<TFrom, int>()),
        DType.Int64 => Of(new ElementwiseRows.Convert<TFrom, long>()),
        _ => Of(new ElementwiseRows.ToBool<TFrom>()),
    };

    private static ITileKernel U<T, TOp>(double p0, double p1) where T : unmanaged, INumber<T> where TOp : IUnaryOperator<TOp, T>
        => Of(new ElementwiseRows.Unary<T, TOp>(T.CreateSaturating(p0), T.CreateSaturating(p1)));

    private static ITileKernel UnaryFloat<T>(UnaryOp op, double p0, double p1) where T : unmanaged, IFloatingPointIeee754<T> => op switch
    {
        UnaryOp.Sqrt => U<T, SqrtOp<T>>(p0, p1),
        UnaryOp.Rsqrt => U<T, RsqrtOp<T>>(p0, p1),
        UnaryOp.Reciprocal => U<T, ReciprocalOp<T>>(p0, p1),
        UnaryOp.Exp => U<T, ExpOp<T>>(p0, p1),
        UnaryOp.Exp2 => U<T, Exp2Op<T>>(p0, p1),
        UnaryOp.Log => U<T, LogOp<T>>(p0, p1),
        UnaryOp.Log2 => U<T, Log2Op<T>>(p0, p1),
        UnaryOp.Log1p => U<T, Log1pOp<T>>(p0, p1),
        UnaryOp.Expm1 => U<T, Expm1Op<T>>(p0, p1),
        UnaryOp.Sin => U<T, SinOp<T>>(p0, p1),
        UnaryOp.Cos => U<T, CosOp<T>>(p0, p1),
        UnaryOp.Tanh => U<T, TanhOp<T>>(p0, p1),
        UnaryOp.Sigmoid => U<T, SigmoidOp<T>>(p0, p1),
        UnaryOp.Gelu => U<T, GeluOp<T>>(p0, p1),
        UnaryOp.GeluTanh => U<T, GeluTanhOp<T>>(p0, p1),
        UnaryOp.Silu => U<T, SiluOp<T>>(p0, p1),
        UnaryOp.Softplus => U<T, SoftplusOp<T>>(p0, p1),
        UnaryOp.Erf => U<T, ErfOp<T>>(p0, p1),
        UnaryOp.Floor => U<T, FloorOp<T>>(p0, p1),
        UnaryOp.Ceil => U<T, CeilOp<T>>(p0, p1),
        UnaryOp.Round => U<T, RoundOp<T>>(p0, p1),
        UnaryOp.Trunc => U<T, TruncOp<T>>(p0, p1),
        _ => UnaryNumeric<T>(op, p0, p1),
    };

    private static ITileKernel UnaryNumeric<T>(UnaryOp op, double p0, double p1) where T : unmanaged, INumber<T> => op switch
    {
        UnaryOp.Neg => U<T, NegOp<T>>(p0, p1),
        UnaryOp.Abs => U<T, AbsOp<T>>(p0, p1),
        UnaryOp.Sign => U<T, SignOp<T>>(p0, p1),
        UnaryOp.Square => U<T, SquareOp<T>>(p0, p1),
        UnaryOp.Relu => U<T, ReluOp<T>>(p0, p1),
        UnaryOp.LeakyRelu => U<T, LeakyReluOp<T>>(p0, p1),
        UnaryOp.Clamp => U<T, ClampOp<T>>(p0, p1),
        _ => throw Unsupported(op.ToString(), DTypes.Of<T>()),
    };

    // Predicates as comparisons of x with itself, as the CPU backend computes them.
    private static ITileKernel Predicate<T>(PredicateOp op) where T : unmanaged, IFloatingPointIeee754<T> => op switch
    {
        PredicateOp.IsNan => Of(new ElementwiseRows.Binary<T, byte, CompareOp<T, NeCmp<T>>>()),
        PredicateOp.IsInf => Of(new ElementwiseRows.Binary<T, byte, IsInfOp<T>>()),
        _ => Of(new ElementwiseRows.Binary<T, byte, IsFiniteOp<T>>()),
    };

    private readonly struct IsInfOp<T> : IBinaryOperator<IsInfOp<T>, T, byte> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static byte Invoke(T a, T b) => T.IsInfinity(a) ? (byte)1 : (byte)0;
    }

    private readonly struct IsFiniteOp<T> : IBinaryOperator<IsFiniteOp<T>, T, byte> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static byte Invoke(T a, T b) => T.IsFinite(a) ? (byte)1 : (byte)0;
    }

    /// <summary><paramref name="op"/> of two <paramref name="operand"/> values (y, a, b).</summary>
    public static ITileKernel Binary(BinaryOp op, DType operand)
    {
        if (op.IsLogical())
        {
            return op switch
            {
                BinaryOp.LogicalAnd => Of(new ElementwiseRows.Binary<byte, byte, LogicalAndOp>()),
                BinaryOp.LogicalOr => Of(new ElementwiseRows.Binary<byte, byte, LogicalOrOp>()),
                _ => Of(new ElementwiseRows.Binary<byte, byte, LogicalXorOp>()),
            };
        }
        return operand switch
        {
            DType.Float32 => BinaryFloat<float>(op),
            DType.Float64 => BinaryFloat<double>(op),
            DType.Int32 => BinaryInteger<int>(op),
            DType.Int64 => BinaryInteger<long>(op),
            _ => BinaryInteger<byte>(op),
        };
    }

    private static ITileKernel BinaryFloat<T>(BinaryOp op) where T : unmanaged, IFloatingPointIeee754<T> => op switch
    {
        BinaryOp.Pow => Of(new ElementwiseRows.Binary<T, T, FloatPowOp<T>>()),
        BinaryOp.Remainder => Of(new ElementwiseRows.Binary<T, T, FloatRemainderOp<T>>()),
        BinaryOp.FMod => Of(new ElementwiseRows.Binary<T, T, FloatFModOp<T>>()),
        BinaryOp.TruncDivide => Of(new ElementwiseRows.Binary<T, T, FloatTruncDivideOp<T>>()),
        BinaryOp.FloorDivide => Of(new ElementwiseRows.Binary<T, T, FloatFloorDivideOp<T>>()),
        _ => BinaryNumeric<T>(op),
    };

    private static ITileKernel BinaryInteger<T>(BinaryOp op) where T : unmanaged, IBinaryInteger<T> => op switch
    {
        BinaryOp.Pow => Of(new ElementwiseRows.Binary<T, T, IntPowOp<T>>()),
        BinaryOp.Remainder => Of(new ElementwiseRows.Binary<T, T, IntRemainderOp<T>>()),
        BinaryOp.FMod => Of(new ElementwiseRows.Binary<T, T, IntFModOp<T>>()),
        BinaryOp.TruncDivide => Of(new ElementwiseRows.Binary<T, T, IntTruncDivideOp<T>>()),
        BinaryOp.FloorDivide => Of(new ElementwiseRows.Binary<T, T, IntFloorDivideOp<T>>()),
        _ => BinaryNumeric<T>(op),
    };

    private static ITileKernel BinaryNumeric<T>(BinaryOp op) where T : unmanaged, INumber<T> => op switch
    {
        BinaryOp.Add => Of(new ElementwiseRows.Binary<T, T, AddOp<T>>()),
        BinaryOp.Sub => Of(new ElementwiseRows.Binary<T, T, SubOp<T>>()),
        BinaryOp.Mul => Of(new ElementwiseRows.Binary<T, T, MulOp<T>>()),
        BinaryOp.Div => Of(new ElementwiseRows.Binary<T, T, DivOp<T>>()),
        BinaryOp.Maximum => Of(new ElementwiseRows.Binary<T, T, MaximumOp<T>>()),
        BinaryOp.Minimum => Of(new ElementwiseRows.Binary<T, T, MinimumOp<T>>()),
        BinaryOp.Eq => Of(new ElementwiseRows.Binary<T, byte, CompareOp<T, EqCmp<T>>>()),
        BinaryOp.Ne => Of(new ElementwiseRows.Binary<T, byte, CompareOp<T, NeCmp<T>>>()),
        BinaryOp.Lt => Of(new ElementwiseRows.Binary<T, byte, CompareOp<T, LtCmp<T>>>()),
        BinaryOp.Le => Of(new ElementwiseRows.Binary<T, byte, CompareOp<T, LeCmp<T>>>()),
        BinaryOp.Gt => Of(new ElementwiseRows.Binary<T, byte, CompareOp<T, GtCmp<T>>>()),
        BinaryOp.Ge => Of(new ElementwiseRows.Binary<T, byte, CompareOp<T, GeCmp<T>>>()),
        _ => throw new NotSupportedException($"{op} is not an arithmetic or comparison op."),
    };

    private static NotSupportedException Unsupported(string op, DType dtype) => new($"{op} is not implemented for dtype {dtype.Name()} on the CPU.");
}

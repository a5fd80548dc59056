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
/// What <see cref="RowKernelTable"/> does with the row kernel it chose: run it at once over strided operands (eager
/// ops, <see cref="CpuBackend"/>), or keep it behind <see cref="ITileKernel"/> (fused tiles, GEMM epilogues). The
/// kernel arrives as its struct type, so a struct sink runs it without any virtual call per row.
/// </summary>
internal interface IRowKernelSink
{
    void Take<TK>(TK kernel) where TK : struct, IRowKernel;
}

/// <summary>
/// The table of CPU elementwise formulas: binds an op and dtype to the CPU backend's row kernels
/// (<see cref="ElementwiseRows"/> over the operator structs of UnaryOperators.cs, BinaryOperators.cs and
/// DivisionOperators.cs). Every elementwise path uses it: eager ops run the kernel over their operands, the fused
/// elementwise tiles of compiled graphs and GEMM epilogues keep it and run it per row, so a fused row runs exactly the
/// code an eager op runs on a contiguous row, span forms included. The dtype is dispatched once, when the kernel is
/// chosen, never per row or element. Each op has two forms: one that hands the kernel to a sink, and one that returns
/// it as an <see cref="ITileKernel"/>.
/// </summary>
internal static class RowKernelTable
{
    private sealed unsafe class Bound<TK>(TK kernel) : ITileKernel where TK : struct, IRowKernel
    {
        public void Row(long n, byte** ptr, long* stride) => kernel.Row(n, ptr, stride);
    }

    // Keeps the chosen kernel, boxed once behind the interface.
    private sealed class Keep : IRowKernelSink
    {
        public ITileKernel? Kernel;

        public void Take<TK>(TK kernel) where TK : struct, IRowKernel => Kernel = new Bound<TK>(kernel);
    }

    /// <summary><paramref name="op"/> over <paramref name="dtype"/> (y, x).</summary>
    public static ITileKernel Unary(UnaryOp op, DType dtype, double p0, double p1)
    {
        var keep = new Keep();
        Unary(keep, op, dtype, p0, p1);
        return keep.Kernel!;
    }

    /// <summary><paramref name="op"/> of a floating <paramref name="dtype"/> (Bool y, x, x).</summary>
    public static ITileKernel Predicate(PredicateOp op, DType dtype)
    {
        var keep = new Keep();
        Predicate(keep, op, dtype);
        return keep.Kernel!;
    }

    /// <summary>cond ? a : b over elements of <paramref name="elementSize"/> bytes (y, cond, a, b).</summary>
    public static ITileKernel Where(int elementSize)
    {
        var keep = new Keep();
        Where(keep, elementSize);
        return keep.Kernel!;
    }

    /// <summary>Conversion from <paramref name="from"/> to <paramref name="to"/> (y, x).</summary>
    public static ITileKernel Cast(DType from, DType to)
    {
        var keep = new Keep();
        Cast(keep, from, to);
        return keep.Kernel!;
    }

    /// <summary><paramref name="op"/> of two <paramref name="operand"/> values (y, a, b).</summary>
    public static ITileKernel Binary(BinaryOp op, DType operand)
    {
        var keep = new Keep();
        Binary(keep, op, operand);
        return keep.Kernel!;
    }

    /// <summary>Hands <paramref name="sink"/> the kernel of <paramref name="op"/> over <paramref name="dtype"/> (y, x).</summary>
    public static void Unary<TSink>(TSink sink, UnaryOp op, DType dtype, double p0, double p1) where TSink : IRowKernelSink, allows ref struct
    {
        switch (dtype)
        {
            case DType.Float32: UnaryFloat<float, TSink>(sink, op, p0, p1); break;
            case DType.Float64: UnaryFloat<double, TSink>(sink, op, p0, p1); break;
            case DType.Int32: UnaryNumeric<int, TSink>(sink, op, p0, p1); break;
            case DType.Int64: UnaryNumeric<long, TSink>(sink, op, p0, p1); break;
            default: throw Unsupported(op.ToString(), dtype);
        }
    }

    // Parameters arrive as double; infinities (an open clamp bound) saturate for integer dtypes.
    private static void U<T, TOp, TSink>(TSink sink, double p0, double p1)
        where T : unmanaged, INumber<T> where TOp : IUnaryOperator<TOp, T> where TSink : IRowKernelSink, allows ref struct
        => sink.Take(new ElementwiseRows.Unary<T, TOp>(T.CreateSaturating(p0), T.CreateSaturating(p1)));

    private static void UnaryFloat<T, TSink>(TSink sink, UnaryOp op, double p0, double p1)
        where T : unmanaged, IFloatingPointIeee754<T> where TSink : IRowKernelSink, allows ref struct
    {
        switch (op)
        {
            case UnaryOp.Sqrt: U<T, SqrtOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Rsqrt: U<T, RsqrtOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Reciprocal: U<T, ReciprocalOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Exp: U<T, ExpOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Exp2: U<T, Exp2Op<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Log: U<T, LogOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Log2: U<T, Log2Op<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Log1p: U<T, Log1pOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Expm1: U<T, Expm1Op<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Sin: U<T, SinOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Cos: U<T, CosOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Tanh: U<T, TanhOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Sigmoid: U<T, SigmoidOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Gelu: U<T, GeluOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.GeluTanh: U<T, GeluTanhOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Silu: U<T, SiluOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Softplus: U<T, SoftplusOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Erf: U<T, ErfOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Floor: U<T, FloorOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Ceil: U<T, CeilOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Round: U<T, RoundOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Trunc: U<T, TruncOp<T>, TSink>(sink, p0, p1); break;
            default: UnaryNumeric<T, TSink>(sink, op, p0, p1); break;
        }
    }

    private static void UnaryNumeric<T, TSink>(TSink sink, UnaryOp op, double p0, double p1)
        where T : unmanaged, INumber<T> where TSink : IRowKernelSink, allows ref struct
    {
        switch (op)
        {
            case UnaryOp.Neg: U<T, NegOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Abs: U<T, AbsOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Sign: U<T, SignOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Square: U<T, SquareOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Relu: U<T, ReluOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.LeakyRelu: U<T, LeakyReluOp<T>, TSink>(sink, p0, p1); break;
            case UnaryOp.Clamp: U<T, ClampOp<T>, TSink>(sink, p0, p1); break;
            default: throw Unsupported(op.ToString(), DTypes.Of<T>());
        }
    }

    /// <summary>Hands <paramref name="sink"/> the kernel of <paramref name="op"/> of a floating <paramref name="dtype"/> (Bool y, x, x).</summary>
    public static void Predicate<TSink>(TSink sink, PredicateOp op, DType dtype) where TSink : IRowKernelSink, allows ref struct
    {
        switch (dtype)
        {
            case DType.Float32: Predicate<float, TSink>(sink, op); break;
            case DType.Float64: Predicate<double, TSink>(sink, op); break;
            default: throw Unsupported(op.ToString(), dtype);
        }
    }

    // Predicates as comparisons of x with itself: NaN != NaN; |x| == inf; finite.
    private static void Predicate<T, TSink>(TSink sink, PredicateOp op)
        where T : unmanaged, IFloatingPointIeee754<T> where TSink : IRowKernelSink, allows ref struct
    {
        switch (op)
        {
            case PredicateOp.IsNan: sink.Take(new ElementwiseRows.Binary<T, byte, CompareOp<T, NeCmp<T>>>()); break;
            case PredicateOp.IsInf: sink.Take(new ElementwiseRows.Binary<T, byte, IsInfOp<T>>()); break;
            default: sink.Take(new ElementwiseRows.Binary<T, byte, IsFiniteOp<T>>()); break;
        }
    }

    private readonly struct IsInfOp<T> : IBinaryOperator<IsInfOp<T>, T, byte> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static byte Invoke(T a, T b) => T.IsInfinity(a) ? (byte)1 : (byte)0;
    }

    private readonly struct IsFiniteOp<T> : IBinaryOperator<IsFiniteOp<T>, T, byte> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static byte Invoke(T a, T b) => T.IsFinite(a) ? (byte)1 : (byte)0;
    }

    /// <summary>Hands <paramref name="sink"/> the kernel of cond ? a : b over elements of <paramref name="elementSize"/> bytes (y, cond, a, b).</summary>
    public static void Where<TSink>(TSink sink, int elementSize) where TSink : IRowKernelSink, allows ref struct
    {
        // Selection only moves bits, so the element size is all that matters.
        switch (elementSize)
        {
            case 8: sink.Take(new ElementwiseRows.Ternary<long>()); break;
            case 4: sink.Take(new ElementwiseRows.Ternary<int>()); break;
            default: sink.Take(new ElementwiseRows.Ternary<byte>()); break;
        }
    }

    /// <summary>Hands <paramref name="sink"/> the kernel of the conversion from <paramref name="from"/> to <paramref name="to"/> (y, x).</summary>
    public static void Cast<TSink>(TSink sink, DType from, DType to) where TSink : IRowKernelSink, allows ref struct
    {
        switch (from)
        {
            case DType.Float32: CastFrom<float, TSink>(sink, to); break;
            case DType.Float64: CastFrom<double, TSink>(sink, to); break;
            case DType.Int32: CastFrom<int, TSink>(sink, to); break;
            case DType.Int64: CastFrom<long, TSink>(sink, to); break;
            default: CastFrom<byte, TSink>(sink, to); break; // Bool: bytes 0/1 convert numerically to 0/1
        }
    }

    private static void CastFrom<TFrom, TSink>(TSink sink, DType to)
        where TFrom : unmanaged, INumberBase<TFrom> where TSink : IRowKernelSink, allows ref struct
    {
        switch (to)
        {
            case DType.Float32: sink.Take(new ElementwiseRows.Convert<TFrom, float>()); break;
            case DType.Float64: sink.Take(new ElementwiseRows.Convert<TFrom, double>()); break;
            case DType.Int32: sink.Take(new ElementwiseRows.Convert<TFrom, int>()); break;
            case DType.Int64: sink.Take(new ElementwiseRows.Convert<TFrom, long>()); break;
            default: sink.Take(new ElementwiseRows.ToBool<TFrom>()); break;
        }
    }

    /// <summary>Hands <paramref name="sink"/> the kernel of <paramref name="op"/> of two <paramref name="operand"/> values (y, a, b).</summary>
    public static void Binary<TSink>(TSink sink, BinaryOp op, DType operand) where TSink : IRowKernelSink, allows ref struct
    {
        if (op.IsLogical())
        {
            switch (op)
            {
                case BinaryOp.LogicalAnd: sink.Take(new ElementwiseRows.Binary<byte, byte, LogicalAndOp>()); break;
                case BinaryOp.LogicalOr: sink.Take(new ElementwiseRows.Binary<byte, byte, LogicalOrOp>()); break;
                default: sink.Take(new ElementwiseRows.Binary<byte, byte, LogicalXorOp>()); break;
            }
            return;
        }
        switch (operand)
        {
            case DType.Float32: BinaryFloat<float, TSink>(sink, op); break;
            case DType.Float64: BinaryFloat<double, TSink>(sink, op); break;
            case DType.Int32: BinaryInteger<int, TSink>(sink, op); break;
            case DType.Int64: BinaryInteger<long, TSink>(sink, op); break;
            default: BinaryInteger<byte, TSink>(sink, op); break;
        }
    }

    private static void BinaryFloat<T, TSink>(TSink sink, BinaryOp op)
        where T : unmanaged, IFloatingPointIeee754<T> where TSink : IRowKernelSink, allows ref struct
    {
        switch (op)
        {
            case BinaryOp.Pow: sink.Take(new ElementwiseRows.Binary<T, T, FloatPowOp<T>>()); break;
            case BinaryOp.Remainder: sink.Take(new ElementwiseRows.Binary<T, T, FloatRemainderOp<T>>()); break;
            case BinaryOp.FMod: sink.Take(new ElementwiseRows.Binary<T, T, FloatFModOp<T>>()); break;
            case BinaryOp.TruncDivide: sink.Take(new ElementwiseRows.Binary<T, T, FloatTruncDivideOp<T>>()); break;
            case BinaryOp.FloorDivide: sink.Take(new ElementwiseRows.Binary<T, T, FloatFloorDivideOp<T>>()); break;
            default: BinaryNumeric<T, TSink>(sink, op); break;
        }
    }

    private static void BinaryInteger<T, TSink>(TSink sink, BinaryOp op)
        where T : unmanaged, IBinaryInteger<T> where TSink : IRowKernelSink, allows ref struct
    {
        switch (op)
        {
            case BinaryOp.Pow: sink.Take(new ElementwiseRows.Binary<T, T, IntPowOp<T>>()); break;
            case BinaryOp.Remainder: sink.Take(new ElementwiseRows.Binary<T, T, IntRemainderOp<T>>()); break;
            case BinaryOp.FMod: sink.Take(new ElementwiseRows.Binary<T, T, IntFModOp<T>>()); break;
            case BinaryOp.TruncDivide: sink.Take(new ElementwiseRows.Binary<T, T, IntTruncDivideOp<T>>()); break;
            case BinaryOp.FloorDivide: sink.Take(new ElementwiseRows.Binary<T, T, IntFloorDivideOp<T>>()); break;
            default: BinaryNumeric<T, TSink>(sink, op); break;
        }
    }

    private static void BinaryNumeric<T, TSink>(TSink sink, BinaryOp op)
        where T : unmanaged, INumber<T> where TSink : IRowKernelSink, allows ref struct
    {
        switch (op)
        {
            case BinaryOp.Add: sink.Take(new ElementwiseRows.Binary<T, T, AddOp<T>>()); break;
            case BinaryOp.Sub: sink.Take(new ElementwiseRows.Binary<T, T, SubOp<T>>()); break;
            case BinaryOp.Mul: sink.Take(new ElementwiseRows.Binary<T, T, MulOp<T>>()); break;
            case BinaryOp.Div: sink.Take(new ElementwiseRows.Binary<T, T, DivOp<T>>()); break;
            case BinaryOp.Maximum: sink.Take(new ElementwiseRows.Binary<T, T, MaximumOp<T>>()); break;
            case BinaryOp.Minimum: sink.Take(new ElementwiseRows.Binary<T, T, MinimumOp<T>>()); break;
            case BinaryOp.Eq: sink.Take(new ElementwiseRows.Binary<T, byte, CompareOp<T, EqCmp<T>>>()); break;
            case BinaryOp.Ne: sink.Take(new ElementwiseRows.Binary<T, byte, CompareOp<T, NeCmp<T>>>()); break;
            case BinaryOp.Lt: sink.Take(new ElementwiseRows.Binary<T, byte, CompareOp<T, LtCmp<T>>>()); break;
            case BinaryOp.Le: sink.Take(new ElementwiseRows.Binary<T, byte, CompareOp<T, LeCmp<T>>>()); break;
            case BinaryOp.Gt: sink.Take(new ElementwiseRows.Binary<T, byte, CompareOp<T, GtCmp<T>>>()); break;
            case BinaryOp.Ge: sink.Take(new ElementwiseRows.Binary<T, byte, CompareOp<T, GeCmp<T>>>()); break;
            default: throw new NotSupportedException($"{op} is not an arithmetic or comparison op.");
        }
    }

    private static NotSupportedException Unsupported(string op, DType dtype) => new($"{op} is not implemented for dtype {dtype.Name()} on the CPU.");
}

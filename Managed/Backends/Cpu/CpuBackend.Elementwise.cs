using System.Numerics;
using CudaTensor.Ops;

namespace CudaTensor.Backends.Cpu;

// Elementwise primitives: the dtype is dispatched once to a generic method, and the op enum to an
// operator struct; the strided loop does the rest. These switches are the table of CPU formulas.
internal sealed partial class CpuBackend
{
    public void Copy(Strided dst, Strided src)
    {
        switch (src.DType)
        {
            case DType.Float32: CopyFrom<float>(dst, src); break;
            case DType.Float64: CopyFrom<double>(dst, src); break;
            case DType.Int32: CopyFrom<int>(dst, src); break;
            case DType.Int64: CopyFrom<long>(dst, src); break;
            default: CopyFrom<byte>(dst, src); break; // Bool: bytes 0/1 convert numerically to 0/1
        }
    }

    private static void CopyFrom<TFrom>(Strided dst, Strided src) where TFrom : unmanaged, INumberBase<TFrom>
    {
        switch (dst.DType)
        {
            case DType.Float32: Run(new ElementwiseRows.Convert<TFrom, float>(), dst, src); break;
            case DType.Float64: Run(new ElementwiseRows.Convert<TFrom, double>(), dst, src); break;
            case DType.Int32: Run(new ElementwiseRows.Convert<TFrom, int>(), dst, src); break;
            case DType.Int64: Run(new ElementwiseRows.Convert<TFrom, long>(), dst, src); break;
            default: Run(new ElementwiseRows.ToBool<TFrom>(), dst, src); break;
        }
    }

    public void Fill(Strided dst, Scalar value)
    {
        switch (dst.DType)
        {
            // An integer converts to float directly: through double it could round twice.
            case DType.Float32: Run(new ElementwiseRows.Fill<float>(value.IsFloatingPoint ? (float)value.ToDouble() : value.ToInt64()), dst); break;
            case DType.Float64: Run(new ElementwiseRows.Fill<double>(value.ToDouble()), dst); break;
            case DType.Int32: Run(new ElementwiseRows.Fill<int>((int)value.ToInt64()), dst); break;
            case DType.Int64: Run(new ElementwiseRows.Fill<long>(value.ToInt64()), dst); break;
            default: Run(new ElementwiseRows.Fill<byte>(value.ToDouble() != 0 ? (byte)1 : (byte)0), dst); break;
        }
    }

    public void Unary(UnaryOp op, Strided dst, Strided src, double p0, double p1)
    {
        switch (src.DType)
        {
            case DType.Float32: UnaryFloat<float>(op, dst, src, p0, p1); break;
            case DType.Float64: UnaryFloat<double>(op, dst, src, p0, p1); break;
            case DType.Int32: UnaryNumeric<int>(op, dst, src, p0, p1); break;
            case DType.Int64: UnaryNumeric<long>(op, dst, src, p0, p1); break;
            default: throw Unsupported(op.ToString(), src.DType);
        }
    }

    private static void UnaryFloat<T>(UnaryOp op, Strided dst, Strided src, double p0, double p1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case UnaryOp.Sqrt: RunUnary<T, SqrtOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Rsqrt: RunUnary<T, RsqrtOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Reciprocal: RunUnary<T, ReciprocalOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Exp: RunUnary<T, ExpOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Exp2: RunUnary<T, Exp2Op<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Log: RunUnary<T, LogOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Log2: RunUnary<T, Log2Op<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Log1p: RunUnary<T, Log1pOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Expm1: RunUnary<T, Expm1Op<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Sin: RunUnary<T, SinOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Cos: RunUnary<T, CosOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Tanh: RunUnary<T, TanhOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Sigmoid: RunUnary<T, SigmoidOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Gelu: RunUnary<T, GeluOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.GeluTanh: RunUnary<T, GeluTanhOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Silu: RunUnary<T, SiluOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Softplus: RunUnary<T, SoftplusOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Erf: RunUnary<T, ErfOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Floor: RunUnary<T, FloorOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Ceil: RunUnary<T, CeilOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Round: RunUnary<T, RoundOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Trunc: RunUnary<T, TruncOp<T>>(op, dst, src, p0, p1); break;
            default: UnaryNumeric<T>(op, dst, src, p0, p1); break;
        }
    }

    private static void UnaryNumeric<T>(UnaryOp op, Strided dst, Strided src, double p0, double p1) where T : unmanaged, INumber<T>
    {
        switch (op)
        {
            case UnaryOp.Neg: RunUnary<T, NegOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Abs: RunUnary<T, AbsOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Sign: RunUnary<T, SignOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Square: RunUnary<T, SquareOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Relu: RunUnary<T, ReluOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.LeakyRelu: RunUnary<T, LeakyReluOp<T>>(op, dst, src, p0, p1); break;
            case UnaryOp.Clamp: RunUnary<T, ClampOp<T>>(op, dst, src, p0, p1); break;
            default: throw Unsupported(op.ToString(), src.DType);
        }
    }

    // The work weight (cost per element, which sets when the loop goes parallel) is the op's row in OpTable.
    private static void RunUnary<T, TOp>(UnaryOp op, Strided dst, Strided src, double p0, double p1)
        where T : unmanaged, INumber<T> where TOp : IUnaryOperator<TOp, T>
        => Run(new ElementwiseRows.Unary<T, TOp>(Param<T>(p0), Param<T>(p1)), dst, src, OpTable.Of(op).CpuWork);

    // Parameters arrive as double; infinities (an open clamp bound) saturate for integer dtypes.
    private static T Param<T>(double p) where T : INumber<T> => T.CreateSaturating(p);

    public void Predicate(PredicateOp op, Strided dst, Strided src)
    {
        switch (src.DType)
        {
            case DType.Float32: PredicateFloat<float>(op, dst, src); break;
            case DType.Float64: PredicateFloat<double>(op, dst, src); break;
            default:
                // Integers and bools are always finite and never NaN: the row holds the answer.
                Fill(dst, OpTable.Of(op).IntegerAnswer);
                break;
        }
    }

    private static void PredicateFloat<T>(PredicateOp op, Strided dst, Strided src) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Expressed as comparisons of x with itself: NaN != NaN; |x| == inf; finite <=> x - x == 0.
        switch (op)
        {
            case PredicateOp.IsNan: Run(new ElementwiseRows.Binary<T, byte, CompareOp<T, NeCmp<T>>>(), dst, src, src); break;
            case PredicateOp.IsInf: Run(new ElementwiseRows.Binary<T, byte, IsInfOp<T>>(), dst, src, src); break;
            default: Run(new ElementwiseRows.Binary<T, byte, IsFiniteOp<T>>(), dst, src, src); break;
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

    public void Binary(BinaryOp op, Strided dst, Strided a, Strided b)
    {
        if (op.IsLogical())
        {
            switch (op)
            {
                case BinaryOp.LogicalAnd: Run(new ElementwiseRows.Binary<byte, byte, LogicalAndOp>(), dst, a, b); break;
                case BinaryOp.LogicalOr: Run(new ElementwiseRows.Binary<byte, byte, LogicalOrOp>(), dst, a, b); break;
                default: Run(new ElementwiseRows.Binary<byte, byte, LogicalXorOp>(), dst, a, b); break;
            }
            return;
        }
        switch (a.DType)
        {
            case DType.Float32: BinaryFloat<float>(op, dst, a, b); break;
            case DType.Float64: BinaryFloat<double>(op, dst, a, b); break;
            case DType.Int32: BinaryInteger<int>(op, dst, a, b); break;
            case DType.Int64: BinaryInteger<long>(op, dst, a, b); break;
            default: BinaryInteger<byte>(op, dst, a, b); break;
        }
    }

    private static void BinaryFloat<T>(BinaryOp op, Strided dst, Strided a, Strided b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Pow: Run(new ElementwiseRows.Binary<T, T, FloatPowOp<T>>(), dst, a, b, OpTable.Of(op).CpuWork); break;
            case BinaryOp.Remainder: Run(new ElementwiseRows.Binary<T, T, FloatRemainderOp<T>>(), dst, a, b); break;
            case BinaryOp.FMod: Run(new ElementwiseRows.Binary<T, T, FloatFModOp<T>>(), dst, a, b); break;
            case BinaryOp.TruncDivide: Run(new ElementwiseRows.Binary<T, T, FloatTruncDivideOp<T>>(), dst, a, b); break;
            case BinaryOp.FloorDivide: Run(new ElementwiseRows.Binary<T, T, FloatFloorDivideOp<T>>(), dst, a, b); break;
            default: BinaryNumeric<T>(op, dst, a, b); break;
        }
    }

    private static void BinaryInteger<T>(BinaryOp op, Strided dst, Strided a, Strided b) where T : unmanaged, IBinaryInteger<T>
    {
        switch (op)
        {
            case BinaryOp.Pow: Run(new ElementwiseRows.Binary<T, T, IntPowOp<T>>(), dst, a, b); break;
            case BinaryOp.Remainder: Run(new ElementwiseRows.Binary<T, T, IntRemainderOp<T>>(), dst, a, b); break;
            case BinaryOp.FMod: Run(new ElementwiseRows.Binary<T, T, IntFModOp<T>>(), dst, a, b); break;
            case BinaryOp.TruncDivide: Run(new ElementwiseRows.Binary<T, T, IntTruncDivideOp<T>>(), dst, a, b); break;
            case BinaryOp.FloorDivide: Run(new ElementwiseRows.Binary<T, T, IntFloorDivideOp<T>>(), dst, a, b); break;
            default: BinaryNumeric<T>(op, dst, a, b); break;
        }
    }

    private static void BinaryNumeric<T>(BinaryOp op, Strided dst, Strided a, Strided b) where T : unmanaged, INumber<T>
    {
        switch (op)
        {
            case BinaryOp.Add: Run(new ElementwiseRows.Binary<T, T, AddOp<T>>(), dst, a, b); break;
            case BinaryOp.Sub: Run(new ElementwiseRows.Binary<T, T, SubOp<T>>(), dst, a, b); break;
            case BinaryOp.Mul: Run(new ElementwiseRows.Binary<T, T, MulOp<T>>(), dst, a, b); break;
            case BinaryOp.Div: Run(new ElementwiseRows.Binary<T, T, DivOp<T>>(), dst, a, b); break;
            case BinaryOp.Maximum: Run(new ElementwiseRows.Binary<T, T, MaximumOp<T>>(), dst, a, b); break;
            case BinaryOp.Minimum: Run(new ElementwiseRows.Binary<T, T, MinimumOp<T>>(), dst, a, b); break;
            case BinaryOp.Eq: Run(new ElementwiseRows.Binary<T, byte, CompareOp<T, EqCmp<T>>>(), dst, a, b); break;
            case BinaryOp.Ne: Run(new ElementwiseRows.Binary<T, byte, CompareOp<T, NeCmp<T>>>(), dst, a, b); break;
            case BinaryOp.Lt: Run(new ElementwiseRows.Binary<T, byte, CompareOp<T, LtCmp<T>>>(), dst, a, b); break;
            case BinaryOp.Le: Run(new ElementwiseRows.Binary<T, byte, CompareOp<T, LeCmp<T>>>(), dst, a, b); break;
            case BinaryOp.Gt: Run(new ElementwiseRows.Binary<T, byte, CompareOp<T, GtCmp<T>>>(), dst, a, b); break;
            case BinaryOp.Ge: Run(new ElementwiseRows.Binary<T, byte, CompareOp<T, GeCmp<T>>>(), dst, a, b); break;
            default: throw new NotSupportedException($"{op} is not an arithmetic or comparison op.");
        }
    }

    public void Where(Strided dst, Strided cond, Strided a, Strided b)
    {
        switch (dst.DType.ElementSize())
        {
            // Selection only moves bits, so the element size is all that matters.
            case 8: Run(new ElementwiseRows.Ternary<long>(), dst, cond, a, b); break;
            case 4: Run(new ElementwiseRows.Ternary<int>(), dst, cond, a, b); break;
            default: Run(new ElementwiseRows.Ternary<byte>(), dst, cond, a, b); break;
        }
    }

    private static void Run<TK>(TK kernel, Strided dst, double work = 1) where TK : struct, IRowKernel
        => StridedLoop.Run(kernel, dst.Shape, [dst], work);

    private static void Run<TK>(TK kernel, Strided dst, Strided src, double work = 1) where TK : struct, IRowKernel
        => StridedLoop.Run(kernel, dst.Shape, [dst, src], work);

    private static void Run<TK>(TK kernel, Strided dst, Strided a, Strided b, double work = 1) where TK : struct, IRowKernel
        => StridedLoop.Run(kernel, dst.Shape, [dst, a, b], work);

    private static void Run<TK>(TK kernel, Strided dst, Strided c, Strided a, Strided b) where TK : struct, IRowKernel
        => StridedLoop.Run(kernel, dst.Shape, [dst, c, a, b]);

    private static NotSupportedException Unsupported(string op, DType dtype)
        => new($"{op} is not implemented for dtype {dtype.Name()} on the CPU.");
}

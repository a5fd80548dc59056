using System.Numerics;
using System.Numerics.Tensors;

namespace CudaTensor.Backends.Cpu;

// One operator struct per BinaryOp. Arithmetic is generic over INumber<T>; Pow and the division family
// (DivisionOperators.cs) have integer and floating meanings chosen by the dispatcher.

internal readonly struct AddOp<T> : IBinaryOperator<AddOp<T>, T, T> where T : unmanaged, INumber<T>
{
    public static T Invoke(T a, T b) => a + b;
    public static void Invoke(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Add(a, b, y);
    public static void Invoke(ReadOnlySpan<T> a, T b, Span<T> y) => TensorPrimitives.Add(a, b, y);
    public static void Invoke(T a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Add(b, a, y);
}

internal readonly struct SubOp<T> : IBinaryOperator<SubOp<T>, T, T> where T : unmanaged, INumber<T>
{
    public static T Invoke(T a, T b) => a - b;
    public static void Invoke(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Subtract(a, b, y);
    public static void Invoke(ReadOnlySpan<T> a, T b, Span<T> y) => TensorPrimitives.Subtract(a, b, y);
    public static void Invoke(T a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Subtract(a, b, y);
}

internal readonly struct MulOp<T> : IBinaryOperator<MulOp<T>, T, T> where T : unmanaged, INumber<T>
{
    public static T Invoke(T a, T b) => a * b;
    public static void Invoke(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Multiply(a, b, y);
    public static void Invoke(ReadOnlySpan<T> a, T b, Span<T> y) => TensorPrimitives.Multiply(a, b, y);
    public static void Invoke(T a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Multiply(b, a, y);
}

/// <summary>Division; on integers it truncates toward zero (the op layer sends true division to floats).</summary>
internal readonly struct DivOp<T> : IBinaryOperator<DivOp<T>, T, T> where T : unmanaged, INumber<T>
{
    public static T Invoke(T a, T b) => a / b;
    public static void Invoke(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Divide(a, b, y);
    public static void Invoke(ReadOnlySpan<T> a, T b, Span<T> y) => TensorPrimitives.Divide(a, b, y);
    public static void Invoke(T a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Divide(a, b, y);
}

internal readonly struct MaximumOp<T> : IBinaryOperator<MaximumOp<T>, T, T> where T : unmanaged, INumber<T>
{
    // NaN wins, as torch.maximum (T.Max propagates NaN for IEEE types).
    public static T Invoke(T a, T b) => T.Max(a, b);
    public static void Invoke(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Max(a, b, y);
    public static void Invoke(ReadOnlySpan<T> a, T b, Span<T> y) => TensorPrimitives.Max(a, b, y);
    public static void Invoke(T a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Max(b, a, y);
}

internal readonly struct MinimumOp<T> : IBinaryOperator<MinimumOp<T>, T, T> where T : unmanaged, INumber<T>
{
    public static T Invoke(T a, T b) => T.Min(a, b);
    public static void Invoke(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Min(a, b, y);
    public static void Invoke(ReadOnlySpan<T> a, T b, Span<T> y) => TensorPrimitives.Min(a, b, y);
    public static void Invoke(T a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Min(b, a, y);
}

internal readonly struct FloatPowOp<T> : IBinaryOperator<FloatPowOp<T>, T, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T a, T b) => T.Pow(a, b);
    public static void Invoke(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Pow(a, b, y);
    public static void Invoke(T a, ReadOnlySpan<T> b, Span<T> y) => TensorPrimitives.Pow(a, b, y);
    public static void Invoke(ReadOnlySpan<T> a, T b, Span<T> y)
    {
        // x^2 is by far the most common power: a multiply is exact and several times faster than pow.
        if (b == T.CreateChecked(2)) TensorPrimitives.Multiply(a, a, y);
        else TensorPrimitives.Pow(a, b, y);
    }
}

/// <summary>Integer power by squaring; negative exponents give 0 except for bases 1 and -1 (C semantics).</summary>
internal readonly struct IntPowOp<T> : IBinaryOperator<IntPowOp<T>, T, T> where T : unmanaged, IBinaryInteger<T>
{
    public static T Invoke(T a, T b)
    {
        if (b < T.Zero) return a == T.One ? T.One : a == -T.One ? (T.IsEvenInteger(b) ? T.One : -T.One) : T.Zero;
        T result = T.One;
        while (b != T.Zero)
        {
            if (T.IsOddInteger(b)) result *= a;
            a *= a;
            b >>= 1;
        }
        return result;
    }
}

internal readonly struct CompareOp<T, TCmp> : IBinaryOperator<CompareOp<T, TCmp>, T, byte>
    where T : unmanaged, INumber<T> where TCmp : struct, IComparison<T>
{
    public static byte Invoke(T a, T b) => TCmp.Test(a, b) ? (byte)1 : (byte)0;
}

internal interface IComparison<T> where T : INumber<T>
{
    static abstract bool Test(T a, T b);
}

internal readonly struct EqCmp<T> : IComparison<T> where T : INumber<T> { public static bool Test(T a, T b) => a == b; }
internal readonly struct NeCmp<T> : IComparison<T> where T : INumber<T> { public static bool Test(T a, T b) => a != b; }
internal readonly struct LtCmp<T> : IComparison<T> where T : INumber<T> { public static bool Test(T a, T b) => a < b; }
internal readonly struct LeCmp<T> : IComparison<T> where T : INumber<T> { public static bool Test(T a, T b) => a <= b; }
internal readonly struct GtCmp<T> : IComparison<T> where T : INumber<T> { public static bool Test(T a, T b) => a > b; }
internal readonly struct GeCmp<T> : IComparison<T> where T : INumber<T> { public static bool Test(T a, T b) => a >= b; }

internal readonly struct LogicalAndOp : IBinaryOperator<LogicalAndOp, byte, byte>
{
    public static byte Invoke(byte a, byte b) => (byte)(a & b);
    public static void Invoke(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> y) => TensorPrimitives.BitwiseAnd(a, b, y);
}

internal readonly struct LogicalOrOp : IBinaryOperator<LogicalOrOp, byte, byte>
{
    public static byte Invoke(byte a, byte b) => (byte)(a | b);
    public static void Invoke(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> y) => TensorPrimitives.BitwiseOr(a, b, y);
}

internal readonly struct LogicalXorOp : IBinaryOperator<LogicalXorOp, byte, byte>
{
    public static byte Invoke(byte a, byte b) => (byte)(a ^ b);
    public static void Invoke(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> y) => TensorPrimitives.Xor(a, b, y);
}

using System.Numerics;

namespace CudaTensor.Backends.Cpu;

// The rounding divisions and remainders (Remainder, FMod, TruncDivide, FloorDivide): one struct per op and number
// category, because their integer and floating formulas differ. Kernels/ops.cuh has the same formulas for CUDA.
// Integer divisors are never zero here: the op layer refuses a zero divisor before launching, on every device.

/// <summary>
/// Integer quotient and remainder without .NET's overflow trap: MinValue / -1 and MinValue % -1 throw
/// <see cref="OverflowException"/> in .NET, while two's-complement hardware (and the CUDA kernels) give -MinValue
/// (wrapping back to MinValue) and 0.
/// </summary>
internal static class IntegerDivision
{
    public static T Trunc<T>(T a, T b) where T : IBinaryInteger<T> => b == -T.One ? T.Zero - a : a / b;

    public static T Rem<T>(T a, T b) where T : IBinaryInteger<T> => b == -T.One ? T.Zero : a % b;

    /// <summary>Python's a // b: truncation, one lower where the remainder is non-zero and the signs differ.</summary>
    public static T Floor<T>(T a, T b) where T : IBinaryInteger<T>
    {
        T r = Rem(a, b);
        T q = Trunc(a, b);
        return r != T.Zero && (r < T.Zero) != (b < T.Zero) ? q - T.One : q;
    }

    /// <summary>Python's a % b: the C remainder moved to the divisor's sign.</summary>
    public static T Mod<T>(T a, T b) where T : IBinaryInteger<T>
    {
        T r = Rem(a, b);
        return r != T.Zero && (r < T.Zero) != (b < T.Zero) ? r + b : r;
    }
}

/// <summary>Python-style remainder of floats: the sign of the divisor (torch.remainder). C#'s % on floats is C's fmod.</summary>
internal readonly struct FloatRemainderOp<T> : IBinaryOperator<FloatRemainderOp<T>, T, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T a, T b)
    {
        T r = a % b;
        return r != T.Zero && (r < T.Zero) != (b < T.Zero) ? r + b : r;
    }
}

/// <summary>Python-style remainder of integers (torch.remainder).</summary>
internal readonly struct IntRemainderOp<T> : IBinaryOperator<IntRemainderOp<T>, T, T> where T : unmanaged, IBinaryInteger<T>
{
    public static T Invoke(T a, T b) => IntegerDivision.Mod(a, b);
}

/// <summary>C-style remainder of floats: the sign of the dividend (torch.fmod, C's fmod); x fmod 0 is NaN.</summary>
internal readonly struct FloatFModOp<T> : IBinaryOperator<FloatFModOp<T>, T, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T a, T b) => a % b;
}

/// <summary>C-style remainder of integers (torch.fmod).</summary>
internal readonly struct IntFModOp<T> : IBinaryOperator<IntFModOp<T>, T, T> where T : unmanaged, IBinaryInteger<T>
{
    public static T Invoke(T a, T b) => IntegerDivision.Rem(a, b);
}

/// <summary>trunc(a / b) of floats (torch.div with rounding_mode="trunc").</summary>
internal readonly struct FloatTruncDivideOp<T> : IBinaryOperator<FloatTruncDivideOp<T>, T, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T a, T b) => T.Truncate(a / b);
}

/// <summary>Integer division rounding toward zero (C's /).</summary>
internal readonly struct IntTruncDivideOp<T> : IBinaryOperator<IntTruncDivideOp<T>, T, T> where T : unmanaged, IBinaryInteger<T>
{
    public static T Invoke(T a, T b) => IntegerDivision.Trunc(a, b);
}

/// <summary>
/// Python's a // b of floats (torch.div with rounding_mode="floor"), PyTorch's formula: the quotient of a minus its
/// fmod remainder is exact up to one rounding, so it is corrected by the remainder's sign and rounded to the nearest
/// integer rather than floored (floor(a / b) alone is off by one when a / b rounds up to an integer). A zero divisor
/// gives the IEEE quotient (±inf, NaN); a zero quotient keeps the sign of a / b.
/// </summary>
internal readonly struct FloatFloorDivideOp<T> : IBinaryOperator<FloatFloorDivideOp<T>, T, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T a, T b)
    {
        if (b == T.Zero) return a / b;
        T mod = a % b;
        T div = (a - mod) / b;
        if (mod != T.Zero && (b < T.Zero) != (mod < T.Zero)) div -= T.One;
        if (div == T.Zero) return T.CopySign(T.Zero, a / b);
        T floor = T.Floor(div);
        return div - floor > T.CreateTruncating(0.5) ? floor + T.One : floor;
    }
}

/// <summary>Python's a // b of integers (torch.div with rounding_mode="floor").</summary>
internal readonly struct IntFloorDivideOp<T> : IBinaryOperator<IntFloorDivideOp<T>, T, T> where T : unmanaged, IBinaryInteger<T>
{
    public static T Invoke(T a, T b) => IntegerDivision.Floor(a, b);
}

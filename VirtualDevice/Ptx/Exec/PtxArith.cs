using System.Numerics;

namespace CudaTensor.VirtualDevice.Ptx.Exec;

/// <summary>
/// Integer and float arithmetic as the PTX ISA defines it where C# differs: min/max return the non-NaN operand,
/// integer division by zero gives what the hardware gives (all ones for the quotient, the dividend for the
/// remainder) instead of throwing, MIN / -1 wraps, fma is fused.
/// </summary>
internal static class PtxArith
{
    public struct Add : INumericOp { public static T Apply<T>(T a, T b, T c) where T : unmanaged, INumber<T>, IMinMaxValue<T> => a + b; }

    public struct Sub : INumericOp { public static T Apply<T>(T a, T b, T c) where T : unmanaged, INumber<T>, IMinMaxValue<T> => a - b; }

    public struct Mul : INumericOp { public static T Apply<T>(T a, T b, T c) where T : unmanaged, INumber<T>, IMinMaxValue<T> => a * b; }

    /// <summary>mad.lo (integers: low half, wrapping) or mad.rn on floats (not fused for f32 in PTX's sense? see Fma).</summary>
    public struct MadLo : INumericOp { public static T Apply<T>(T a, T b, T c) where T : unmanaged, INumber<T>, IMinMaxValue<T> => a * b + c; }

    /// <summary>PTX min: the non-NaN operand when one is NaN (IEEE minimumNumber), -0 below +0.</summary>
    public struct Min : INumericOp { public static T Apply<T>(T a, T b, T c) where T : unmanaged, INumber<T>, IMinMaxValue<T> => T.MinNumber(a, b); }

    public struct Max : INumericOp { public static T Apply<T>(T a, T b, T c) where T : unmanaged, INumber<T>, IMinMaxValue<T> => T.MaxNumber(a, b); }

    /// <summary>neg: integers wrap; floats flip the sign (-(+0) = -0, which 0 - a would not give).</summary>
    public struct Neg : INumericOp
    {
        public static T Apply<T>(T a, T b, T c) where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            if (typeof(T) == typeof(float)) return (T)(object)(-(float)(object)a);
            if (typeof(T) == typeof(double)) return (T)(object)(-(double)(object)a);
            return T.Zero - a;
        }
    }

    /// <summary>abs: integers wrap (abs(MIN) = MIN as on the hardware); floats clear the sign bit (NaN stays NaN).</summary>
    public struct Abs : INumericOp
    {
        public static T Apply<T>(T a, T b, T c) where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            if (typeof(T) == typeof(float)) return (T)(object)MathF.Abs((float)(object)a);
            if (typeof(T) == typeof(double)) return (T)(object)Math.Abs((double)(object)a);
            return T.IsNegative(a) ? T.Zero - a : a;
        }
    }

    /// <summary>div: floats IEEE; integers truncate, x / 0 = all ones, MIN / -1 = MIN.</summary>
    public struct Div : INumericOp
    {
        public static T Apply<T>(T a, T b, T c) where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            if (typeof(T) == typeof(float) || typeof(T) == typeof(double)) return a / b;
            if (b == T.Zero) return T.IsNegative(T.MinValue) ? T.Zero - T.One : T.MaxValue;
            if (T.IsNegative(T.MinValue) && a == T.MinValue && b == T.Zero - T.One) return a;
            return a / b;
        }
    }

    /// <summary>rem: x rem 0 = x, MIN rem -1 = 0; the sign follows the dividend (C's %).</summary>
    public struct Rem : INumericOp
    {
        public static T Apply<T>(T a, T b, T c) where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            if (b == T.Zero) return a;
            if (T.IsNegative(T.MinValue) && b == T.Zero - T.One) return T.Zero;
            return a % b;
        }
    }

    /// <summary>fma (and mad.rn/mad.f32 on floats): fused, one rounding.</summary>
    public struct Fma : INumericOp
    {
        public static T Apply<T>(T a, T b, T c) where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            if (typeof(T) == typeof(float)) return (T)(object)MathF.FusedMultiplyAdd((float)(object)a, (float)(object)b, (float)(object)c);
            if (typeof(T) == typeof(double)) return (T)(object)Math.FusedMultiplyAdd((double)(object)a, (double)(object)b, (double)(object)c);
            return a * b + c;
        }
    }

    public struct And : IIntegerOp { public static T Apply<T>(T a, T b, T c) where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T> => a & b; }

    public struct Or : IIntegerOp { public static T Apply<T>(T a, T b, T c) where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T> => a | b; }

    public struct Xor : IIntegerOp { public static T Apply<T>(T a, T b, T c) where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T> => a ^ b; }

    public struct Not : IIntegerOp { public static T Apply<T>(T a, T b, T c) where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T> => ~a; }

    public struct Cnot : IIntegerOp { public static T Apply<T>(T a, T b, T c) where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T> => a == T.Zero ? T.One : T.Zero; }

    public struct Popc : IIntegerOp { public static T Apply<T>(T a, T b, T c) where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T> => T.PopCount(a); }

    public struct Clz : IIntegerOp { public static T Apply<T>(T a, T b, T c) where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T> => T.LeadingZeroCount(a); }

    /// <summary>shl: shift amounts of the width or more give 0 (C# would take the amount modulo the width).</summary>
    public struct Shl : IIntegerOp
    {
        public static T Apply<T>(T a, T b, T c) where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>
        {
            uint n = uint.CreateTruncating(b);
            int bits = a.GetByteCount() * 8;
            return n >= (uint)bits ? T.Zero : a << (int)n;
        }
    }

    /// <summary>shr: amounts of the width or more give 0, or the sign fill for signed types.</summary>
    public struct Shr : IIntegerOp
    {
        public static T Apply<T>(T a, T b, T c) where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>
        {
            uint n = uint.CreateTruncating(b);
            int bits = a.GetByteCount() * 8;
            if (n >= (uint)bits) return T.IsNegative(a) ? T.Zero - T.One : T.Zero;
            return a >> (int)n;
        }
    }

    /// <summary>brev: bit reversal of the type's width.</summary>
    public struct Brev : IIntegerOp
    {
        public static T Apply<T>(T a, T b, T c) where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>
        {
            int bits = a.GetByteCount() * 8;
            ulong v = ulong.CreateTruncating(a);
            ulong r = 0;
            for (int i = 0; i < bits; i++) r |= ((v >> i) & 1) << (bits - 1 - i);
            return T.CreateTruncating(r);
        }
    }

    /// <summary>bfind: position of the most significant non-sign bit, 0xFFFFFFFF when none (C holds the .shiftamt flag).</summary>
    public struct Bfind : IIntegerOp
    {
        public static T Apply<T>(T a, T b, T c) where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>
        {
            int bits = a.GetByteCount() * 8;
            T v = T.IsNegative(a) ? ~a : a;
            if (v == T.Zero) return T.CreateTruncating(uint.MaxValue);
            int pos = bits - 1 - int.CreateTruncating(T.LeadingZeroCount(v));
            return T.CreateTruncating((uint)pos);
        }
    }
}

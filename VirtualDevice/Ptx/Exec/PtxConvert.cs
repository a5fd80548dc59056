namespace CudaTensor.VirtualDevice.Ptx.Exec;

/// <summary>
/// cvt between every integer and float width. Float to integer rounds by the instruction's mode (.rni .rzi .rmi
/// .rpi), saturates to the destination's range and gives 0 for NaN; integer to integer truncates or extends, or
/// clamps with .sat; to float rounds once with the mode (.rn .rz .rm .rp). Aux = 1 when a float destination takes an
/// integer rounding mode (cvt.rni.f32.f32 rounds to an integral value).
/// </summary>
internal static class PtxConvert
{
    public struct Cvt : PtxLanes.IBitsOp
    {
        public static ulong Apply(ref PtxInstruction ins, ulong a, ulong b, ulong c) => Convert(ref ins, a);
    }

    /// <summary>
    /// Integer to integer without .sat, the most frequent cvt (cvt.u64.u32, cvt.s64.s32, cvt.u32.u64): extend from the
    /// source width (sign or zero, by shifting up and back), truncate to the destination's. Aux = 64 - source bits,
    /// M = the destination mask's bit count.
    /// </summary>
    public struct IntToInt : PtxLanes.IBitsOp
    {
        public static ulong Apply(ref PtxInstruction ins, ulong a, ulong b, ulong c)
        {
            int shift = ins.Aux;
            ulong v = ins.Type2.IsSigned() ? (ulong)((long)(a << shift) >> shift) : (a << shift) >> shift;
            return Fit(ins.Type, v);
        }
    }

    public static ulong Convert(ref PtxInstruction ins, ulong a)
    {
        PtxType to = ins.Type, from = ins.Type2;
        if (from.IsFloat())
        {
            double x = ReadFloat(from, a, ins.Ftz);
            if (to.IsFloat())
            {
                if (ins.Aux == 1) x = RoundIntegral(x, ins.Rounding);
                return WriteFloat(to, x, 0, ins.Rounding, ins.Ftz, ins.Saturate);
            }
            return FloatToInt(to, RoundIntegral(x, ins.Rounding));
        }
        Int128 v = ReadInt(from, a);
        if (to.IsFloat())
        {
            double d = (double)v;
            int sign = double.IsFinite(d) && Math.Abs(d) < 1.7e38 ? ((Int128)d < v ? 1 : (Int128)d > v ? -1 : 0) : 0;
            return WriteFloat(to, d, sign, ins.Rounding, false, ins.Saturate);
        }
        if (ins.Saturate)
        {
            (Int128 lo, Int128 hi) = Range(to);
            v = Int128.Clamp(v, lo, hi);
        }
        return Fit(to, (ulong)v);
    }

    /// <summary>
    /// An integer result in its register: truncated to the type's width, then sign-extended for signed types and
    /// zero-extended otherwise ("operand size exceeding instruction-type size": a cvt.s8.s32 result reads as -1 in s32).
    /// </summary>
    public static ulong Fit(PtxType t, ulong v)
    {
        int width = t.Size() * 8;
        if (width == 64) return v;
        int shift = 64 - width;
        return t.IsSigned() ? (ulong)((long)(v << shift) >> shift) : v & ((1UL << width) - 1);
    }

    public static Int128 ReadInt(PtxType t, ulong bits) => t switch
    {
        PtxType.S8 => (sbyte)bits,
        PtxType.S16 => (short)bits,
        PtxType.S32 => (int)bits,
        PtxType.S64 => (long)bits,
        _ => bits & t.Mask(),
    };

    private static (Int128 Lo, Int128 Hi) Range(PtxType t)
    {
        int width = t.Size() * 8;
        return t.IsSigned() ? (-(Int128.One << (width - 1)), (Int128.One << (width - 1)) - 1) : (Int128.Zero, (Int128.One << width) - 1);
    }

    public static double ReadFloat(PtxType t, ulong bits, bool ftz)
    {
        switch (t)
        {
            case PtxType.F32:
                float f = BitConverter.Int32BitsToSingle((int)bits);
                if (ftz && float.IsSubnormal(f)) f = MathF.CopySign(0, f);
                return f;
            case PtxType.F64: return BitConverter.Int64BitsToDouble((long)bits);
            case PtxType.F16: return PtxHalf.HalfToFloat(bits);
            default: return PtxHalf.Bf16ToFloat(bits);
        }
    }

    private static ulong WriteFloat(PtxType t, double x, int sign, PtxRounding mode, bool ftz, bool saturate)
    {
        if (saturate) x = double.IsNaN(x) ? 0 : Math.Clamp(x, 0, 1);
        switch (t)
        {
            case PtxType.F32:
                float f = PtxFloat.Round32(x, sign, mode);
                if (ftz && float.IsSubnormal(f)) f = MathF.CopySign(0, f);
                return (uint)BitConverter.SingleToInt32Bits(f);
            case PtxType.F64:
                double r = x;
                if (sign != 0 && mode != PtxRounding.Rn)
                {
                    r = mode switch
                    {
                        PtxRounding.Rp => sign > 0 ? Math.BitIncrement(r) : r,
                        PtxRounding.Rm => sign < 0 ? Math.BitDecrement(r) : r,
                        _ => (r > 0 && sign < 0) ? Math.BitDecrement(r) : (r < 0 && sign > 0) ? Math.BitIncrement(r) : r,
                    };
                }
                return (ulong)BitConverter.DoubleToInt64Bits(r);
            case PtxType.F16: return PtxHalf.DoubleToHalf(x, mode);
            default: return PtxHalf.DoubleToBf16(x, mode);
        }
    }

    private static double RoundIntegral(double x, PtxRounding mode) => mode switch
    {
        PtxRounding.Rn => Math.Round(x, MidpointRounding.ToEven),
        PtxRounding.Rz => Math.Truncate(x),
        PtxRounding.Rm => Math.Floor(x),
        _ => Math.Ceiling(x),
    };

    /// <summary>An integral double to an integer type: NaN gives 0, out-of-range values saturate.</summary>
    private static ulong FloatToInt(PtxType t, double x)
    {
        if (double.IsNaN(x)) return 0;
        (Int128 lo, Int128 hi) = Range(t);
        Int128 v;
        if (x <= (double)lo) v = lo;
        else if (x >= (double)hi) v = hi;
        else v = (Int128)x;
        return Fit(t, (ulong)v);
    }
}

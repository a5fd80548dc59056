namespace CudaTensor.VirtualDevice.Ptx;

/// <summary>IEEE half and bfloat16 conversions with PTX's rounding modes.</summary>
internal static class PtxHalf
{
    public static float HalfToFloat(ulong bits) => (float)BitConverter.UInt16BitsToHalf((ushort)bits);

    public static float Bf16ToFloat(ulong bits) => BitConverter.Int32BitsToSingle((int)((uint)(ushort)bits << 16));

    /// <summary>A double rounded to half with a rounding mode (NaN stays a quiet NaN).</summary>
    public static ushort DoubleToHalf(double v, PtxRounding mode)
    {
        Half h = (Half)v;
        if (mode == PtxRounding.Rn || double.IsNaN(v)) return BitConverter.HalfToUInt16Bits(h);
        double back = (double)h;
        if (Half.IsInfinity(h) && !double.IsInfinity(v))
        {
            bool towardInf = (mode == PtxRounding.Rp && v > 0) || (mode == PtxRounding.Rm && v < 0);
            return BitConverter.HalfToUInt16Bits(towardInf ? h : (v > 0 ? Half.MaxValue : -Half.MaxValue));
        }
        if (back == v) return BitConverter.HalfToUInt16Bits(h);
        bool up = mode switch
        {
            PtxRounding.Rp => back < v,
            PtxRounding.Rm => false,
            _ => false,
        };
        bool down = mode switch
        {
            PtxRounding.Rm => back > v,
            PtxRounding.Rz => Math.Abs(back) > Math.Abs(v),
            _ => false,
        };
        if (mode == PtxRounding.Rz && down) return BitConverter.HalfToUInt16Bits(v > 0 ? Half.BitDecrement(h) : Half.BitIncrement(h));
        if (up) return BitConverter.HalfToUInt16Bits(Half.BitIncrement(h));
        if (down) return BitConverter.HalfToUInt16Bits(Half.BitDecrement(h));
        return BitConverter.HalfToUInt16Bits(h);
    }

    /// <summary>A float rounded to bfloat16 (the upper 16 bits of its single-precision pattern).</summary>
    public static ushort FloatToBf16(float f, PtxRounding mode)
    {
        uint bits = (uint)BitConverter.SingleToInt32Bits(f);
        if (float.IsNaN(f)) return 0x7FFF;
        uint lower = bits & 0xFFFF;
        uint upper = bits >> 16;
        bool negative = (bits >> 31) != 0;
        switch (mode)
        {
            case PtxRounding.Rn:
                uint round = 0x7FFF + (upper & 1);
                return (ushort)((bits + round) >> 16);
            case PtxRounding.Rz:
                return (ushort)upper;
            case PtxRounding.Rp:
                return (ushort)(lower != 0 && !negative ? upper + 1 : upper);
            default:
                return (ushort)(lower != 0 && negative ? upper + 1 : upper);
        }
    }

    /// <summary>A double rounded to bfloat16: first exactly-enough to float (round to odd keeps one rounding), then to bf16.</summary>
    public static ushort DoubleToBf16(double v, PtxRounding mode)
    {
        float f = (float)v;
        if (!double.IsNaN(v) && (double)f != v && !float.IsInfinity(f))
        {
            // Round to odd: a float with the sticky bit set, so the second rounding sees that v was not exact.
            uint b = (uint)BitConverter.SingleToInt32Bits(f);
            if (Math.Abs((double)f) > Math.Abs(v)) b--;
            f = BitConverter.Int32BitsToSingle((int)(b | 1));
        }
        return FloatToBf16(f, mode);
    }
}

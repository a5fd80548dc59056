namespace CudaTensor.VirtualDevice.Ptx;

/// <summary>PTX fundamental types.</summary>
internal enum PtxType : byte
{
    None,
    Pred,
    B8, B16, B32, B64,
    U8, U16, U32, U64,
    S8, S16, S32, S64,
    F16, F16x2, BF16, BF16x2, F32, F64,
}

internal static class PtxTypes
{
    public static bool TryParse(string name, out PtxType type)
    {
        type = name switch
        {
            "pred" => PtxType.Pred,
            "b8" => PtxType.B8, "b16" => PtxType.B16, "b32" => PtxType.B32, "b64" => PtxType.B64,
            "u8" => PtxType.U8, "u16" => PtxType.U16, "u32" => PtxType.U32, "u64" => PtxType.U64,
            "s8" => PtxType.S8, "s16" => PtxType.S16, "s32" => PtxType.S32, "s64" => PtxType.S64,
            "f16" => PtxType.F16, "f16x2" => PtxType.F16x2, "bf16" => PtxType.BF16, "bf16x2" => PtxType.BF16x2,
            "f32" => PtxType.F32, "f64" => PtxType.F64,
            _ => PtxType.None,
        };
        return type != PtxType.None;
    }

    /// <summary>Size in bytes (a predicate counts as 1).</summary>
    public static int Size(this PtxType t) => t switch
    {
        PtxType.Pred or PtxType.B8 or PtxType.U8 or PtxType.S8 => 1,
        PtxType.B16 or PtxType.U16 or PtxType.S16 or PtxType.F16 or PtxType.BF16 => 2,
        PtxType.B32 or PtxType.U32 or PtxType.S32 or PtxType.F32 or PtxType.F16x2 or PtxType.BF16x2 => 4,
        PtxType.B64 or PtxType.U64 or PtxType.S64 or PtxType.F64 => 8,
        _ => 0,
    };

    public static bool IsFloat(this PtxType t) => t is PtxType.F16 or PtxType.F16x2 or PtxType.BF16 or PtxType.BF16x2 or PtxType.F32 or PtxType.F64;

    public static bool IsSigned(this PtxType t) => t is PtxType.S8 or PtxType.S16 or PtxType.S32 or PtxType.S64;

    /// <summary>The all-ones mask of the type's width.</summary>
    public static ulong Mask(this PtxType t) => t.Size() >= 8 ? ulong.MaxValue : (1UL << (8 * t.Size())) - 1;
}

/// <summary>Literals converted to an instruction's operand type.</summary>
internal static class PtxLiterals
{
    /// <summary>
    /// The register bits of a literal used where <paramref name="type"/> is expected: <c>0f</c>/<c>0d</c> literals are
    /// converted between precisions, integers written for a float operand become that float, integers are truncated.
    /// </summary>
    public static ulong Convert(ulong bits, PtxLiteral kind, PtxType type)
    {
        if (type == PtxType.F32)
        {
            return kind switch
            {
                PtxLiteral.Float32 => bits & 0xFFFF_FFFF,
                PtxLiteral.Float64 or PtxLiteral.Decimal => F32((float)BitConverter.Int64BitsToDouble((long)bits)),
                _ => F32((long)bits),
            };
        }
        if (type == PtxType.F64)
        {
            return kind switch
            {
                PtxLiteral.Float32 => (ulong)BitConverter.DoubleToInt64Bits(BitConverter.Int32BitsToSingle((int)bits)),
                PtxLiteral.Float64 or PtxLiteral.Decimal => bits,
                _ => (ulong)BitConverter.DoubleToInt64Bits((long)bits),
            };
        }
        if (type is PtxType.F16 or PtxType.BF16)
        {
            double d = kind switch
            {
                PtxLiteral.Float32 => BitConverter.Int32BitsToSingle((int)bits),
                PtxLiteral.Float64 or PtxLiteral.Decimal => BitConverter.Int64BitsToDouble((long)bits),
                _ => (long)bits,
            };
            // 0f/0d literals of a 16-bit type are given as their own bit pattern when they fit in 16 bits.
            if (kind == PtxLiteral.Integer) return bits & 0xFFFF;
            return type == PtxType.F16 ? BitConverter.HalfToUInt16Bits((Half)d) : PtxHalf.FloatToBf16((float)d, PtxRounding.Rn);
        }
        if (kind == PtxLiteral.Decimal) bits = (ulong)(long)BitConverter.Int64BitsToDouble((long)bits);
        return type == PtxType.None ? bits : bits & type.Mask();
    }

    private static ulong F32(float f) => (uint)BitConverter.SingleToInt32Bits(f);
}

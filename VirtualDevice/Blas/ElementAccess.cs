namespace CudaTensor.VirtualDevice.Blas;

/// <summary>
/// Reads and writes matrix elements of every <see cref="BlasDataType"/> as doubles (exact for all of them), and
/// rounds float inputs the way reduced-precision tensor-core paths do.
/// </summary>
internal static unsafe class ElementAccess
{
    /// <summary>Bytes per element.</summary>
    public static int SizeOf(BlasDataType type) => type switch
    {
        BlasDataType.Float64 => 8,
        BlasDataType.Float32 or BlasDataType.Int32 => 4,
        BlasDataType.Float16 or BlasDataType.BFloat16 => 2,
        BlasDataType.Int8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not an element type the emulator handles"),
    };

    /// <summary>True for the cudaDataType_t values this emulator reads and writes.</summary>
    public static bool IsKnown(int type) => (BlasDataType)type is BlasDataType.Float32 or BlasDataType.Float64
        or BlasDataType.Float16 or BlasDataType.BFloat16 or BlasDataType.Int8 or BlasDataType.Int32;

    /// <summary>Element <paramref name="index"/> of an array of <paramref name="type"/> at <paramref name="p"/>.</summary>
    public static double Read(byte* p, BlasDataType type, long index) => type switch
    {
        BlasDataType.Float32 => ((float*)p)[index],
        BlasDataType.Float64 => ((double*)p)[index],
        BlasDataType.Float16 => (double)((Half*)p)[index],
        BlasDataType.BFloat16 => BFloat16ToSingle(((ushort*)p)[index]),
        BlasDataType.Int8 => ((sbyte*)p)[index],
        BlasDataType.Int32 => ((int*)p)[index],
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not an element type the emulator handles"),
    };

    /// <summary>
    /// Stores <paramref name="value"/> as element <paramref name="index"/>, rounded to nearest even. The value is
    /// exactly a float when the computation ran in float, so the double step adds no second rounding.
    /// </summary>
    public static void Write(byte* p, BlasDataType type, long index, double value)
    {
        switch (type)
        {
            case BlasDataType.Float32: ((float*)p)[index] = (float)value; break;
            case BlasDataType.Float64: ((double*)p)[index] = value; break;
            case BlasDataType.Float16: ((Half*)p)[index] = (Half)value; break;
            case BlasDataType.BFloat16: ((ushort*)p)[index] = SingleToBFloat16((float)value); break;
            case BlasDataType.Int8: ((sbyte*)p)[index] = (sbyte)Math.Clamp(Math.Round(value), sbyte.MinValue, sbyte.MaxValue); break;
            case BlasDataType.Int32: ((int*)p)[index] = (int)Math.Clamp(Math.Round(value), int.MinValue, int.MaxValue); break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, "not an element type the emulator handles");
        }
    }

    /// <summary>Applies <paramref name="rounding"/> to a float input.</summary>
    public static float Round(float value, InputRounding rounding) => rounding switch
    {
        InputRounding.None => value,
        InputRounding.Tf32 => RoundToTf32(value),
        InputRounding.Float16 => (float)(Half)value,
        InputRounding.BFloat16 => BFloat16ToSingle(SingleToBFloat16(value)),
        _ => value,
    };

    /// <summary>
    /// FP32 -> TF32 (8-bit exponent, 10-bit mantissa): round to nearest, ties away from zero, as PTX's
    /// <c>cvt.rna.tf32.f32</c> (the conversion the ISA defines for feeding FP32 data to TF32 tensor cores)
    /// does it: add half an ulp of the 13 dropped bits, then clear them. NaN and infinity pass unchanged.
    /// </summary>
    public static float RoundToTf32(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7F80_0000u) == 0x7F80_0000u) return value;
        return BitConverter.UInt32BitsToSingle((bits + 0x1000u) & 0xFFFF_E000u);
    }

    /// <summary>FP32 -> BF16 bits, round to nearest even; NaN stays NaN (quiet).</summary>
    public static ushort SingleToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40);
        uint rounded = bits + 0x7FFFu + ((bits >> 16) & 1u);
        return (ushort)(rounded >> 16);
    }

    /// <summary>BF16 bits -> FP32 (exact).</summary>
    public static float BFloat16ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);
}

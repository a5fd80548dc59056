namespace CudaTensor.VirtualDevice.Blas;

/// <summary>How a product is computed: accumulator width, input rounding and the type of alpha and beta.</summary>
/// <param name="DoublePrecision">Accumulate in double (64F) instead of float.</param>
/// <param name="Rounding">Rounding applied to float inputs.</param>
/// <param name="ScaleType">Type of alpha and beta (and of the bias in cuBLASLt's float epilogues).</param>
internal readonly record struct ComputeSpec(bool DoublePrecision, InputRounding Rounding, BlasDataType ScaleType)
{
    // cublasMath_t (cublas_api.h): the low bits select the mode; 16 is an OR-able flag.
    public const int DefaultMath = 0;
    public const int TensorOpMath = 1;
    public const int PedanticMath = 2;
    public const int Tf32TensorOpMath = 3;
    public const int DisallowReducedPrecisionReduction = 16;

    /// <summary>True for a cublasMath_t value cuBLAS accepts.</summary>
    public static bool IsValidMathMode(int mode) => (mode & ~DisallowReducedPrecisionReduction) is >= DefaultMath and <= Tf32TensorOpMath;

    /// <summary>True for a cublasComputeType_t value.</summary>
    public static bool IsComputeType(int value) => Enum.IsDefined((BlasComputeType)value);

    /// <summary>
    /// The computation for cublasGemmEx-style calls: the type combinations of cuBLAS's cublasGemmEx table (real
    /// types only; complex and the 32I integer path are reported NOT_SUPPORTED), or null when unsupported.
    /// A math mode of TF32 (or the deprecated tensor-op mode) lets the plain 32F compute type round FP32 inputs,
    /// as cuBLAS documents for cublasSgemm and cublasGemmEx; the _PEDANTIC types never do.
    /// </summary>
    public static ComputeSpec? ForGemmEx(BlasComputeType compute, int typeA, int typeB, int typeC, int mathMode)
    {
        if (typeA != typeB) return null;
        var a = (BlasDataType)typeA;
        var c = (BlasDataType)typeC;
        switch (compute)
        {
            case BlasComputeType.Float16 or BlasComputeType.Float16Pedantic:
                // Emulated with a float accumulator rounded to half on store: cuBLAS's HMMA paths accumulate in
                // half, which this reference does not reproduce bit for bit.
                return a == BlasDataType.Float16 && c == BlasDataType.Float16
                    ? new ComputeSpec(false, InputRounding.None, BlasDataType.Float16) : null;
            case BlasComputeType.Float32 or BlasComputeType.Float32Pedantic:
                bool supported = (a, c) is (BlasDataType.Float32, BlasDataType.Float32)
                    or (BlasDataType.Float16, BlasDataType.Float16) or (BlasDataType.Float16, BlasDataType.Float32)
                    or (BlasDataType.BFloat16, BlasDataType.BFloat16) or (BlasDataType.BFloat16, BlasDataType.Float32)
                    or (BlasDataType.Int8, BlasDataType.Float32);
                if (!supported) return null;
                InputRounding rounding = InputRounding.None;
                if (compute == BlasComputeType.Float32 && a == BlasDataType.Float32)
                {
                    rounding = (mathMode & ~DisallowReducedPrecisionReduction) switch
                    {
                        Tf32TensorOpMath => InputRounding.Tf32,
                        TensorOpMath => InputRounding.Float16,
                        _ => InputRounding.None,
                    };
                }
                return new ComputeSpec(false, rounding, BlasDataType.Float32);
            case BlasComputeType.Float32FastTf32 or BlasComputeType.Float32Fast16F or BlasComputeType.Float32Fast16BF:
                if (a != BlasDataType.Float32 || c != BlasDataType.Float32) return null;
                return new ComputeSpec(false, compute switch
                {
                    BlasComputeType.Float32FastTf32 => InputRounding.Tf32,
                    BlasComputeType.Float32Fast16F => InputRounding.Float16,
                    _ => InputRounding.BFloat16,
                }, BlasDataType.Float32);
            case BlasComputeType.Float64 or BlasComputeType.Float64Pedantic:
                return a == BlasDataType.Float64 && c == BlasDataType.Float64
                    ? new ComputeSpec(true, InputRounding.None, BlasDataType.Float64) : null;
            default:
                return null;
        }
    }
}

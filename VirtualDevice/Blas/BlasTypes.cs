namespace CudaTensor.VirtualDevice.Blas;

/// <summary>cublasStatus_t (values from NVIDIA's cublas_api.h).</summary>
internal enum BlasStatus
{
    Success = 0,
    NotInitialized = 1,
    AllocFailed = 3,
    InvalidValue = 7,
    ArchMismatch = 8,
    MappingError = 11,
    ExecutionFailed = 13,
    InternalError = 14,
    NotSupported = 15,
}

/// <summary>cublasOperation_t.</summary>
internal enum BlasOperation
{
    None = 0,
    Transpose = 1,

    // Conjugate transpose: the plain transpose for the real types emulated here.
    ConjugateTranspose = 2,
}

/// <summary>cudaDataType_t (library_types.h): the element types the emulator reads and writes.</summary>
internal enum BlasDataType
{
    Float32 = 0,
    Float64 = 1,
    Float16 = 2,
    Int8 = 3,
    Int32 = 10,
    BFloat16 = 14,
}

/// <summary>cublasComputeType_t.</summary>
internal enum BlasComputeType
{
    Float16 = 64,
    Float16Pedantic = 65,
    Float32 = 68,
    Float32Pedantic = 69,
    Float64 = 70,
    Float64Pedantic = 71,
    Int32 = 72,
    Int32Pedantic = 73,
    Float32Fast16F = 74,
    Float32Fast16BF = 75,
    Float32FastTf32 = 77,
}

/// <summary>
/// How float inputs are rounded before they are multiplied: what the tensor-core paths of cuBLAS do to FP32
/// operands (TF32, or FP16/BF16 for the FAST_16F/FAST_16BF compute types).
/// </summary>
internal enum InputRounding
{
    None,
    Tf32,
    Float16,
    BFloat16,
}

/// <summary>libraryPropertyType_t.</summary>
internal enum LibraryProperty
{
    MajorVersion = 0,
    MinorVersion = 1,
    PatchLevel = 2,
}

/// <summary>The version the emulated libraries report (cuBLAS and cuBLASLt 13.0.0, the CUDA 13 generation).</summary>
internal static unsafe class BlasVersion
{
    public const int Major = 13;
    public const int Minor = 0;
    public const int Patch = 0;

    /// <summary>major*10000 + minor*100 + patch, as CUBLAS_VERSION and cublasLtGetVersion encode it.</summary>
    public const int Encoded = (Major * 10000) + (Minor * 100) + Patch;

    public static BlasStatus Property(int type, int* value)
    {
        if (value == null) return BlasStatus.InvalidValue;
        switch ((LibraryProperty)type)
        {
            case LibraryProperty.MajorVersion: *value = Major; return BlasStatus.Success;
            case LibraryProperty.MinorVersion: *value = Minor; return BlasStatus.Success;
            case LibraryProperty.PatchLevel: *value = Patch; return BlasStatus.Success;
            default: return BlasStatus.InvalidValue;
        }
    }
}

namespace CudaTensor.Native;

/// <summary>Transpose operation of a cuBLAS operand (<c>cublasOperation_t</c>).</summary>
public enum CublasOperation
{
    /// <summary>CUBLAS_OP_N: use the matrix as stored (column-major).</summary>
    None = 0,

    /// <summary>CUBLAS_OP_T: transpose.</summary>
    Transpose = 1,

    /// <summary>CUBLAS_OP_C: conjugate transpose.</summary>
    ConjugateTranspose = 2,
}

/// <summary>cuBLAS math mode (<c>cublasMath_t</c>).</summary>
public enum CublasMath
{
    /// <summary>CUBLAS_DEFAULT_MATH: full float32 precision unless a compute type says otherwise.</summary>
    Default = 0,

    /// <summary>CUBLAS_PEDANTIC_MATH.</summary>
    Pedantic = 2,

    /// <summary>CUBLAS_TF32_TENSOR_OP_MATH: float32 GEMMs may use TF32 tensor cores (opt-in; lower precision).</summary>
    Tf32TensorOp = 3,

    /// <summary>CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION (a flag to combine with the others).</summary>
    DisallowReducedPrecisionReduction = 16,
}

/// <summary>Element types of cuBLAS operands (<c>cudaDataType</c> in library_types.h).</summary>
public enum CudaDataType
{
    /// <summary>CUDA_R_32F.</summary>
    Float32 = 0,

    /// <summary>CUDA_R_64F.</summary>
    Float64 = 1,

    /// <summary>CUDA_R_16F.</summary>
    Float16 = 2,

    /// <summary>CUDA_R_8I.</summary>
    Int8 = 3,

    /// <summary>CUDA_R_32I.</summary>
    Int32 = 10,

    /// <summary>CUDA_R_16BF.</summary>
    BFloat16 = 14,
}

/// <summary>Compute (accumulation) types of the Ex GEMMs (<c>cublasComputeType_t</c>, CUDA 11 and later).</summary>
public enum CublasComputeType
{
    /// <summary>CUBLAS_COMPUTE_16F.</summary>
    Float16 = 64,

    /// <summary>CUBLAS_COMPUTE_32F.</summary>
    Float32 = 68,

    /// <summary>CUBLAS_COMPUTE_32F_PEDANTIC.</summary>
    Float32Pedantic = 69,

    /// <summary>CUBLAS_COMPUTE_64F.</summary>
    Float64 = 70,

    /// <summary>CUBLAS_COMPUTE_32I.</summary>
    Int32 = 72,

    /// <summary>CUBLAS_COMPUTE_32F_FAST_16F.</summary>
    Float32Fast16F = 74,

    /// <summary>CUBLAS_COMPUTE_32F_FAST_16BF.</summary>
    Float32Fast16BF = 75,

    /// <summary>CUBLAS_COMPUTE_32F_FAST_TF32.</summary>
    Float32FastTf32 = 77,
}

/// <summary>cuBLASLt matmul descriptor attributes (<c>cublasLtMatmulDescAttributes_t</c>; the subset used).</summary>
public enum CublasLtMatmulDescAttribute
{
    /// <summary>CUBLASLT_MATMUL_DESC_COMPUTE_TYPE (int32).</summary>
    ComputeType = 0,

    /// <summary>CUBLASLT_MATMUL_DESC_SCALE_TYPE (int32).</summary>
    ScaleType = 1,

    /// <summary>CUBLASLT_MATMUL_DESC_POINTER_MODE (int32).</summary>
    PointerMode = 2,

    /// <summary>CUBLASLT_MATMUL_DESC_TRANSA (int32 cublasOperation_t).</summary>
    TransA = 3,

    /// <summary>CUBLASLT_MATMUL_DESC_TRANSB (int32 cublasOperation_t).</summary>
    TransB = 4,

    /// <summary>CUBLASLT_MATMUL_DESC_TRANSC (int32 cublasOperation_t).</summary>
    TransC = 5,

    /// <summary>CUBLASLT_MATMUL_DESC_FILL_MODE (int32).</summary>
    FillMode = 6,

    /// <summary>CUBLASLT_MATMUL_DESC_EPILOGUE (uint32 cublasLtEpilogue_t).</summary>
    Epilogue = 7,

    /// <summary>CUBLASLT_MATMUL_DESC_BIAS_POINTER (device pointer to one bias per row of D).</summary>
    BiasPointer = 8,
}

/// <summary>Fused operations applied after a cuBLASLt matmul (<c>cublasLtEpilogue_t</c>).</summary>
public enum CublasLtEpilogue
{
    /// <summary>CUBLASLT_EPILOGUE_DEFAULT: none.</summary>
    Default = 1,

    /// <summary>CUBLASLT_EPILOGUE_RELU.</summary>
    Relu = 2,

    /// <summary>CUBLASLT_EPILOGUE_BIAS: add a bias broadcast over columns.</summary>
    Bias = 4,

    /// <summary>CUBLASLT_EPILOGUE_RELU_BIAS (= RELU | BIAS): bias, then ReLU.</summary>
    ReluBias = 6,

    /// <summary>CUBLASLT_EPILOGUE_GELU.</summary>
    Gelu = 32,

    /// <summary>CUBLASLT_EPILOGUE_GELU_BIAS (= GELU | BIAS): bias, then GELU.</summary>
    GeluBias = 36,
}

/// <summary>cuBLASLt matmul preference attributes (<c>cublasLtMatmulPreferenceAttributes_t</c>; the subset used).</summary>
public enum CublasLtPreferenceAttribute
{
    /// <summary>CUBLASLT_MATMUL_PREF_SEARCH_MODE (uint32).</summary>
    SearchMode = 0,

    /// <summary>CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES (uint64).</summary>
    MaxWorkspaceBytes = 1,
}

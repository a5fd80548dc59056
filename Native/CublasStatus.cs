namespace CudaTensor.Native;

/// <summary>cuBLAS status codes (<c>cublasStatus_t</c> in cublas_api.h).</summary>
#pragma warning disable CA1707 // cublas_api.h's names.
public enum CublasStatus
{
    /// <summary>CUBLAS_STATUS_SUCCESS.</summary>
    CUBLAS_STATUS_SUCCESS = 0,

    /// <summary>CUBLAS_STATUS_NOT_INITIALIZED.</summary>
    CUBLAS_STATUS_NOT_INITIALIZED = 1,

    /// <summary>CUBLAS_STATUS_ALLOC_FAILED.</summary>
    CUBLAS_STATUS_ALLOC_FAILED = 3,

    /// <summary>CUBLAS_STATUS_INVALID_VALUE.</summary>
    CUBLAS_STATUS_INVALID_VALUE = 7,

    /// <summary>CUBLAS_STATUS_ARCH_MISMATCH.</summary>
    CUBLAS_STATUS_ARCH_MISMATCH = 8,

    /// <summary>CUBLAS_STATUS_MAPPING_ERROR.</summary>
    CUBLAS_STATUS_MAPPING_ERROR = 11,

    /// <summary>CUBLAS_STATUS_EXECUTION_FAILED.</summary>
    CUBLAS_STATUS_EXECUTION_FAILED = 13,

    /// <summary>CUBLAS_STATUS_INTERNAL_ERROR.</summary>
    CUBLAS_STATUS_INTERNAL_ERROR = 14,

    /// <summary>CUBLAS_STATUS_NOT_SUPPORTED.</summary>
    CUBLAS_STATUS_NOT_SUPPORTED = 15,

    /// <summary>CUBLAS_STATUS_LICENSE_ERROR.</summary>
    CUBLAS_STATUS_LICENSE_ERROR = 16,
}
#pragma warning restore CA1707

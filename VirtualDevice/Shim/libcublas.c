/*
 * libcublas.so.13 of the virtual CUDA device.
 *
 * Every export carries the prototype of NVIDIA's cublas_api.h (the _v2 API) and forwards to a function pointer
 * that the managed emulator (CudaTensor.VirtualDevice.Blas) registers through ctvd_register. The prototypes are
 * written from NVIDIA's header, not from the library's [LibraryImport] declarations, so that a wrong managed
 * declaration (argument order, widths, enum values) shows up as a failing test instead of being mirrored here.
 *
 * An export whose pointer is not registered records its own name (ctvd_last_unsupported) and returns
 * CUBLAS_STATUS_NOT_SUPPORTED: never a silent success.
 */
#include <stddef.h>
#include <stdint.h>

#include "ctvd_cublas.h"

/* ---- further types and values from cublas_api.h ---- */

typedef enum { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1, CUBLAS_OP_C = 2 } cublasOperation_t;
typedef enum { CUBLAS_POINTER_MODE_HOST = 0, CUBLAS_POINTER_MODE_DEVICE = 1 } cublasPointerMode_t;
typedef enum { CUBLAS_DEFAULT_MATH = 0, CUBLAS_TF32_TENSOR_OP_MATH = 3 } cublasMath_t;
typedef enum { CUBLAS_GEMM_DEFAULT = -1 } cublasGemmAlgo_t;

struct cublasContext;
typedef struct cublasContext* cublasHandle_t;

/* ---- exports: X(name, (parameters as in cublas_api.h), (arguments)) ---- */

#define CTVD_EXPORTS(X) \
    X(cublasCreate_v2, (cublasHandle_t* handle), (handle)) \
    X(cublasDestroy_v2, (cublasHandle_t handle), (handle)) \
    X(cublasGetVersion_v2, (cublasHandle_t handle, int* version), (handle, version)) \
    X(cublasGetProperty, (libraryPropertyType type, int* value), (type, value)) \
    X(cublasSetStream_v2, (cublasHandle_t handle, cudaStream_t streamId), (handle, streamId)) \
    X(cublasGetStream_v2, (cublasHandle_t handle, cudaStream_t* streamId), (handle, streamId)) \
    X(cublasSetMathMode, (cublasHandle_t handle, cublasMath_t mode), (handle, mode)) \
    X(cublasGetMathMode, (cublasHandle_t handle, cublasMath_t* mode), (handle, mode)) \
    X(cublasSetPointerMode_v2, (cublasHandle_t handle, cublasPointerMode_t mode), (handle, mode)) \
    X(cublasGetPointerMode_v2, (cublasHandle_t handle, cublasPointerMode_t* mode), (handle, mode)) \
    X(cublasSgemm_v2, (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, \
        int m, int n, int k, const float* alpha, const float* A, int lda, const float* B, int ldb, \
        const float* beta, float* C, int ldc), \
        (handle, transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc)) \
    X(cublasDgemm_v2, (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, \
        int m, int n, int k, const double* alpha, const double* A, int lda, const double* B, int ldb, \
        const double* beta, double* C, int ldc), \
        (handle, transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc)) \
    X(cublasGemmEx, (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, \
        int m, int n, int k, const void* alpha, const void* A, cudaDataType Atype, int lda, \
        const void* B, cudaDataType Btype, int ldb, const void* beta, void* C, cudaDataType Ctype, int ldc, \
        cublasComputeType_t computeType, cublasGemmAlgo_t algo), \
        (handle, transa, transb, m, n, k, alpha, A, Atype, lda, B, Btype, ldb, beta, C, Ctype, ldc, \
        computeType, algo)) \
    X(cublasSgemmStridedBatched, (cublasHandle_t handle, cublasOperation_t transa, \
        cublasOperation_t transb, int m, int n, int k, const float* alpha, const float* A, int lda, \
        long long int strideA, const float* B, int ldb, long long int strideB, const float* beta, float* C, \
        int ldc, long long int strideC, int batchCount), \
        (handle, transa, transb, m, n, k, alpha, A, lda, strideA, B, ldb, strideB, beta, C, ldc, strideC, \
        batchCount)) \
    X(cublasDgemmStridedBatched, (cublasHandle_t handle, cublasOperation_t transa, \
        cublasOperation_t transb, int m, int n, int k, const double* alpha, const double* A, int lda, \
        long long int strideA, const double* B, int ldb, long long int strideB, const double* beta, double* C, \
        int ldc, long long int strideC, int batchCount), \
        (handle, transa, transb, m, n, k, alpha, A, lda, strideA, B, ldb, strideB, beta, C, ldc, strideC, \
        batchCount)) \
    X(cublasGemmStridedBatchedEx, (cublasHandle_t handle, cublasOperation_t transa, \
        cublasOperation_t transb, int m, int n, int k, const void* alpha, const void* A, cudaDataType Atype, \
        int lda, long long int strideA, const void* B, cudaDataType Btype, int ldb, long long int strideB, \
        const void* beta, void* C, cudaDataType Ctype, int ldc, long long int strideC, int batchCount, \
        cublasComputeType_t computeType, cublasGemmAlgo_t algo), \
        (handle, transa, transb, m, n, k, alpha, A, Atype, lda, strideA, B, Btype, ldb, strideB, beta, C, \
        Ctype, ldc, strideC, batchCount, computeType, algo))

#include "ctvd_shim.h"

/* Status names are pure data: answered here, without the emulator. */
CTVD_EXPORT const char* cublasGetStatusName(cublasStatus_t status)
{
    switch (status) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
    default: return "CUBLAS_STATUS_UNKNOWN";
    }
}

CTVD_EXPORT const char* cublasGetStatusString(cublasStatus_t status)
{
    switch (status) {
    case CUBLAS_STATUS_SUCCESS: return "success";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "the library was not initialized";
    case CUBLAS_STATUS_ALLOC_FAILED: return "the resource allocation failed";
    case CUBLAS_STATUS_INVALID_VALUE: return "an invalid numeric value was used as an argument";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "an absent device architectural feature is required";
    case CUBLAS_STATUS_MAPPING_ERROR: return "an access to GPU memory space failed";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "the GPU program failed to execute";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "an internal operation failed";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "the functionality requested is not supported";
    case CUBLAS_STATUS_LICENSE_ERROR: return "the functionality requested requires some license";
    default: return "unknown status";
    }
}

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
#include <string.h>

#define CTVD_EXPORT __attribute__((visibility("default")))

/* ---- types and values from cublas_api.h and library_types.h ---- */

typedef enum {
    CUBLAS_STATUS_SUCCESS = 0,
    CUBLAS_STATUS_NOT_INITIALIZED = 1,
    CUBLAS_STATUS_ALLOC_FAILED = 3,
    CUBLAS_STATUS_INVALID_VALUE = 7,
    CUBLAS_STATUS_ARCH_MISMATCH = 8,
    CUBLAS_STATUS_MAPPING_ERROR = 11,
    CUBLAS_STATUS_EXECUTION_FAILED = 13,
    CUBLAS_STATUS_INTERNAL_ERROR = 14,
    CUBLAS_STATUS_NOT_SUPPORTED = 15,
    CUBLAS_STATUS_LICENSE_ERROR = 16
} cublasStatus_t;

typedef enum { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1, CUBLAS_OP_C = 2 } cublasOperation_t;
typedef enum { CUBLAS_POINTER_MODE_HOST = 0, CUBLAS_POINTER_MODE_DEVICE = 1 } cublasPointerMode_t;
typedef enum { CUBLAS_DEFAULT_MATH = 0, CUBLAS_TF32_TENSOR_OP_MATH = 3 } cublasMath_t;
typedef enum { CUBLAS_GEMM_DEFAULT = -1 } cublasGemmAlgo_t;
typedef enum { CUBLAS_COMPUTE_32F = 68, CUBLAS_COMPUTE_64F = 70 } cublasComputeType_t;
typedef enum { CUDA_R_32F = 0, CUDA_R_64F = 1, CUDA_R_16F = 2, CUDA_R_16BF = 14 } cudaDataType;
typedef enum { MAJOR_VERSION = 0, MINOR_VERSION = 1, PATCH_LEVEL = 2 } libraryPropertyType;

struct cublasContext;
typedef struct cublasContext* cublasHandle_t;
struct CUstream_st;
typedef struct CUstream_st* cudaStream_t;

/* ---- the registration table ---- */

#define CTVD_FUNCTIONS(X)          \
    X(cublasCreate_v2)             \
    X(cublasDestroy_v2)            \
    X(cublasGetVersion_v2)         \
    X(cublasGetProperty)           \
    X(cublasSetStream_v2)          \
    X(cublasGetStream_v2)          \
    X(cublasSetMathMode)           \
    X(cublasGetMathMode)           \
    X(cublasSetPointerMode_v2)     \
    X(cublasGetPointerMode_v2)     \
    X(cublasSgemm_v2)              \
    X(cublasDgemm_v2)              \
    X(cublasGemmEx)                \
    X(cublasSgemmStridedBatched)   \
    X(cublasDgemmStridedBatched)   \
    X(cublasGemmStridedBatchedEx)

#define CTVD_ID(name) CTVD_ID_##name,
enum { CTVD_FUNCTIONS(CTVD_ID) CTVD_COUNT };

#define CTVD_ENTRY(name) { #name, NULL },
static struct { const char* name; void* fn; } ctvd_table[CTVD_COUNT] = { CTVD_FUNCTIONS(CTVD_ENTRY) };

static const char* ctvd_unsupported_name;

/* Registers the emulator's implementation of one export. Returns 0, or -1 when no export has that name. */
CTVD_EXPORT int ctvd_register(const char* name, void* fn)
{
    if (name == NULL) return -1;
    for (int i = 0; i < CTVD_COUNT; i++) {
        if (strcmp(ctvd_table[i].name, name) == 0) {
            __atomic_store_n(&ctvd_table[i].fn, fn, __ATOMIC_RELEASE);
            return 0;
        }
    }
    return -1;
}

/* The name of the last export that was called without a registered implementation, or NULL. */
CTVD_EXPORT const char* ctvd_last_unsupported(void)
{
    return __atomic_load_n(&ctvd_unsupported_name, __ATOMIC_ACQUIRE);
}

static void* ctvd_lookup(int id)
{
    void* fn = __atomic_load_n(&ctvd_table[id].fn, __ATOMIC_ACQUIRE);
    if (fn == NULL) __atomic_store_n(&ctvd_unsupported_name, ctvd_table[id].name, __ATOMIC_RELEASE);
    return fn;
}

/* Calls the registered pointer with the export's own signature, or reports the export as unsupported. */
#define CTVD_FORWARD(name, args)                                   \
    do {                                                           \
        void* fn_ = ctvd_lookup(CTVD_ID_##name);                   \
        if (fn_ == NULL) return CUBLAS_STATUS_NOT_SUPPORTED;       \
        return ((__typeof__(&name))fn_) args;                      \
    } while (0)

/* ---- exports (prototypes as in cublas_api.h) ---- */

CTVD_EXPORT cublasStatus_t cublasCreate_v2(cublasHandle_t* handle)
{
    CTVD_FORWARD(cublasCreate_v2, (handle));
}

CTVD_EXPORT cublasStatus_t cublasDestroy_v2(cublasHandle_t handle)
{
    CTVD_FORWARD(cublasDestroy_v2, (handle));
}

CTVD_EXPORT cublasStatus_t cublasGetVersion_v2(cublasHandle_t handle, int* version)
{
    CTVD_FORWARD(cublasGetVersion_v2, (handle, version));
}

CTVD_EXPORT cublasStatus_t cublasGetProperty(libraryPropertyType type, int* value)
{
    CTVD_FORWARD(cublasGetProperty, (type, value));
}

CTVD_EXPORT cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t streamId)
{
    CTVD_FORWARD(cublasSetStream_v2, (handle, streamId));
}

CTVD_EXPORT cublasStatus_t cublasGetStream_v2(cublasHandle_t handle, cudaStream_t* streamId)
{
    CTVD_FORWARD(cublasGetStream_v2, (handle, streamId));
}

CTVD_EXPORT cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode)
{
    CTVD_FORWARD(cublasSetMathMode, (handle, mode));
}

CTVD_EXPORT cublasStatus_t cublasGetMathMode(cublasHandle_t handle, cublasMath_t* mode)
{
    CTVD_FORWARD(cublasGetMathMode, (handle, mode));
}

CTVD_EXPORT cublasStatus_t cublasSetPointerMode_v2(cublasHandle_t handle, cublasPointerMode_t mode)
{
    CTVD_FORWARD(cublasSetPointerMode_v2, (handle, mode));
}

CTVD_EXPORT cublasStatus_t cublasGetPointerMode_v2(cublasHandle_t handle, cublasPointerMode_t* mode)
{
    CTVD_FORWARD(cublasGetPointerMode_v2, (handle, mode));
}

CTVD_EXPORT cublasStatus_t cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
    int m, int n, int k, const float* alpha, const float* A, int lda, const float* B, int ldb,
    const float* beta, float* C, int ldc)
{
    CTVD_FORWARD(cublasSgemm_v2, (handle, transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc));
}

CTVD_EXPORT cublasStatus_t cublasDgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
    int m, int n, int k, const double* alpha, const double* A, int lda, const double* B, int ldb,
    const double* beta, double* C, int ldc)
{
    CTVD_FORWARD(cublasDgemm_v2, (handle, transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc));
}

CTVD_EXPORT cublasStatus_t cublasGemmEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
    int m, int n, int k, const void* alpha, const void* A, cudaDataType Atype, int lda,
    const void* B, cudaDataType Btype, int ldb, const void* beta, void* C, cudaDataType Ctype, int ldc,
    cublasComputeType_t computeType, cublasGemmAlgo_t algo)
{
    CTVD_FORWARD(cublasGemmEx, (handle, transa, transb, m, n, k, alpha, A, Atype, lda, B, Btype, ldb,
        beta, C, Ctype, ldc, computeType, algo));
}

CTVD_EXPORT cublasStatus_t cublasSgemmStridedBatched(cublasHandle_t handle, cublasOperation_t transa,
    cublasOperation_t transb, int m, int n, int k, const float* alpha, const float* A, int lda,
    long long int strideA, const float* B, int ldb, long long int strideB, const float* beta, float* C, int ldc,
    long long int strideC, int batchCount)
{
    CTVD_FORWARD(cublasSgemmStridedBatched, (handle, transa, transb, m, n, k, alpha, A, lda, strideA, B, ldb, strideB,
        beta, C, ldc, strideC, batchCount));
}

CTVD_EXPORT cublasStatus_t cublasDgemmStridedBatched(cublasHandle_t handle, cublasOperation_t transa,
    cublasOperation_t transb, int m, int n, int k, const double* alpha, const double* A, int lda,
    long long int strideA, const double* B, int ldb, long long int strideB, const double* beta, double* C, int ldc,
    long long int strideC, int batchCount)
{
    CTVD_FORWARD(cublasDgemmStridedBatched, (handle, transa, transb, m, n, k, alpha, A, lda, strideA, B, ldb, strideB,
        beta, C, ldc, strideC, batchCount));
}

CTVD_EXPORT cublasStatus_t cublasGemmStridedBatchedEx(cublasHandle_t handle, cublasOperation_t transa,
    cublasOperation_t transb, int m, int n, int k, const void* alpha, const void* A, cudaDataType Atype, int lda,
    long long int strideA, const void* B, cudaDataType Btype, int ldb, long long int strideB, const void* beta,
    void* C, cudaDataType Ctype, int ldc, long long int strideC, int batchCount,
    cublasComputeType_t computeType, cublasGemmAlgo_t algo)
{
    CTVD_FORWARD(cublasGemmStridedBatchedEx, (handle, transa, transb, m, n, k, alpha, A, Atype, lda, strideA,
        B, Btype, ldb, strideB, beta, C, Ctype, ldc, strideC, batchCount, computeType, algo));
}

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

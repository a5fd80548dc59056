/*
 * libcublasLt.so.13 of the virtual CUDA device.
 *
 * Every export carries the prototype of NVIDIA's cublasLt.h and forwards to a function pointer that the managed
 * emulator (CudaTensor.VirtualDevice.Blas) registers through ctvd_register. The prototypes are written from
 * NVIDIA's header, not from the library's [LibraryImport] declarations, so that a wrong managed declaration
 * shows up as a failing test instead of being mirrored here.
 *
 * An export whose pointer is not registered records its own name (ctvd_last_unsupported) and returns
 * CUBLAS_STATUS_NOT_SUPPORTED (cublasLtGetVersion, which returns a number, returns 0).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CTVD_EXPORT __attribute__((visibility("default")))

/* ---- types and values from cublasLt.h, cublas_api.h and library_types.h ---- */

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

typedef enum { CUBLAS_COMPUTE_32F = 68, CUBLAS_COMPUTE_64F = 70 } cublasComputeType_t;
typedef enum { CUDA_R_32F = 0, CUDA_R_64F = 1, CUDA_R_16F = 2, CUDA_R_16BF = 14 } cudaDataType;
typedef cudaDataType cudaDataType_t;
typedef enum { MAJOR_VERSION = 0, MINOR_VERSION = 1, PATCH_LEVEL = 2 } libraryPropertyType;

/* Only the values the emulator names; the attribute enums are plain ints across the ABI. */
typedef enum { CUBLASLT_MATMUL_DESC_COMPUTE_TYPE = 0 } cublasLtMatmulDescAttributes_t;
typedef enum { CUBLASLT_MATRIX_LAYOUT_TYPE = 0 } cublasLtMatrixLayoutAttribute_t;
typedef enum { CUBLASLT_MATMUL_PREF_SEARCH_MODE = 0 } cublasLtMatmulPreferenceAttributes_t;

struct cublasLtContext;
typedef struct cublasLtContext* cublasLtHandle_t;
typedef struct { uint64_t data[8]; } cublasLtMatrixLayoutOpaque_t;
typedef cublasLtMatrixLayoutOpaque_t* cublasLtMatrixLayout_t;
typedef struct { uint64_t data[8]; } cublasLtMatmulAlgo_t;
typedef struct { uint64_t data[23]; } cublasLtMatmulDescOpaque_t;
typedef cublasLtMatmulDescOpaque_t* cublasLtMatmulDesc_t;
typedef struct { uint64_t data[8]; } cublasLtMatmulPreferenceOpaque_t;
typedef cublasLtMatmulPreferenceOpaque_t* cublasLtMatmulPreference_t;

typedef struct {
    cublasLtMatmulAlgo_t algo;
    size_t workspaceSize;
    cublasStatus_t state;
    float wavesCount;
    int reserved[4];
} cublasLtMatmulHeuristicResult_t;

struct CUstream_st;
typedef struct CUstream_st* cudaStream_t;

/* ---- the registration table ---- */

#define CTVD_FUNCTIONS(X)                    \
    X(cublasLtCreate)                        \
    X(cublasLtDestroy)                       \
    X(cublasLtGetVersion)                    \
    X(cublasLtGetProperty)                   \
    X(cublasLtMatmulDescCreate)              \
    X(cublasLtMatmulDescDestroy)             \
    X(cublasLtMatmulDescSetAttribute)        \
    X(cublasLtMatmulDescGetAttribute)        \
    X(cublasLtMatrixLayoutCreate)            \
    X(cublasLtMatrixLayoutDestroy)           \
    X(cublasLtMatrixLayoutSetAttribute)      \
    X(cublasLtMatrixLayoutGetAttribute)      \
    X(cublasLtMatmulPreferenceCreate)        \
    X(cublasLtMatmulPreferenceDestroy)       \
    X(cublasLtMatmulPreferenceSetAttribute)  \
    X(cublasLtMatmulPreferenceGetAttribute)  \
    X(cublasLtMatmulAlgoGetHeuristic)        \
    X(cublasLtMatmul)

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

/* Calls the registered pointer with the export's own signature, or returns `missing`. */
#define CTVD_FORWARD_OR(name, missing, args)                       \
    do {                                                           \
        void* fn_ = ctvd_lookup(CTVD_ID_##name);                   \
        if (fn_ == NULL) return (missing);                         \
        return ((__typeof__(&name))fn_) args;                      \
    } while (0)

#define CTVD_FORWARD(name, args) CTVD_FORWARD_OR(name, CUBLAS_STATUS_NOT_SUPPORTED, args)

/* ---- exports (prototypes as in cublasLt.h) ---- */

CTVD_EXPORT cublasStatus_t cublasLtCreate(cublasLtHandle_t* lightHandle)
{
    CTVD_FORWARD(cublasLtCreate, (lightHandle));
}

CTVD_EXPORT cublasStatus_t cublasLtDestroy(cublasLtHandle_t lightHandle)
{
    CTVD_FORWARD(cublasLtDestroy, (lightHandle));
}

CTVD_EXPORT size_t cublasLtGetVersion(void)
{
    CTVD_FORWARD_OR(cublasLtGetVersion, 0, ());
}

CTVD_EXPORT cublasStatus_t cublasLtGetProperty(libraryPropertyType type, int* value)
{
    CTVD_FORWARD(cublasLtGetProperty, (type, value));
}

CTVD_EXPORT cublasStatus_t cublasLtMatmulDescCreate(cublasLtMatmulDesc_t* matmulDesc,
    cublasComputeType_t computeType, cudaDataType_t scaleType)
{
    CTVD_FORWARD(cublasLtMatmulDescCreate, (matmulDesc, computeType, scaleType));
}

CTVD_EXPORT cublasStatus_t cublasLtMatmulDescDestroy(cublasLtMatmulDesc_t matmulDesc)
{
    CTVD_FORWARD(cublasLtMatmulDescDestroy, (matmulDesc));
}

CTVD_EXPORT cublasStatus_t cublasLtMatmulDescSetAttribute(cublasLtMatmulDesc_t matmulDesc,
    cublasLtMatmulDescAttributes_t attr, const void* buf, size_t sizeInBytes)
{
    CTVD_FORWARD(cublasLtMatmulDescSetAttribute, (matmulDesc, attr, buf, sizeInBytes));
}

CTVD_EXPORT cublasStatus_t cublasLtMatmulDescGetAttribute(cublasLtMatmulDesc_t matmulDesc,
    cublasLtMatmulDescAttributes_t attr, void* buf, size_t sizeInBytes, size_t* sizeWritten)
{
    CTVD_FORWARD(cublasLtMatmulDescGetAttribute, (matmulDesc, attr, buf, sizeInBytes, sizeWritten));
}

CTVD_EXPORT cublasStatus_t cublasLtMatrixLayoutCreate(cublasLtMatrixLayout_t* matLayout, cudaDataType type,
    uint64_t rows, uint64_t cols, int64_t ld)
{
    CTVD_FORWARD(cublasLtMatrixLayoutCreate, (matLayout, type, rows, cols, ld));
}

CTVD_EXPORT cublasStatus_t cublasLtMatrixLayoutDestroy(cublasLtMatrixLayout_t matLayout)
{
    CTVD_FORWARD(cublasLtMatrixLayoutDestroy, (matLayout));
}

CTVD_EXPORT cublasStatus_t cublasLtMatrixLayoutSetAttribute(cublasLtMatrixLayout_t matLayout,
    cublasLtMatrixLayoutAttribute_t attr, const void* buf, size_t sizeInBytes)
{
    CTVD_FORWARD(cublasLtMatrixLayoutSetAttribute, (matLayout, attr, buf, sizeInBytes));
}

CTVD_EXPORT cublasStatus_t cublasLtMatrixLayoutGetAttribute(cublasLtMatrixLayout_t matLayout,
    cublasLtMatrixLayoutAttribute_t attr, void* buf, size_t sizeInBytes, size_t* sizeWritten)
{
    CTVD_FORWARD(cublasLtMatrixLayoutGetAttribute, (matLayout, attr, buf, sizeInBytes, sizeWritten));
}

CTVD_EXPORT cublasStatus_t cublasLtMatmulPreferenceCreate(cublasLtMatmulPreference_t* pref)
{
    CTVD_FORWARD(cublasLtMatmulPreferenceCreate, (pref));
}

CTVD_EXPORT cublasStatus_t cublasLtMatmulPreferenceDestroy(cublasLtMatmulPreference_t pref)
{
    CTVD_FORWARD(cublasLtMatmulPreferenceDestroy, (pref));
}

CTVD_EXPORT cublasStatus_t cublasLtMatmulPreferenceSetAttribute(cublasLtMatmulPreference_t pref,
    cublasLtMatmulPreferenceAttributes_t attr, const void* buf, size_t sizeInBytes)
{
    CTVD_FORWARD(cublasLtMatmulPreferenceSetAttribute, (pref, attr, buf, sizeInBytes));
}

CTVD_EXPORT cublasStatus_t cublasLtMatmulPreferenceGetAttribute(cublasLtMatmulPreference_t pref,
    cublasLtMatmulPreferenceAttributes_t attr, void* buf, size_t sizeInBytes, size_t* sizeWritten)
{
    CTVD_FORWARD(cublasLtMatmulPreferenceGetAttribute, (pref, attr, buf, sizeInBytes, sizeWritten));
}

CTVD_EXPORT cublasStatus_t cublasLtMatmulAlgoGetHeuristic(cublasLtHandle_t lightHandle,
    cublasLtMatmulDesc_t operationDesc, cublasLtMatrixLayout_t Adesc, cublasLtMatrixLayout_t Bdesc,
    cublasLtMatrixLayout_t Cdesc, cublasLtMatrixLayout_t Ddesc, cublasLtMatmulPreference_t preference,
    int requestedAlgoCount, cublasLtMatmulHeuristicResult_t heuristicResultsArray[], int* returnAlgoCount)
{
    CTVD_FORWARD(cublasLtMatmulAlgoGetHeuristic, (lightHandle, operationDesc, Adesc, Bdesc, Cdesc, Ddesc, preference,
        requestedAlgoCount, heuristicResultsArray, returnAlgoCount));
}

CTVD_EXPORT cublasStatus_t cublasLtMatmul(cublasLtHandle_t lightHandle, cublasLtMatmulDesc_t computeDesc,
    const void* alpha, const void* A, cublasLtMatrixLayout_t Adesc, const void* B, cublasLtMatrixLayout_t Bdesc,
    const void* beta, const void* C, cublasLtMatrixLayout_t Cdesc, void* D, cublasLtMatrixLayout_t Ddesc,
    const cublasLtMatmulAlgo_t* algo, void* workspace, size_t workspaceSizeInBytes, cudaStream_t stream)
{
    CTVD_FORWARD(cublasLtMatmul, (lightHandle, computeDesc, alpha, A, Adesc, B, Bdesc, beta, C, Cdesc, D, Ddesc,
        algo, workspace, workspaceSizeInBytes, stream));
}

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

#include "ctvd_cublas.h"

/* ---- further types and values from cublasLt.h ---- */

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

/* ---- exports: X(name, (parameters as in cublasLt.h), (arguments)) ---- */

#define CTVD_EXPORTS(X) \
    X(cublasLtCreate, (cublasLtHandle_t* lightHandle), (lightHandle)) \
    X(cublasLtDestroy, (cublasLtHandle_t lightHandle), (lightHandle)) \
    X(cublasLtGetProperty, (libraryPropertyType type, int* value), (type, value)) \
    X(cublasLtMatmulDescCreate, (cublasLtMatmulDesc_t* matmulDesc, cublasComputeType_t computeType, \
        cudaDataType_t scaleType), (matmulDesc, computeType, scaleType)) \
    X(cublasLtMatmulDescDestroy, (cublasLtMatmulDesc_t matmulDesc), (matmulDesc)) \
    X(cublasLtMatmulDescSetAttribute, (cublasLtMatmulDesc_t matmulDesc, cublasLtMatmulDescAttributes_t attr, \
        const void* buf, size_t sizeInBytes), (matmulDesc, attr, buf, sizeInBytes)) \
    X(cublasLtMatmulDescGetAttribute, (cublasLtMatmulDesc_t matmulDesc, cublasLtMatmulDescAttributes_t attr, \
        void* buf, size_t sizeInBytes, size_t* sizeWritten), (matmulDesc, attr, buf, sizeInBytes, sizeWritten)) \
    X(cublasLtMatrixLayoutCreate, (cublasLtMatrixLayout_t* matLayout, cudaDataType type, uint64_t rows, \
        uint64_t cols, int64_t ld), (matLayout, type, rows, cols, ld)) \
    X(cublasLtMatrixLayoutDestroy, (cublasLtMatrixLayout_t matLayout), (matLayout)) \
    X(cublasLtMatrixLayoutSetAttribute, (cublasLtMatrixLayout_t matLayout, cublasLtMatrixLayoutAttribute_t attr, \
        const void* buf, size_t sizeInBytes), (matLayout, attr, buf, sizeInBytes)) \
    X(cublasLtMatrixLayoutGetAttribute, (cublasLtMatrixLayout_t matLayout, cublasLtMatrixLayoutAttribute_t attr, \
        void* buf, size_t sizeInBytes, size_t* sizeWritten), (matLayout, attr, buf, sizeInBytes, sizeWritten)) \
    X(cublasLtMatmulPreferenceCreate, (cublasLtMatmulPreference_t* pref), (pref)) \
    X(cublasLtMatmulPreferenceDestroy, (cublasLtMatmulPreference_t pref), (pref)) \
    X(cublasLtMatmulPreferenceSetAttribute, (cublasLtMatmulPreference_t pref, \
        cublasLtMatmulPreferenceAttributes_t attr, const void* buf, size_t sizeInBytes), \
        (pref, attr, buf, sizeInBytes)) \
    X(cublasLtMatmulPreferenceGetAttribute, (cublasLtMatmulPreference_t pref, \
        cublasLtMatmulPreferenceAttributes_t attr, void* buf, size_t sizeInBytes, size_t* sizeWritten), \
        (pref, attr, buf, sizeInBytes, sizeWritten)) \
    X(cublasLtMatmulAlgoGetHeuristic, (cublasLtHandle_t lightHandle, cublasLtMatmulDesc_t operationDesc, \
        cublasLtMatrixLayout_t Adesc, cublasLtMatrixLayout_t Bdesc, cublasLtMatrixLayout_t Cdesc, \
        cublasLtMatrixLayout_t Ddesc, cublasLtMatmulPreference_t preference, int requestedAlgoCount, \
        cublasLtMatmulHeuristicResult_t heuristicResultsArray[], int* returnAlgoCount), \
        (lightHandle, operationDesc, Adesc, Bdesc, Cdesc, Ddesc, preference, requestedAlgoCount, \
        heuristicResultsArray, returnAlgoCount)) \
    X(cublasLtMatmul, (cublasLtHandle_t lightHandle, cublasLtMatmulDesc_t computeDesc, const void* alpha, \
        const void* A, cublasLtMatrixLayout_t Adesc, const void* B, cublasLtMatrixLayout_t Bdesc, \
        const void* beta, const void* C, cublasLtMatrixLayout_t Cdesc, void* D, cublasLtMatrixLayout_t Ddesc, \
        const cublasLtMatmulAlgo_t* algo, void* workspace, size_t workspaceSizeInBytes, cudaStream_t stream), \
        (lightHandle, computeDesc, alpha, A, Adesc, B, Bdesc, beta, C, Cdesc, D, Ddesc, algo, workspace, \
        workspaceSizeInBytes, stream))

/* cublasLtGetVersion returns a number, not a status: 0 when nothing is registered. */
#define CTVD_OTHER_EXPORTS(Y) \
    Y(size_t, cublasLtGetVersion, (void), (), 0)

#include "ctvd_shim.h"

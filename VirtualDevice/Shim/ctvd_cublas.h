/*
 * The types and values that both cuBLAS shims (libcublas.c, libcublasLt.c) take from NVIDIA's cublas_api.h and
 * library_types.h, declared as those headers declare them (no CUDA headers at build time).
 */
#ifndef CTVD_CUBLAS_H
#define CTVD_CUBLAS_H

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

struct CUstream_st;
typedef struct CUstream_st* cudaStream_t;

/* What every cuBLAS shim export returns, and returns when the emulator registered nothing for it. */
#define CTVD_RESULT cublasStatus_t
#define CTVD_NOT_SUPPORTED CUBLAS_STATUS_NOT_SUPPORTED

#endif

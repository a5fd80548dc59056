/*
 * libcuda.so.1 of the CudaTensor virtual device.
 *
 * Every export has the prototype NVIDIA's cuda.h (CUDA 12.6/13) gives the symbol and jumps to a function pointer
 * that the managed emulator registers through ctvd_register. An export nobody registered returns
 * CUDA_ERROR_NOT_SUPPORTED (801) and records its own name (ctvd_last_unsupported), so an error message can say
 * which entry point the virtual device lacks. The prototypes are written from the header, not from the managed
 * binding, so a wrong [LibraryImport] declaration shows up as a failure instead of being mirrored here.
 *
 * Self-contained on purpose (no CUDA headers at build time): the few types are declared below as cuda.h
 * declares them.
 */
#include <stddef.h>

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;   /* CUdeviceptr_v2 on 64-bit hosts */
typedef unsigned long long cuuint64_t;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;
typedef struct CUgraph_st *CUgraph;
typedef struct CUgraphExec_st *CUgraphExec;
typedef int CUdevice_attribute;
typedef int CUpointer_attribute;
typedef int CUfunction_attribute;
typedef int CUstreamCaptureMode;
typedef int CUstreamCaptureStatus;
typedef size_t (*CUoccupancyB2DSize)(int blockSize);

#define CUDA_ERROR_NOT_SUPPORTED 801
#define CTVD_RESULT CUresult
#define CTVD_NOT_SUPPORTED CUDA_ERROR_NOT_SUPPORTED

/* X(name, parameter list, argument list) for every export. */
#define CTVD_EXPORTS(X) \
    X(cuGetErrorName, (CUresult error, const char **pStr), (error, pStr)) \
    X(cuGetErrorString, (CUresult error, const char **pStr), (error, pStr)) \
    X(cuInit, (unsigned int Flags), (Flags)) \
    X(cuDriverGetVersion, (int *driverVersion), (driverVersion)) \
    X(cuDeviceGetCount, (int *count), (count)) \
    X(cuDeviceGet, (CUdevice *device, int ordinal), (device, ordinal)) \
    X(cuDeviceGetName, (char *name, int len, CUdevice dev), (name, len, dev)) \
    X(cuDeviceGetAttribute, (int *pi, CUdevice_attribute attrib, CUdevice dev), (pi, attrib, dev)) \
    X(cuDeviceTotalMem_v2, (size_t *bytes, CUdevice dev), (bytes, dev)) \
    X(cuDeviceCanAccessPeer, (int *canAccessPeer, CUdevice dev, CUdevice peerDev), (canAccessPeer, dev, peerDev)) \
    X(cuMemGetInfo_v2, (size_t *free, size_t *total), (free, total)) \
    X(cuDevicePrimaryCtxRetain, (CUcontext *pctx, CUdevice dev), (pctx, dev)) \
    X(cuDevicePrimaryCtxRelease_v2, (CUdevice dev), (dev)) \
    X(cuCtxSetCurrent, (CUcontext ctx), (ctx)) \
    X(cuCtxGetCurrent, (CUcontext *pctx), (pctx)) \
    X(cuCtxGetDevice, (CUdevice *device), (device)) \
    X(cuCtxSynchronize, (void), ()) \
    X(cuMemAlloc_v2, (CUdeviceptr *dptr, size_t bytesize), (dptr, bytesize)) \
    X(cuMemFree_v2, (CUdeviceptr dptr), (dptr)) \
    X(cuMemAllocHost_v2, (void **pp, size_t bytesize), (pp, bytesize)) \
    X(cuMemFreeHost, (void *p), (p)) \
    X(cuMemsetD8_v2, (CUdeviceptr dstDevice, unsigned char uc, size_t N), (dstDevice, uc, N)) \
    X(cuMemsetD32_v2, (CUdeviceptr dstDevice, unsigned int ui, size_t N), (dstDevice, ui, N)) \
    X(cuMemsetD8Async, (CUdeviceptr dstDevice, unsigned char uc, size_t N, CUstream hStream), (dstDevice, uc, N, hStream)) \
    X(cuMemsetD32Async, (CUdeviceptr dstDevice, unsigned int ui, size_t N, CUstream hStream), (dstDevice, ui, N, hStream)) \
    X(cuMemcpy, (CUdeviceptr dst, CUdeviceptr src, size_t ByteCount), (dst, src, ByteCount)) \
    X(cuMemcpyAsync, (CUdeviceptr dst, CUdeviceptr src, size_t ByteCount, CUstream hStream), (dst, src, ByteCount, hStream)) \
    X(cuMemcpyHtoD_v2, (CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount), (dstDevice, srcHost, ByteCount)) \
    X(cuMemcpyDtoH_v2, (void *dstHost, CUdeviceptr srcDevice, size_t ByteCount), (dstHost, srcDevice, ByteCount)) \
    X(cuMemcpyDtoD_v2, (CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount), (dstDevice, srcDevice, ByteCount)) \
    X(cuMemcpyHtoDAsync_v2, (CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount, CUstream hStream), (dstDevice, srcHost, ByteCount, hStream)) \
    X(cuMemcpyDtoHAsync_v2, (void *dstHost, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream), (dstHost, srcDevice, ByteCount, hStream)) \
    X(cuMemcpyDtoDAsync_v2, (CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream), (dstDevice, srcDevice, ByteCount, hStream)) \
    X(cuMemcpyPeer, (CUdeviceptr dstDevice, CUcontext dstContext, CUdeviceptr srcDevice, CUcontext srcContext, size_t ByteCount), (dstDevice, dstContext, srcDevice, srcContext, ByteCount)) \
    X(cuMemcpyPeerAsync, (CUdeviceptr dstDevice, CUcontext dstContext, CUdeviceptr srcDevice, CUcontext srcContext, size_t ByteCount, CUstream hStream), (dstDevice, dstContext, srcDevice, srcContext, ByteCount, hStream)) \
    X(cuPointerGetAttribute, (void *data, CUpointer_attribute attribute, CUdeviceptr ptr), (data, attribute, ptr)) \
    X(cuStreamCreate, (CUstream *phStream, unsigned int Flags), (phStream, Flags)) \
    X(cuStreamDestroy_v2, (CUstream hStream), (hStream)) \
    X(cuStreamSynchronize, (CUstream hStream), (hStream)) \
    X(cuStreamQuery, (CUstream hStream), (hStream)) \
    X(cuStreamWaitEvent, (CUstream hStream, CUevent hEvent, unsigned int Flags), (hStream, hEvent, Flags)) \
    X(cuEventCreate, (CUevent *phEvent, unsigned int Flags), (phEvent, Flags)) \
    X(cuEventDestroy_v2, (CUevent hEvent), (hEvent)) \
    X(cuEventRecord, (CUevent hEvent, CUstream hStream), (hEvent, hStream)) \
    X(cuEventSynchronize, (CUevent hEvent), (hEvent)) \
    X(cuEventQuery, (CUevent hEvent), (hEvent)) \
    X(cuEventElapsedTime, (float *pMilliseconds, CUevent hStart, CUevent hEnd), (pMilliseconds, hStart, hEnd)) \
    X(cuModuleLoadData, (CUmodule *module, const void *image), (module, image)) \
    X(cuModuleUnload, (CUmodule hmod), (hmod)) \
    X(cuModuleGetFunction, (CUfunction *hfunc, CUmodule hmod, const char *name), (hfunc, hmod, name)) \
    X(cuModuleGetGlobal_v2, (CUdeviceptr *dptr, size_t *bytes, CUmodule hmod, const char *name), (dptr, bytes, hmod, name)) \
    X(cuFuncGetAttribute, (int *pi, CUfunction_attribute attrib, CUfunction hfunc), (pi, attrib, hfunc)) \
    X(cuFuncSetAttribute, (CUfunction hfunc, CUfunction_attribute attrib, int value), (hfunc, attrib, value)) \
    X(cuLaunchKernel, (CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ, \
                       unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ, \
                       unsigned int sharedMemBytes, CUstream hStream, void **kernelParams, void **extra), \
                      (f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ, sharedMemBytes, hStream, kernelParams, extra)) \
    X(cuOccupancyMaxPotentialBlockSize, (int *minGridSize, int *blockSize, CUfunction func, \
                                         CUoccupancyB2DSize blockSizeToDynamicSMemSize, size_t dynamicSMemSize, int blockSizeLimit), \
                                        (minGridSize, blockSize, func, blockSizeToDynamicSMemSize, dynamicSMemSize, blockSizeLimit)) \
    X(cuOccupancyMaxActiveBlocksPerMultiprocessor, (int *numBlocks, CUfunction func, int blockSize, size_t dynamicSMemSize), \
                                                   (numBlocks, func, blockSize, dynamicSMemSize)) \
    X(cuStreamBeginCapture_v2, (CUstream hStream, CUstreamCaptureMode mode), (hStream, mode)) \
    X(cuStreamEndCapture, (CUstream hStream, CUgraph *phGraph), (hStream, phGraph)) \
    X(cuStreamIsCapturing, (CUstream hStream, CUstreamCaptureStatus *captureStatus), (hStream, captureStatus)) \
    X(cuGraphInstantiateWithFlags, (CUgraphExec *phGraphExec, CUgraph hGraph, unsigned long long flags), (phGraphExec, hGraph, flags)) \
    X(cuGraphLaunch, (CUgraphExec hGraphExec, CUstream hStream), (hGraphExec, hStream)) \
    X(cuGraphDestroy, (CUgraph hGraph), (hGraph)) \
    X(cuGraphExecDestroy, (CUgraphExec hGraphExec), (hGraphExec))

#include "ctvd_shim.h"

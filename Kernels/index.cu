// index.cu - gather, scatter and scatter-add along one dimension, over strided layouts (64-bit offsets).
// Layout operands: gather (dst, index, src with stride 0 along dim); scatter (dst with stride 0 along dim, index,
// src). The kernel adds index * step along dim. An index outside [0, size) is skipped and reported in error[0..1]
// (flag, value), a slot of the device's error log read at the next host synchronization, where the host throws the
// CPU's exception. Compiled once per dtype.
#include "ct_common.cuh"

extern "C" __global__ void ct_gather(T* dst, const long long* index, const T* src, unsigned long long n, ct_layout L,
                                     long long size, long long step, long long* error)
{
    CT_LOOP64(i, n)
    {
        long long o[3];
        ct_offsets64<3>(L, i, o);
        long long k = index[o[1]];
        if ((unsigned long long)k >= (unsigned long long)size) { error[0] = 1; error[1] = k; continue; }
        dst[o[0]] = src[o[2] + k * step];
    }
}

// Duplicate indices: one of the writes wins (unspecified which), as in PyTorch on CUDA.
extern "C" __global__ void ct_scatter(T* dst, const long long* index, const T* src, unsigned long long n, ct_layout L,
                                      long long size, long long step, long long* error)
{
    CT_LOOP64(i, n)
    {
        long long o[3];
        ct_offsets64<3>(L, i, o);
        long long k = index[o[1]];
        if ((unsigned long long)k >= (unsigned long long)size) { error[0] = 1; error[1] = k; continue; }
        dst[o[0] + k * step] = src[o[2]];
    }
}

#if !CT_IS_BOOL
__device__ __forceinline__ void ct_atomic_add(T* p, T v)
{
#if CT_IS_INT64
    atomicAdd((unsigned long long*)p, (unsigned long long)v); // two's complement: the same bits as a signed add
#else
    atomicAdd(p, v);
#endif
}

extern "C" __global__ void ct_scatter_add(T* dst, const long long* index, const T* src, unsigned long long n, ct_layout L,
                                          long long size, long long step, long long* error)
{
    CT_LOOP64(i, n)
    {
        long long o[3];
        ct_offsets64<3>(L, i, o);
        long long k = index[o[1]];
        if ((unsigned long long)k >= (unsigned long long)size) { error[0] = 1; error[1] = k; continue; }
        ct_atomic_add(dst + o[0] + k * step, src[o[2]]);
    }
}
#endif

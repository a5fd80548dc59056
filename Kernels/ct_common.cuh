// ct_common.cuh - what every CudaTensor kernel program shares: the element type of the program, the strided
// layout passed by value to elementwise kernels, index helpers, NaN-aware helpers and launch loops.
//
// Programs that work on one dtype are compiled once per dtype with (see CudaKernels.cs):
//   -DCT_T=<C type> -DCT_IS_FLOAT=0|1 -DCT_IS_BOOL=0|1 -DCT_IS_INT64=0|1
// Bool tensors are bytes holding 0 or 1 (unsigned char).
#pragma once

#ifndef CT_T
#error "compile this program with -DCT_T=<element type> (see CudaKernels.cs)"
#endif

typedef CT_T T;
typedef unsigned char ct_bool;

// Largest rank after merging dimensions that are contiguous in every operand; the host rejects higher ranks.
#define CT_MAX_DIMS 8
// Most operands of one elementwise kernel (Where: out, cond, a, b).
#define CT_MAX_ARGS 4

// Shape of the iteration space and the element strides of each operand, outermost dimension first.
// Must match KernelLayout in Managed/Backends/Cuda/KernelLayout.cs byte for byte.
struct ct_layout
{
    int rank;
    int pad_;
    long long size[CT_MAX_DIMS];
    long long stride[CT_MAX_ARGS][CT_MAX_DIMS];
};

// Element offsets of linear index i in each of the first N operands: 64-bit arithmetic.
template <int N>
__device__ __forceinline__ void ct_offsets64(const ct_layout& L, unsigned long long i, long long (&off)[N])
{
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = L.rank - 1; d >= 0; --d)
    {
        unsigned long long sz = (unsigned long long)L.size[d];
        unsigned long long q = i / sz;
        long long r = (long long)(i - q * sz);
#pragma unroll
        for (int k = 0; k < N; ++k) off[k] += r * L.stride[k][d];
        i = q;
    }
}

// The same with 32-bit arithmetic, for iteration spaces below 2^31 elements whose offsets fit in 32 bits (the host
// checks): 32-bit division is several times cheaper than 64-bit division on every GPU.
template <int N>
__device__ __forceinline__ void ct_offsets32(const ct_layout& L, unsigned int i, int (&off)[N])
{
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = L.rank - 1; d >= 0; --d)
    {
        unsigned int sz = (unsigned int)L.size[d];
        unsigned int q = i / sz;
        int r = (int)(i - q * sz);
#pragma unroll
        for (int k = 0; k < N; ++k) off[k] += r * (int)L.stride[k][d];
        i = q;
    }
}

#define CT_LOOP64(i, n) \
    for (unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (unsigned long long)gridDim.x * blockDim.x)

#define CT_LOOP32(i, n) \
    for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < (unsigned int)(n); i += gridDim.x * blockDim.x)

// ------------------------------------------------------------------------------------------ NaN-aware helpers

template <typename U> __device__ __forceinline__ bool ct_isnan(U x) { return x != x; }
template <typename U> __device__ __forceinline__ bool ct_isinf(U x) { return false; }
template <> __device__ __forceinline__ bool ct_isinf<float>(float x) { return isinf(x); }
template <> __device__ __forceinline__ bool ct_isinf<double>(double x) { return isinf(x); }
template <typename U> __device__ __forceinline__ bool ct_isfinite(U x) { return !ct_isnan(x) && !ct_isinf(x); }

// max/min that propagate NaN (torch.maximum, T.Max on the CPU).
template <typename U> __device__ __forceinline__ U ct_maximum(U a, U b) { return ct_isnan(a) ? a : ct_isnan(b) ? b : (a > b ? a : b); }
template <typename U> __device__ __forceinline__ U ct_minimum(U a, U b) { return ct_isnan(a) ? a : ct_isnan(b) ? b : (a < b ? a : b); }

// Largest and smallest values: the identities of max and min reductions.
template <typename U> struct ct_limits;
template <> struct ct_limits<float> { __device__ static float lowest() { return -__int_as_float(0x7f800000); } __device__ static float highest() { return __int_as_float(0x7f800000); } };
template <> struct ct_limits<double> { __device__ static double lowest() { return -__longlong_as_double(0x7ff0000000000000ll); } __device__ static double highest() { return __longlong_as_double(0x7ff0000000000000ll); } };
template <> struct ct_limits<int> { __device__ static int lowest() { return (int)0x80000000; } __device__ static int highest() { return 0x7fffffff; } };
template <> struct ct_limits<long long> { __device__ static long long lowest() { return (long long)0x8000000000000000ull; } __device__ static long long highest() { return 0x7fffffffffffffffll; } };
template <> struct ct_limits<unsigned char> { __device__ static unsigned char lowest() { return 0; } __device__ static unsigned char highest() { return 255; } };

// A scalar parameter (sent as double) in the element type; integers saturate, NaN becomes 0 (as CreateSaturating).
template <typename U> __device__ __forceinline__ U ct_param(double p) { return (U)p; }
template <> __device__ __forceinline__ int ct_param<int>(double p)
{
    return p != p ? 0 : p >= 2147483647.0 ? 0x7fffffff : p <= -2147483648.0 ? (int)0x80000000 : (int)p;
}
template <> __device__ __forceinline__ long long ct_param<long long>(double p)
{
    return p != p ? 0 : p >= 9223372036854775807.0 ? 0x7fffffffffffffffll : p <= -9223372036854775808.0 ? (long long)0x8000000000000000ull : (long long)p;
}
template <> __device__ __forceinline__ unsigned char ct_param<unsigned char>(double p)
{
    return p != p ? 0 : p >= 255.0 ? 255 : p <= 0.0 ? 0 : (unsigned char)p;
}

// ------------------------------------------------------------------------------------------ block reductions

// Reduces v over the warp with `op`; every lane gets the result.
template <typename U, typename Op>
__device__ __forceinline__ U ct_warp_reduce(U v, Op op)
{
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = op(v, (U)__shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Reduces v over the block (blockDim.x a multiple of 32, at most 1024) with `op`; every thread gets the result.
// `scratch` holds 32 values in shared memory. Ends with a barrier, so scratch can be reused at once.
template <typename U, typename Op>
__device__ __forceinline__ U ct_block_reduce(U v, Op op, U* scratch)
{
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    v = ct_warp_reduce(v, op);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    U r = scratch[0];
    for (int w = 1; w < warps; ++w) r = op(r, scratch[w]);
    __syncthreads();
    return r;
}

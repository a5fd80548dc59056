// reduce.cu - reductions, arg-reductions and the cumulative sum over the rows of a contiguous [rows, len] matrix
// (the host makes the reduced dimensions the trailing, contiguous ones). Compiled once per dtype.
//   ct_reduce_<Op>_rows     one block per row: each thread folds a strided slice, then warp shuffles and shared
//                           memory combine the block's values.
//   ct_reduce_<Op>_partial  first pass for long rows and few of them: grid (chunks, rows), one partial result per
//                           chunk; the host then reduces the [rows, chunks] partials with _rows (two passes).
// NaN propagates through Max and Min (ct_maximum/ct_minimum), as on the CPU.
#include "ct_common.cuh"

struct ct_sum_op { __device__ T operator()(T a, T b) const { return (T)(a + b); } __device__ static T identity() { return (T)0; } };
struct ct_prod_op { __device__ T operator()(T a, T b) const { return (T)(a * b); } __device__ static T identity() { return (T)1; } };
struct ct_max_op { __device__ T operator()(T a, T b) const { return ct_maximum(a, b); } __device__ static T identity() { return ct_limits<T>::lowest(); } };
struct ct_min_op { __device__ T operator()(T a, T b) const { return ct_minimum(a, b); } __device__ static T identity() { return ct_limits<T>::highest(); } };

// X(Name, functor): names are ReduceOp values.
#define CT_REDUCE_OPS(X) X(Sum, ct_sum_op) X(Prod, ct_prod_op) X(Max, ct_max_op) X(Min, ct_min_op)

template <typename Op>
__device__ __forceinline__ T ct_fold(const T* __restrict__ p, long long begin, long long end, Op op)
{
    T acc = Op::identity();
    for (long long j = begin + threadIdx.x; j < end; j += blockDim.x) acc = op(acc, p[j]);
    return acc;
}

#define CT_REDUCE_KERNELS(Name, Op)                                                                                   \
    extern "C" __global__ void ct_reduce_##Name##_rows(T* __restrict__ out, const T* __restrict__ in, long long rows, long long len) \
    {                                                                                                                 \
        __shared__ T scratch[32];                                                                                     \
        for (long long r = blockIdx.x; r < rows; r += gridDim.x)                                                      \
        {                                                                                                             \
            T v = ct_fold(in + r * len, 0, len, Op());                                                                \
            v = ct_block_reduce(v, Op(), scratch);                                                                    \
            if (threadIdx.x == 0) out[r] = v;                                                                         \
        }                                                                                                             \
    }                                                                                                                 \
    extern "C" __global__ void ct_reduce_##Name##_partial(T* __restrict__ partial, const T* __restrict__ in, long long rows, \
                                                         long long len, long long chunk)                              \
    {                                                                                                                 \
        __shared__ T scratch[32];                                                                                     \
        long long r = blockIdx.y, begin = (long long)blockIdx.x * chunk;                                              \
        long long end = begin + chunk < len ? begin + chunk : len;                                                    \
        T v = ct_fold(in + r * len, begin, end, Op());                                                                \
        v = ct_block_reduce(v, Op(), scratch);                                                                        \
        if (threadIdx.x == 0) partial[r * gridDim.x + blockIdx.x] = v;                                                \
    }

CT_REDUCE_OPS(CT_REDUCE_KERNELS)

// ---------------------------------------------------------------------------------- arg-reductions

// Whether (a, ia) beats (b, ib): the first NaN wins (NaN is both the max and the min, as in PyTorch), then the
// extreme value, then the lower index.
template <bool Max>
__device__ __forceinline__ bool ct_arg_better(T a, long long ia, T b, long long ib)
{
    bool na = ct_isnan(a), nb = ct_isnan(b);
    if (na || nb) return na && (!nb || ia < ib);
    if (Max ? a > b : a < b) return true;
    return a == b && ia < ib;
}

template <bool Max>
__device__ __forceinline__ void ct_arg_rows(T* values, long long* indices, const T* __restrict__ in, long long rows, long long len)
{
    __shared__ T sv[32];
    __shared__ long long si[32];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    for (long long r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const T* row = in + r * len;
        T best = row[0];
        long long at = 0;
        for (long long j = threadIdx.x; j < len; j += blockDim.x)
        {
            T e = row[j];
            if (ct_arg_better<Max>(e, j, best, at)) { best = e; at = j; }
        }
        for (int o = 16; o > 0; o >>= 1)
        {
            T ov = (T)__shfl_xor_sync(0xffffffffu, best, o);
            long long oi = __shfl_xor_sync(0xffffffffu, at, o);
            if (ct_arg_better<Max>(ov, oi, best, at)) { best = ov; at = oi; }
        }
        if (lane == 0) { sv[warp] = best; si[warp] = at; }
        __syncthreads();
        if (threadIdx.x == 0)
        {
            best = sv[0]; at = si[0];
            for (int w = 1; w < warps; ++w)
                if (ct_arg_better<Max>(sv[w], si[w], best, at)) { best = sv[w]; at = si[w]; }
            values[r] = best;
            indices[r] = at;
        }
        __syncthreads();
    }
}

extern "C" __global__ void ct_argmax_rows(T* values, long long* indices, const T* __restrict__ in, long long rows, long long len)
{
    ct_arg_rows<true>(values, indices, in, rows, len);
}

extern "C" __global__ void ct_argmin_rows(T* values, long long* indices, const T* __restrict__ in, long long rows, long long len)
{
    ct_arg_rows<false>(values, indices, in, rows, len);
}

// ---------------------------------------------------------------------------------- cumulative sum

#if !CT_IS_BOOL
// Inclusive prefix sum of each row: one block per row walks it in tiles of blockDim elements; a warp scan
// (shuffles) and a scan of the warp totals give each tile's prefix, and the running total carries across tiles.
extern "C" __global__ void ct_cumsum_rows(T* __restrict__ out, const T* __restrict__ in, long long rows, long long len)
{
    __shared__ T warp_totals[32];
    __shared__ T carry_shared;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    for (long long r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const T* x = in + r * len;
        T* y = out + r * len;
        T carry = 0;
        for (long long base = 0; base < len; base += blockDim.x)
        {
            long long j = base + threadIdx.x;
            T v = j < len ? x[j] : (T)0;
#pragma unroll
            for (int o = 1; o < 32; o <<= 1)
            {
                T u = (T)__shfl_up_sync(0xffffffffu, v, o);
                if (lane >= o) v = (T)(v + u);
            }
            if (lane == 31) warp_totals[warp] = v;
            __syncthreads();
            if (threadIdx.x == 0)
            {
                T run = 0;
                for (int w = 0; w < warps; ++w) { T t = warp_totals[w]; warp_totals[w] = run; run = (T)(run + t); }
                carry_shared = run;
            }
            __syncthreads();
            v = (T)(v + warp_totals[warp] + carry);
            if (j < len) y[j] = v;
            carry = (T)(carry + carry_shared);
            __syncthreads();
        }
    }
}
#endif

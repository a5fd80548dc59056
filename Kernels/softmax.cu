// softmax.cu - softmax and log-softmax over the rows of a contiguous [rows, len] matrix, one block per row, in two
// passes over the row: first the row's max m and sum s = Σ exp(x - m) together ("online": a thread's running sum is
// rescaled whenever its max grows, and partial (m, s) pairs merge the same way), then the outputs. Subtracting the
// max keeps exp from overflowing. A row of -inf gives NaN, and a NaN anywhere in a row makes the whole row NaN, as on
// the CPU and in PyTorch. Floating dtypes only.
#include "ct_common.cuh"

#if CT_IS_FLOAT
// exp(a - b) where a <= b, with exp(-inf - -inf) taken as 1: equal maxima (including two -inf) scale by one.
__device__ __forceinline__ T ct_scale(T a, T b) { return a == b ? (T)1 : exp(a - b); }

// Adds x to a running (max, sum) pair. NaN x: neither test holds, so the sum becomes NaN.
__device__ __forceinline__ void ct_online_add(T& m, T& s, T x)
{
    if (x > m)
    {
        s = s * ct_scale(m, x) + (T)1;
        m = x;
    }
    else
    {
        s += ct_scale(x, m);
    }
}

// Merges pair (m2, s2) into (m, s).
__device__ __forceinline__ void ct_online_merge(T& m, T& s, T m2, T s2)
{
    T mm = ct_maximum(m, m2);
    s = s * ct_scale(m, mm) + s2 * ct_scale(m2, mm);
    m = mm;
}

// The (max, sum) of the whole block; every thread gets it. Ends with a barrier, so the scratch can be reused.
__device__ __forceinline__ void ct_block_online(T& m, T& s, T* scratch_m, T* scratch_s)
{
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
    {
        T m2 = __shfl_xor_sync(0xffffffffu, m, o), s2 = __shfl_xor_sync(0xffffffffu, s, o);
        ct_online_merge(m, s, m2, s2);
    }
    if (lane == 0)
    {
        scratch_m[warp] = m;
        scratch_s[warp] = s;
    }
    __syncthreads();
    m = scratch_m[0];
    s = scratch_s[0];
    for (int w = 1; w < warps; ++w) ct_online_merge(m, s, scratch_m[w], scratch_s[w]);
    __syncthreads();
}

template <bool Log>
__device__ __forceinline__ void ct_softmax(T* __restrict__ out, const T* __restrict__ in, long long rows, long long len)
{
    __shared__ T scratch_m[32], scratch_s[32];
    for (long long r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const T* x = in + r * len;
        T* y = out + r * len;
        T m = ct_limits<T>::lowest(), s = 0;
        for (long long j = threadIdx.x; j < len; j += blockDim.x) ct_online_add(m, s, x[j]);
        ct_block_online(m, s, scratch_m, scratch_s);
        if (Log)
        {
            T lse = log(s);
            for (long long j = threadIdx.x; j < len; j += blockDim.x) y[j] = x[j] - m - lse;
        }
        else
        {
            for (long long j = threadIdx.x; j < len; j += blockDim.x) y[j] = exp(x[j] - m) / s;
        }
    }
}

extern "C" __global__ void ct_softmax_rows(T* out, const T* in, long long rows, long long len) { ct_softmax<false>(out, in, rows, len); }
extern "C" __global__ void ct_log_softmax_rows(T* out, const T* in, long long rows, long long len) { ct_softmax<true>(out, in, rows, len); }
#endif

// row_group.cuh - the threads that own one row of a row-wise fused kernel: a whole block (long rows), or one warp of a
// block (short rows, where a block would leave most threads idle and pay two barriers per reduction). Kernels are
// written once against ct_row_group<Warp> and instantiated both ways; the host picks by row length.
#pragma once
#include "ct_common.cuh"

template <bool Warp>
struct ct_row_group
{
    // Position of this thread in its row's group, and the group's size.
    __device__ static int lane() { return Warp ? (int)(threadIdx.x & 31) : (int)threadIdx.x; }
    __device__ static int size() { return Warp ? 32 : (int)blockDim.x; }
    // Grid-stride loop over rows: every thread of a group sees the same rows, so barriers and shuffles stay uniform.
    __device__ static long long first_row() { return Warp ? (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5) : (long long)blockIdx.x; }
    __device__ static long long row_step() { return Warp ? (long long)gridDim.x * (blockDim.x >> 5) : (long long)gridDim.x; }

    // Sum over the group; every thread gets it. `scratch` is 32 values of shared memory (unused by warps).
    __device__ static T sum(T v, T* scratch)
    {
        if (Warp) return ct_warp_reduce(v, ct_row_add());
        return ct_block_reduce(v, ct_row_add(), scratch);
    }

    struct ct_row_add { __device__ T operator()(T a, T b) const { return a + b; } };
};

// ------------------------------------------------------------------------------ online log-sum-exp

// A running (max, Σ exp(x - max)) pair. Only finite-or-infinite values enter the max (x > m is false for NaN), and a
// NaN lands in the sum, so it propagates to the log-sum-exp.
struct ct_lse_pair
{
    T m, s;
};

__device__ __forceinline__ T ct_lse_scale(T from, T to) { return from == to ? (T)1 : exp(from - to); }

__device__ __forceinline__ ct_lse_pair ct_lse_add(ct_lse_pair a, T x)
{
    if (x > a.m)
    {
        a.s = a.s * ct_lse_scale(a.m, x) + (T)1;
        a.m = x;
    }
    else
    {
        // x == m adds exp(0) = 1 also when both are -inf (a -inf logit before any finite one must not give NaN).
        a.s += ct_lse_scale(x, a.m);
    }
    return a;
}

__device__ __forceinline__ ct_lse_pair ct_lse_combine(ct_lse_pair a, ct_lse_pair b)
{
    T m = b.m > a.m ? b.m : a.m;
    ct_lse_pair r;
    r.m = m;
    r.s = a.s * ct_lse_scale(a.m, m) + b.s * ct_lse_scale(b.m, m);
    return r;
}

__device__ __forceinline__ ct_lse_pair ct_lse_warp(ct_lse_pair p)
{
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
    {
        ct_lse_pair q;
        q.m = __shfl_xor_sync(0xffffffffu, p.m, o);
        q.s = __shfl_xor_sync(0xffffffffu, p.s, o);
        p = ct_lse_combine(p, q);
    }
    return p;
}

// Combines the group's pairs into the row's max and log Σ exp(x - max) (returned in .m and .s); every thread gets them.
// `scratch` is 64 values of shared memory. A row whose max is infinite gets NaN for the log-sum, as max-subtracting
// log-softmax does (inf - inf), and as the CPU does.
template <bool Warp>
__device__ __forceinline__ ct_lse_pair ct_lse_reduce(ct_lse_pair p, T* scratch)
{
    p = ct_lse_warp(p);
    if (!Warp)
    {
        int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
        if (lane == 0)
        {
            scratch[warp] = p.m;
            scratch[32 + warp] = p.s;
        }
        __syncthreads();
        p.m = scratch[0];
        p.s = scratch[32];
        for (int w = 1; w < warps; ++w)
        {
            ct_lse_pair q;
            q.m = scratch[w];
            q.s = scratch[32 + w];
            p = ct_lse_combine(p, q);
        }
        __syncthreads();
    }
    p.s = ct_isinf(p.m) ? p.m - p.m : log(p.s);
    return p;
}

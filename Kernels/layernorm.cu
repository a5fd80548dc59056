// layernorm.cu - fused layer normalization over the rows of a contiguous [rows, len] matrix, forward and backward.
// Compiled once per floating dtype. Each row belongs to a block (_block) or, for rows of at most 1024 elements, to one
// warp (_warp); statistics take two passes in the element type (the mean, then the mean squared deviation), which
// keeps float32 rows of thousands of elements within ~1e-6 of a float64 computation.
//   ct_layer_norm_forward_*   y = (x - mean)·rstd·w + b, and mean, rstd per row (w, b may be null)
//   ct_layer_norm_backward_*  dx = rstd·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂)), ĝ = dy·w, x̂ = (x - mean)·rstd
//   ct_layer_norm_affine      dw = Σ_rows dy·x̂ and db = Σ_rows dy (either may be null): 32 columns per block, the
//                             block's 8 warps each summing every 8th row, then combined through shared memory
#include "row_group.cuh"

#if CT_IS_FLOAT
template <bool Warp>
__device__ __forceinline__ void ct_layer_norm_forward(T* __restrict__ y, T* __restrict__ mean, T* __restrict__ rstd, const T* __restrict__ x,
    const T* __restrict__ w, const T* __restrict__ b, long long rows, long long len, double eps)
{
    typedef ct_row_group<Warp> G;
    __shared__ T scratch[32];
    const T n = (T)len;
    for (long long r = G::first_row(); r < rows; r += G::row_step())
    {
        const T* xr = x + r * len;
        T* yr = y + r * len;
        T s = 0;
        for (long long j = G::lane(); j < len; j += G::size()) s += xr[j];
        const T mu = G::sum(s, scratch) / n;
        T q = 0;
        for (long long j = G::lane(); j < len; j += G::size())
        {
            T d = xr[j] - mu;
            q += d * d;
        }
        const T rs = (T)1 / sqrt(G::sum(q, scratch) / n + (T)eps);
        if (G::lane() == 0)
        {
            mean[r] = mu;
            rstd[r] = rs;
        }
        for (long long j = G::lane(); j < len; j += G::size())
        {
            T v = (xr[j] - mu) * rs;
            if (w) v *= w[j];
            if (b) v += b[j];
            yr[j] = v;
        }
    }
}

template <bool Warp>
__device__ __forceinline__ void ct_layer_norm_backward(T* __restrict__ dx, const T* __restrict__ dy, const T* __restrict__ x,
    const T* __restrict__ mean, const T* __restrict__ rstd, const T* __restrict__ w, long long rows, long long len)
{
    typedef ct_row_group<Warp> G;
    __shared__ T scratch[32];
    const T n = (T)len;
    for (long long r = G::first_row(); r < rows; r += G::row_step())
    {
        const T* xr = x + r * len;
        const T* gr = dy + r * len;
        T* dr = dx + r * len;
        const T mu = mean[r], rs = rstd[r];
        T sg = 0, sgx = 0;
        for (long long j = G::lane(); j < len; j += G::size())
        {
            T g = w ? gr[j] * w[j] : gr[j];
            sg += g;
            sgx += g * (xr[j] - mu) * rs;
        }
        const T meanG = G::sum(sg, scratch) / n;
        const T meanGX = G::sum(sgx, scratch) / n;
        for (long long j = G::lane(); j < len; j += G::size())
        {
            T g = w ? gr[j] * w[j] : gr[j];
            dr[j] = (g - meanG - (xr[j] - mu) * rs * meanGX) * rs;
        }
    }
}

extern "C" __global__ void ct_layer_norm_forward_block(T* y, T* mean, T* rstd, const T* x, const T* w, const T* b, long long rows, long long len, double eps)
{ ct_layer_norm_forward<false>(y, mean, rstd, x, w, b, rows, len, eps); }
extern "C" __global__ void ct_layer_norm_forward_warp(T* y, T* mean, T* rstd, const T* x, const T* w, const T* b, long long rows, long long len, double eps)
{ ct_layer_norm_forward<true>(y, mean, rstd, x, w, b, rows, len, eps); }
extern "C" __global__ void ct_layer_norm_backward_block(T* dx, const T* dy, const T* x, const T* mean, const T* rstd, const T* w, long long rows, long long len)
{ ct_layer_norm_backward<false>(dx, dy, x, mean, rstd, w, rows, len); }
extern "C" __global__ void ct_layer_norm_backward_warp(T* dx, const T* dy, const T* x, const T* mean, const T* rstd, const T* w, long long rows, long long len)
{ ct_layer_norm_backward<true>(dx, dy, x, mean, rstd, w, rows, len); }

// Launched with 256 threads and grid.x = ceil(len / 32): lane = column within the block's 32, warp = row phase.
extern "C" __global__ void ct_layer_norm_affine(T* __restrict__ dw, T* __restrict__ db, const T* __restrict__ dy, const T* __restrict__ x,
    const T* __restrict__ mean, const T* __restrict__ rstd, long long rows, long long len)
{
    __shared__ T sw[8][33];
    __shared__ T sb[8][33];
    const int lane = threadIdx.x & 31, phase = threadIdx.x >> 5;
    const long long col = (long long)blockIdx.x * 32 + lane;
    T aw = 0, ab = 0;
    if (col < len)
    {
        for (long long r = phase; r < rows; r += 8)
        {
            T g = dy[r * len + col];
            aw += g * (x[r * len + col] - mean[r]) * rstd[r];
            ab += g;
        }
    }
    sw[phase][lane] = aw;
    sb[phase][lane] = ab;
    __syncthreads();
    if (phase == 0 && col < len)
    {
        for (int p = 1; p < 8; ++p)
        {
            aw += sw[p][lane];
            ab += sb[p][lane];
        }
        if (dw) dw[col] = aw;
        if (db) db[col] = ab;
    }
}
#endif

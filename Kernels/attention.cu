// attention.cu - fused scaled dot-product attention (flash-attention style): softmax(q·kᵀ·scale + bias)·v without the
// [L, S] score matrix in memory. Operands are contiguous: q [N, L, E], k [N, S, E], v [N, S, Ev], out [N, L, Ev],
// lse [N, L]; the optional additive bias is a strided [N1, N2, L, S] view (N = N1·N2; zero strides broadcast), and
// `causal` masks key j > query i. Compiled once per floating dtype; each kernel comes for head dims up to D = 64 and
// D = 128 (E, Ev <= D).
//   ct_attention_forward_dD       out and the row log-sum-exp lse = m + log Σ exp(s - m)
//   ct_attention_backward_dq_dD   dq = scale·Σ_j p_ij (dp_ij - δ_i) k_j,  p = exp(s - lse), dp = dO_i·v_j, δ_i = dO_i·O_i
//   ct_attention_backward_dkdv_dD dk = scale·Σ_i p_ij (dp_ij - δ_i) q_i,  dv = Σ_i p_ij dO_i
// Layout: four lanes own a row (lane `sub` holds elements sub, sub + 4, ...; the dot product of a score is summed over
// the four with two shuffles), so a warp owns 8 rows and a block of 128 threads 32 rows. The other operand streams
// through shared memory in tiles of TILE rows that every row of the block reads (a broadcast: the 8 rows of a warp read
// the same 4 consecutive words). The backward pass recomputes the scores tile by tile from lse instead of storing them.
// A row whose every score is masked (-inf) gets output 0 and lse = +inf, so its probabilities, and gradients, are 0
// (PyTorch's math path gives the same through its "safe" softmax).
#include "ct_common.cuh"

#if CT_IS_FLOAT
#define CT_ATTN_LANES 4
#define CT_ATTN_ROWS 32
#define CT_ATTN_THREADS (CT_ATTN_LANES * CT_ATTN_ROWS)
// Rows of a shared tile: 32 for float, 16 for double (two D = 128 tiles stay within 48 KiB of static shared memory).
#define CT_ATTN_TILE (sizeof(T) == 8 ? 16 : 32)

struct ct_attn_bias
{
    const T* p;
    long long n2, s1, s2, sl, ss;
};

__device__ __forceinline__ T ct_attn_bias_at(const ct_attn_bias& b, long long n, long long i, long long j)
{
    return b.p ? b.p[(n / b.n2) * b.s1 + (n % b.n2) * b.s2 + i * b.sl + j * b.ss] : (T)0;
}

// Sum over the four lanes of a row; every lane gets it.
__device__ __forceinline__ T ct_attn_row_sum(T v)
{
    v += __shfl_xor_sync(0xffffffffu, v, 1);
    v += __shfl_xor_sync(0xffffffffu, v, 2);
    return v;
}

// Loads rows [r0, r0 + TILE) of a contiguous [rows, width] matrix into a [TILE][D] tile, zero past the ends.
template <int D>
__device__ __forceinline__ void ct_attn_load_tile(T (*tile)[D], const T* src, long long r0, long long rows, long long width)
{
    for (int idx = threadIdx.x; idx < CT_ATTN_TILE * D; idx += CT_ATTN_THREADS)
    {
        int r = idx / D, e = idx % D;
        tile[r][e] = (r0 + r < rows && e < width) ? src[(r0 + r) * width + e] : (T)0;
    }
}

// One row's C = D / 4 elements held by this lane: element sub + 4c of the row.
template <int D>
__device__ __forceinline__ void ct_attn_load_row(T* dst, const T* row, long long width, bool active, int sub)
{
#pragma unroll
    for (int c = 0; c < D / CT_ATTN_LANES; ++c)
    {
        int e = sub + CT_ATTN_LANES * c;
        dst[c] = (active && e < width) ? row[e] : (T)0;
    }
}

template <int D>
__device__ __forceinline__ T ct_attn_dot(const T* mine, const T* tileRow, int sub)
{
    T s = 0;
#pragma unroll
    for (int c = 0; c < D / CT_ATTN_LANES; ++c) s += mine[c] * tileRow[sub + CT_ATTN_LANES * c];
    return ct_attn_row_sum(s);
}

template <int D>
__device__ __forceinline__ void ct_attention_forward(T* __restrict__ out, T* __restrict__ lse, const T* __restrict__ q, const T* __restrict__ k,
    const T* __restrict__ v, ct_attn_bias bias, long long L, long long S, long long E, long long Ev, int causal, double scale)
{
    const int C = D / CT_ATTN_LANES;
    __shared__ T ks[CT_ATTN_TILE][D];
    __shared__ T vs[CT_ATTN_TILE][D];
    const long long n = blockIdx.y;
    const int sub = threadIdx.x & (CT_ATTN_LANES - 1);
    const long long first = (long long)blockIdx.x * CT_ATTN_ROWS;
    const long long i = first + (threadIdx.x / CT_ATTN_LANES);
    const bool active = i < L;
    const T sc = (T)scale, ninf = ct_limits<T>::lowest();
    T qr[C], acc[C];
    ct_attn_load_row<D>(qr, q + (n * L + (active ? i : 0)) * E, E, active, sub);
#pragma unroll
    for (int c = 0; c < C; ++c) acc[c] = 0;
    T m = ninf, l = 0;
    // Under the causal mask no row of this block sees keys past its last row.
    long long last = first + CT_ATTN_ROWS - 1 < L - 1 ? first + CT_ATTN_ROWS - 1 : L - 1;
    long long end = causal ? (last + 1 < S ? last + 1 : S) : S;
    for (long long j0 = 0; j0 < end; j0 += CT_ATTN_TILE)
    {
        ct_attn_load_tile<D>(ks, k + n * S * E, j0, S, E);
        ct_attn_load_tile<D>(vs, v + n * S * Ev, j0, S, Ev);
        __syncthreads();
        T s[CT_ATTN_TILE];
        T tileMax = ninf;
#pragma unroll
        for (int jj = 0; jj < CT_ATTN_TILE; ++jj)
        {
            long long j = j0 + jj;
            T x = ct_attn_dot<D>(qr, ks[jj], sub);
            bool masked = !active || j >= S || (causal && j > i);
            x = masked ? ninf : x * sc + ct_attn_bias_at(bias, n, i, j);
            s[jj] = x;
            tileMax = x > tileMax ? x : tileMax;
        }
        T mNew = tileMax > m ? tileMax : m;
        if (mNew != ninf)
        {
            T corr = exp(m - mNew);  // m = -inf: 0, nothing accumulated yet
            l *= corr;
#pragma unroll
            for (int c = 0; c < C; ++c) acc[c] *= corr;
#pragma unroll
            for (int jj = 0; jj < CT_ATTN_TILE; ++jj)
            {
                T p = exp(s[jj] - mNew);
                l += p;
#pragma unroll
                for (int c = 0; c < C; ++c) acc[c] += p * vs[jj][sub + CT_ATTN_LANES * c];
            }
            m = mNew;
        }
        __syncthreads();
    }
    if (!active) return;
    T inv = l > 0 ? (T)1 / l : (T)0;
    T* o = out + (n * L + i) * Ev;
#pragma unroll
    for (int c = 0; c < C; ++c)
    {
        int e = sub + CT_ATTN_LANES * c;
        if (e < Ev) o[e] = acc[c] * inv;
    }
    if (sub == 0) lse[n * L + i] = l > 0 ? m + log(l) : ct_limits<T>::highest();
}

template <int D>
__device__ __forceinline__ void ct_attention_backward_dq(T* __restrict__ dq, const T* __restrict__ dout, const T* __restrict__ q, const T* __restrict__ k,
    const T* __restrict__ v, const T* __restrict__ lse, const T* __restrict__ delta, ct_attn_bias bias, long long L, long long S, long long E,
    long long Ev, int causal, double scale)
{
    const int C = D / CT_ATTN_LANES;
    __shared__ T ks[CT_ATTN_TILE][D];
    __shared__ T vs[CT_ATTN_TILE][D];
    const long long n = blockIdx.y;
    const int sub = threadIdx.x & (CT_ATTN_LANES - 1);
    const long long first = (long long)blockIdx.x * CT_ATTN_ROWS;
    const long long i = first + (threadIdx.x / CT_ATTN_LANES);
    const bool active = i < L;
    const T sc = (T)scale;
    const long long row = n * L + (active ? i : 0);
    T qr[C], gr[C], acc[C];
    ct_attn_load_row<D>(qr, q + row * E, E, active, sub);
    ct_attn_load_row<D>(gr, dout + row * Ev, Ev, active, sub);
#pragma unroll
    for (int c = 0; c < C; ++c) acc[c] = 0;
    const T li = active ? lse[row] : (T)0, di = active ? delta[row] : (T)0;
    long long last = first + CT_ATTN_ROWS - 1 < L - 1 ? first + CT_ATTN_ROWS - 1 : L - 1;
    long long end = causal ? (last + 1 < S ? last + 1 : S) : S;
    for (long long j0 = 0; j0 < end; j0 += CT_ATTN_TILE)
    {
        ct_attn_load_tile<D>(ks, k + n * S * E, j0, S, E);
        ct_attn_load_tile<D>(vs, v + n * S * Ev, j0, S, Ev);
        __syncthreads();
#pragma unroll 4
        for (int jj = 0; jj < CT_ATTN_TILE; ++jj)
        {
            long long j = j0 + jj;
            T x = ct_attn_dot<D>(qr, ks[jj], sub);
            T dp = ct_attn_dot<D>(gr, vs[jj], sub);
            bool masked = !active || j >= S || (causal && j > i);
            T p = masked ? (T)0 : exp(x * sc + ct_attn_bias_at(bias, n, i, j) - li);
            T ds = p * (dp - di);
#pragma unroll
            for (int c = 0; c < C; ++c) acc[c] += ds * ks[jj][sub + CT_ATTN_LANES * c];
        }
        __syncthreads();
    }
    if (!active) return;
    T* o = dq + row * E;
#pragma unroll
    for (int c = 0; c < C; ++c)
    {
        int e = sub + CT_ATTN_LANES * c;
        if (e < E) o[e] = acc[c] * sc;
    }
}

template <int D>
__device__ __forceinline__ void ct_attention_backward_dkdv(T* __restrict__ dk, T* __restrict__ dv, const T* __restrict__ dout, const T* __restrict__ q,
    const T* __restrict__ k, const T* __restrict__ v, const T* __restrict__ lse, const T* __restrict__ delta, ct_attn_bias bias, long long L,
    long long S, long long E, long long Ev, int causal, double scale)
{
    const int C = D / CT_ATTN_LANES;
    __shared__ T qs[CT_ATTN_TILE][D];
    __shared__ T gs[CT_ATTN_TILE][D];
    __shared__ T ls[CT_ATTN_TILE], ds_[CT_ATTN_TILE];
    const long long n = blockIdx.y;
    const int sub = threadIdx.x & (CT_ATTN_LANES - 1);
    const long long first = (long long)blockIdx.x * CT_ATTN_ROWS;
    const long long j = first + (threadIdx.x / CT_ATTN_LANES);
    const bool active = j < S;
    const T sc = (T)scale;
    const long long row = n * S + (active ? j : 0);
    T kr[C], vr[C], dka[C], dva[C];
    ct_attn_load_row<D>(kr, k + row * E, E, active, sub);
    ct_attn_load_row<D>(vr, v + row * Ev, Ev, active, sub);
#pragma unroll
    for (int c = 0; c < C; ++c) dka[c] = dva[c] = 0;
    // Under the causal mask queries before this block's first key see none of its keys.
    long long start = causal ? (first / CT_ATTN_TILE) * CT_ATTN_TILE : 0;
    for (long long i0 = start; i0 < L; i0 += CT_ATTN_TILE)
    {
        ct_attn_load_tile<D>(qs, q + n * L * E, i0, L, E);
        ct_attn_load_tile<D>(gs, dout + n * L * Ev, i0, L, Ev);
        for (int t = threadIdx.x; t < CT_ATTN_TILE; t += CT_ATTN_THREADS)
        {
            bool in = i0 + t < L;
            ls[t] = in ? lse[n * L + i0 + t] : (T)0;
            ds_[t] = in ? delta[n * L + i0 + t] : (T)0;
        }
        __syncthreads();
#pragma unroll 4
        for (int ii = 0; ii < CT_ATTN_TILE; ++ii)
        {
            long long i = i0 + ii;
            T x = ct_attn_dot<D>(kr, qs[ii], sub);
            T dp = ct_attn_dot<D>(vr, gs[ii], sub);
            bool masked = !active || i >= L || (causal && j > i);
            T p = masked ? (T)0 : exp(x * sc + ct_attn_bias_at(bias, n, i, j) - ls[ii]);
            T dsc = p * (dp - ds_[ii]);
#pragma unroll
            for (int c = 0; c < C; ++c)
            {
                dva[c] += p * gs[ii][sub + CT_ATTN_LANES * c];
                dka[c] += dsc * qs[ii][sub + CT_ATTN_LANES * c];
            }
        }
        __syncthreads();
    }
    if (!active) return;
#pragma unroll
    for (int c = 0; c < C; ++c)
    {
        int e = sub + CT_ATTN_LANES * c;
        if (e < E) dk[row * E + e] = dka[c] * sc;
        if (e < Ev) dv[row * Ev + e] = dva[c];
    }
}

// The bias view travels as six scalars (kernel parameters stay pointers and integers).
#define CT_ATTN_BIAS_PARAMS const T* bias, long long bn2, long long bs1, long long bs2, long long bsl, long long bss
#define CT_ATTN_BIAS_ARG ct_attn_bias{bias, bn2, bs1, bs2, bsl, bss}

#define CT_ATTN_KERNELS(D)                                                                                                                          \
    extern "C" __global__ void __launch_bounds__(CT_ATTN_THREADS) ct_attention_forward_d##D(T* out, T* lse, const T* q, const T* k, const T* v,     \
        CT_ATTN_BIAS_PARAMS, long long L, long long S, long long E, long long Ev, int causal, double scale)                                              \
    { ct_attention_forward<D>(out, lse, q, k, v, CT_ATTN_BIAS_ARG, L, S, E, Ev, causal, scale); }                                                               \
    extern "C" __global__ void __launch_bounds__(CT_ATTN_THREADS) ct_attention_backward_dq_d##D(T* dq, const T* dout, const T* q, const T* k,       \
        const T* v, const T* lse, const T* delta, CT_ATTN_BIAS_PARAMS, long long L, long long S, long long E, long long Ev, int causal, double scale)     \
    { ct_attention_backward_dq<D>(dq, dout, q, k, v, lse, delta, CT_ATTN_BIAS_ARG, L, S, E, Ev, causal, scale); }                                               \
    extern "C" __global__ void __launch_bounds__(CT_ATTN_THREADS) ct_attention_backward_dkdv_d##D(T* dk, T* dv, const T* dout, const T* q,          \
        const T* k, const T* v, const T* lse, const T* delta, CT_ATTN_BIAS_PARAMS, long long L, long long S, long long E, long long Ev, int causal,      \
        double scale)                                                                                                                                \
    { ct_attention_backward_dkdv<D>(dk, dv, dout, q, k, v, lse, delta, CT_ATTN_BIAS_ARG, L, S, E, Ev, causal, scale); }

CT_ATTN_KERNELS(64)
CT_ATTN_KERNELS(128)
#endif

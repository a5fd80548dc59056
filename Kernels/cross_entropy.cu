// cross_entropy.cu - fused cross-entropy with class-index targets over the rows of contiguous logits [rows, C].
// Compiled once per floating dtype. Each row belongs to a block (_block) or, for at most 1024 classes, one warp
// (_warp). The forward pass folds the row once into an online (max, Σ exp(x - max)) pair per thread, combined with
// warp shuffles (row_group.cuh), so the log-sum-exp costs one read of the row.
//   ct_cross_entropy_forward_*   loss = (1 - ε)·w[t]·(lse - x[t]) + (ε/C)·Σ_c w[c]·(lse - x[c]); (max, log Σ exp(x - max))
//                                as lse [rows, 2] (x - lse is computed as (x - max) - log Σ, exact for large logits), the row's
//                                weight w[t] (0 for ignored rows, whose loss is 0). A target outside [0, C) that is not
//                                ignore_index makes the row's index compete (atomicMin) for `bad`, a slot of the
//                                device's error log preset to all ones and read at the next host synchronization.
//   ct_cross_entropy_backward_*  dx = g·(a·exp((x - max) - log Σ) - q), q = (1 - ε)·w[t]·onehot(t) + (ε/C)·w, a = Σ q
// w may be null (every class weighs 1).
#include "row_group.cuh"

#if CT_IS_FLOAT
template <bool Warp>
__device__ __forceinline__ void ct_cross_entropy_forward(T* __restrict__ loss, T* __restrict__ lse_out, T* __restrict__ row_weight,
    const T* __restrict__ x, const long long* __restrict__ target, const T* __restrict__ w, long long rows, long long classes,
    long long ignore_index, double smoothing, unsigned long long* __restrict__ bad)
{
    typedef ct_row_group<Warp> G;
    __shared__ T scratch[64];
    const T eps = (T)smoothing, eps_per_class = (T)(smoothing / (double)classes);
    for (long long r = G::first_row(); r < rows; r += G::row_step())
    {
        const T* xr = x + r * classes;
        ct_lse_pair p;
        p.m = ct_limits<T>::lowest();
        p.s = 0;
        for (long long j = G::lane(); j < classes; j += G::size()) p = ct_lse_add(p, xr[j]);
        p = ct_lse_reduce<Warp>(p, scratch);
        const T m = p.m, log_sum = p.s;
        const long long t = target[r];
        const bool first = G::lane() == 0;
        if (first)
        {
            lse_out[2 * r] = m;
            lse_out[2 * r + 1] = log_sum;
        }
        if (t == ignore_index)
        {
            if (first)
            {
                loss[r] = 0;
                row_weight[r] = 0;
            }
            continue;
        }
        if (t < 0 || t >= classes)
        {
            if (first) atomicMin(bad, (unsigned long long)r);
            continue;
        }
        const T wt = w ? w[t] : (T)1;
        T value = wt * ((m - xr[t]) + log_sum);
        if (smoothing > 0)
        {
            // Σ_c w[c]·((m - x[c]) + log Σ): every term is >= 0, so nothing cancels even for large logits.
            T s = 0;
            for (long long j = G::lane(); j < classes; j += G::size()) s += (w ? w[j] : (T)1) * ((m - xr[j]) + log_sum);
            s = G::sum(s, scratch);
            value = ((T)1 - eps) * value + eps_per_class * s;
        }
        if (first)
        {
            loss[r] = value;
            row_weight[r] = wt;
        }
    }
}

template <bool Warp>
__device__ __forceinline__ void ct_cross_entropy_backward(T* __restrict__ dx, const T* __restrict__ grad, const T* __restrict__ x,
    const long long* __restrict__ target, const T* __restrict__ lse, const T* __restrict__ w, long long rows, long long classes,
    long long ignore_index, double smoothing)
{
    typedef ct_row_group<Warp> G;
    __shared__ T scratch[32];
    const T eps = (T)smoothing, eps_per_class = (T)(smoothing / (double)classes);
    // a's uniform part, (ε/C)·Σ_c w[c]: the same for every row.
    T total = (T)classes;
    if (w && smoothing > 0)
    {
        T s = 0;
        for (long long j = G::lane(); j < classes; j += G::size()) s += w[j];
        total = G::sum(s, scratch);
    }
    const T uniform = eps_per_class * total;
    for (long long r = G::first_row(); r < rows; r += G::row_step())
    {
        const T* xr = x + r * classes;
        T* dr = dx + r * classes;
        const long long t = target[r];
        if (t == ignore_index)
        {
            for (long long j = G::lane(); j < classes; j += G::size()) dr[j] = 0;
            continue;
        }
        const T g = grad[r], m = lse[2 * r], log_sum = lse[2 * r + 1];
        const T wt = w ? w[t] : (T)1;
        const T scale = g * (((T)1 - eps) * wt + uniform);
        const T hit = g * ((T)1 - eps) * wt;
        for (long long j = G::lane(); j < classes; j += G::size())
        {
            T v = scale * exp((xr[j] - m) - log_sum);
            if (smoothing > 0) v -= g * eps_per_class * (w ? w[j] : (T)1);
            if (j == t) v -= hit;
            dr[j] = v;
        }
    }
}

extern "C" __global__ void ct_cross_entropy_forward_block(T* loss, T* lse, T* row_weight, const T* x, const long long* target, const T* w,
    long long rows, long long classes, long long ignore_index, double smoothing, unsigned long long* bad)
{ ct_cross_entropy_forward<false>(loss, lse, row_weight, x, target, w, rows, classes, ignore_index, smoothing, bad); }
extern "C" __global__ void ct_cross_entropy_forward_warp(T* loss, T* lse, T* row_weight, const T* x, const long long* target, const T* w,
    long long rows, long long classes, long long ignore_index, double smoothing, unsigned long long* bad)
{ ct_cross_entropy_forward<true>(loss, lse, row_weight, x, target, w, rows, classes, ignore_index, smoothing, bad); }
// Deferred target check: once the forward kernel has lowered bad[0] to the first bad row (all ones when none), copies
// that row's target into bad[1] for the host's message. One thread.
extern "C" __global__ void ct_cross_entropy_bad_target(unsigned long long* bad, const long long* target)
{
    if (threadIdx.x == 0 && blockIdx.x == 0 && bad[0] != ~0ull) bad[1] = (unsigned long long)target[bad[0]];
}
extern "C" __global__ void ct_cross_entropy_backward_block(T* dx, const T* grad, const T* x, const long long* target, const T* lse, const T* w,
    long long rows, long long classes, long long ignore_index, double smoothing)
{ ct_cross_entropy_backward<false>(dx, grad, x, target, lse, w, rows, classes, ignore_index, smoothing); }
extern "C" __global__ void ct_cross_entropy_backward_warp(T* dx, const T* grad, const T* x, const long long* target, const T* lse, const T* w,
    long long rows, long long classes, long long ignore_index, double smoothing)
{ ct_cross_entropy_backward<true>(dx, grad, x, target, lse, w, rows, classes, ignore_index, smoothing); }
#endif

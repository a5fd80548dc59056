// batchnorm.cu - fused batch normalization per channel of a contiguous [N, C, S] tensor (S = product of the spatial
// sizes, 1 for [N, C]), forward and backward. Compiled once per floating dtype; accumulators in the element type (float
// for float32, double for float64). A block owns a channel (grid-stride over channels) and walks its N·S elements,
// which lie in N runs of S: statistics take two passes (the mean, then the mean squared deviation), which keeps a
// float32 channel of a million values within ~1e-6 of a float64 computation, then a third pass writes the output.
//   ct_batch_norm_forward   y = (x - mean)·invstd·w + b; mean and invstd per channel. training: batch statistics
//                           (biased variance), running stats (may be null) ← (1 - momentum)·running + momentum·stat
//                           with the unbiased variance; otherwise running statistics. w, b may be null.
//   ct_batch_norm_backward  db = Σdy, dw = Σdy·x̂ (either may be null); dx = w·invstd·(dy - Σdy/M - x̂·Σ(dy·x̂)/M) in
//                           training, w·invstd·dy otherwise (dx may be null)
#include "ct_common.cuh"

#if CT_IS_FLOAT
struct ct_bn_add { __device__ T operator()(T a, T b) const { return a + b; } };

// Element i (of N·S) of channel c.
__device__ __forceinline__ long long ct_bn_offset(long long i, long long c, long long channels, long long s)
{
    long long n = i / s;
    return (n * channels + c) * s + (i - n * s);
}

extern "C" __global__ void ct_batch_norm_forward(T* __restrict__ y, T* __restrict__ mean, T* __restrict__ invstd, const T* __restrict__ x,
    const T* __restrict__ w, const T* __restrict__ b, T* __restrict__ running_mean, T* __restrict__ running_var,
    long long n, long long channels, long long s, int training, double momentum, double eps)
{
    __shared__ T scratch[32];
    const long long count = n * s;
    for (long long c = blockIdx.x; c < channels; c += gridDim.x)
    {
        T mu, rs;
        if (training)
        {
            T acc = 0;
            for (long long i = threadIdx.x; i < count; i += blockDim.x) acc += x[ct_bn_offset(i, c, channels, s)];
            mu = ct_block_reduce(acc, ct_bn_add(), scratch) / (T)count;
            T q = 0;
            for (long long i = threadIdx.x; i < count; i += blockDim.x)
            {
                T d = x[ct_bn_offset(i, c, channels, s)] - mu;
                q += d * d;
            }
            const T var = ct_block_reduce(q, ct_bn_add(), scratch) / (T)count;
            rs = (T)1 / sqrt(var + (T)eps);
            if (threadIdx.x == 0 && running_mean && running_var)
            {
                running_mean[c] = (T)((1 - momentum) * (double)running_mean[c] + momentum * (double)mu);
                running_var[c] = (T)((1 - momentum) * (double)running_var[c] + momentum * (double)var * (double)count / (double)(count - 1));
            }
        }
        else
        {
            mu = running_mean[c];
            rs = (T)1 / sqrt(running_var[c] + (T)eps);
        }
        if (threadIdx.x == 0)
        {
            mean[c] = mu;
            invstd[c] = rs;
        }
        const T alpha = w ? rs * w[c] : rs, beta = b ? b[c] : (T)0;
        for (long long i = threadIdx.x; i < count; i += blockDim.x)
        {
            long long o = ct_bn_offset(i, c, channels, s);
            y[o] = (x[o] - mu) * alpha + beta;
        }
    }
}

extern "C" __global__ void ct_batch_norm_backward(T* __restrict__ dx, T* __restrict__ dw, T* __restrict__ db, const T* __restrict__ dy,
    const T* __restrict__ x, const T* __restrict__ mean, const T* __restrict__ invstd, const T* __restrict__ w,
    long long n, long long channels, long long s, int training)
{
    __shared__ T scratch[32];
    const long long count = n * s;
    // The same for every thread, so the reductions' barriers are reached by all.
    const bool sums = dw || db || (training && dx);
    for (long long c = blockIdx.x; c < channels; c += gridDim.x)
    {
        const T mu = mean[c], rs = invstd[c];
        T g1 = 0, g2 = 0;
        if (sums)
        {
            for (long long i = threadIdx.x; i < count; i += blockDim.x)
            {
                long long o = ct_bn_offset(i, c, channels, s);
                T g = dy[o];
                g1 += g;
                g2 += g * (x[o] - mu);
            }
            g1 = ct_block_reduce(g1, ct_bn_add(), scratch);
            g2 = ct_block_reduce(g2, ct_bn_add(), scratch);
            if (threadIdx.x == 0)
            {
                if (db) db[c] = g1;
                if (dw) dw[c] = g2 * rs;
            }
        }
        if (!dx) continue;
        const T a = w ? w[c] * rs : rs;
        const T meanG = training ? g1 / (T)count : (T)0, k = training ? g2 * rs / (T)count : (T)0;
        for (long long i = threadIdx.x; i < count; i += blockDim.x)
        {
            long long o = ct_bn_offset(i, c, channels, s);
            dx[o] = a * (dy[o] - meanG - (x[o] - mu) * rs * k);
        }
    }
}
#endif

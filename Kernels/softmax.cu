// softmax.cu - softmax and log-softmax over the rows of a contiguous [rows, len] matrix, one block per row:
// the row's max (NaN-propagating), the sum of exp(x - max), then the outputs. Subtracting the max keeps exp from
// overflowing; a row of -inf gives NaN, as on the CPU and in PyTorch. Floating dtypes only.
#include "ct_common.cuh"

#if CT_IS_FLOAT
struct ct_max_f { __device__ T operator()(T a, T b) const { return ct_maximum(a, b); } };
struct ct_add_f { __device__ T operator()(T a, T b) const { return a + b; } };

template <bool Log>
__device__ __forceinline__ void ct_softmax(T* __restrict__ out, const T* __restrict__ in, long long rows, long long len)
{
    __shared__ T scratch[32];
    for (long long r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const T* x = in + r * len;
        T* y = out + r * len;
        T m = ct_limits<T>::lowest();
        for (long long j = threadIdx.x; j < len; j += blockDim.x) m = ct_maximum(m, x[j]);
        m = ct_block_reduce(m, ct_max_f(), scratch);
        T s = 0;
        for (long long j = threadIdx.x; j < len; j += blockDim.x) s += exp(x[j] - m);
        s = ct_block_reduce(s, ct_add_f(), scratch);
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

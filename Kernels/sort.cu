// sort.cu - sorts the rows of a contiguous [rows, n] matrix, one block per row, and writes each value's source position
// (Int64). A bitonic network over the row padded to a power of two, npad: rows of up to CT_SORT_SHARED elements sort in
// shared memory, longer ones in a global scratch slot of npad keys and positions per block (scratch is only read then).
// Elements compare by (value, position) - a total order - so the result is stable and deterministic; padding sorts
// after every element. NaN is the largest value (last ascending, first descending), as PyTorch. Compiled for Float32,
// Float64, Int32 and Int64.
#include "ct_common.cuh"

// 2048 keys and positions: 32 KiB of static shared memory for double, within every GPU's 48 KiB.
#define CT_SORT_SHARED 2048

// Whether (ka, ia) comes before (kb, ib) in the output. Positions >= n are padding.
__device__ __forceinline__ bool ct_sort_before(T ka, long long ia, T kb, long long ib, long long n, int descending)
{
    if (ia >= n) return false;
    if (ib >= n) return true;
    bool na = ka != ka, nb = kb != kb; // NaN test; always false for integers
    if (na != nb) return descending ? na : nb;
    if (!na)
    {
        if (ka < kb) return !descending;
        if (kb < ka) return descending;
    }
    return ia < ib;
}

// Sorts keys/pos[0, npad) in place with the whole block; ends with a barrier.
__device__ __forceinline__ void ct_bitonic(T* keys, long long* pos, long long npad, long long n, int descending)
{
    for (long long k = 2; k <= npad; k <<= 1)
    {
        for (long long j = k >> 1; j > 0; j >>= 1)
        {
            for (long long i = threadIdx.x; i < npad; i += blockDim.x)
            {
                long long p = i ^ j;
                if (p <= i) continue;
                T ki = keys[i], kp = keys[p];
                long long ii = pos[i], ip = pos[p];
                // In blocks with (i & k) == 0 the pair ends in output order, in the others reversed.
                bool swap = (i & k) == 0 ? ct_sort_before(kp, ip, ki, ii, n, descending) : ct_sort_before(ki, ii, kp, ip, n, descending);
                if (swap)
                {
                    keys[i] = kp;
                    keys[p] = ki;
                    pos[i] = ip;
                    pos[p] = ii;
                }
            }
            __syncthreads();
        }
    }
}

extern "C" __global__ void ct_sort_rows(T* __restrict__ values, long long* __restrict__ indices, const T* __restrict__ src,
                                        T* scratch_keys, long long* scratch_pos, long long rows, long long n, long long npad,
                                        int descending)
{
    __shared__ T shared_keys[CT_SORT_SHARED];
    __shared__ long long shared_pos[CT_SORT_SHARED];
    bool in_shared = npad <= CT_SORT_SHARED;
    for (long long r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const T* row = src + r * n;
        if (in_shared)
        {
            for (long long i = threadIdx.x; i < npad; i += blockDim.x)
            {
                shared_keys[i] = i < n ? row[i] : (T)0;
                shared_pos[i] = i;
            }
            __syncthreads();
            ct_bitonic(shared_keys, shared_pos, npad, n, descending);
            for (long long i = threadIdx.x; i < n; i += blockDim.x)
            {
                values[r * n + i] = shared_keys[i];
                indices[r * n + i] = shared_pos[i];
            }
        }
        else
        {
            T* keys = scratch_keys + (long long)blockIdx.x * npad;
            long long* pos = scratch_pos + (long long)blockIdx.x * npad;
            for (long long i = threadIdx.x; i < npad; i += blockDim.x)
            {
                keys[i] = i < n ? row[i] : (T)0;
                pos[i] = i;
            }
            __syncthreads();
            ct_bitonic(keys, pos, npad, n, descending);
            for (long long i = threadIdx.x; i < n; i += blockDim.x)
            {
                values[r * n + i] = keys[i];
                indices[r * n + i] = pos[i];
            }
        }
        __syncthreads(); // the next row reuses the same memory
    }
}

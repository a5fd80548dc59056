// window.cu - sliding windows over contiguous images [planes, H, W] and their columns [planes, KH*KW, OH*OW]
// (im2col and its adjoint col2im), for convolution and pooling. Both kernels take the geometry of WindowGeometry
// (Managed/Backends/WindowGeometry.cs) as scalars in its order: H, W, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW. Tap (i, j)
// of the window at (oy, ox) reads row oy*SH - PH + i*DH and column ox*SW - PW + j*DW. Compiled once per dtype; col2im
// only for floating point.
#include "ct_common.cuh"

#define CT_WINDOW_PARAMS                                                                                               \
    long long H, long long W, long long KH, long long KW, long long SH, long long SW, long long PH, long long PW,     \
        long long DH, long long DW, long long OH, long long OW

// One thread per column entry, so consecutive threads write consecutive positions (coalesced) and read pixels SW apart.
// `pad` is already in the element type: the host rounds or saturates the double pad value once.
extern "C" __global__ void ct_im2col(T* __restrict__ cols, const T* __restrict__ image, unsigned long long n,
                                     CT_WINDOW_PARAMS, T pad)
{
    unsigned long long positions = (unsigned long long)(OH * OW), taps = (unsigned long long)(KH * KW);
    CT_LOOP64(e, n)
    {
        unsigned long long rest = e / positions, pos = e - rest * positions;
        unsigned long long plane = rest / taps, tap = rest - plane * taps;
        long long oy = (long long)pos / OW, ox = (long long)pos - oy * OW;
        long long i = (long long)tap / KW, j = (long long)tap - i * KW;
        long long y = oy * SH - PH + i * DH, x = ox * SW - PW + j * DW;
        // Negative coordinates wrap to huge unsigned values, so one comparison per axis tests both bounds.
        bool inside = (unsigned long long)y < (unsigned long long)H && (unsigned long long)x < (unsigned long long)W;
        cols[e] = inside ? image[((long long)plane * H + y) * W + x] : pad;
    }
}

#if CT_IS_FLOAT
// The window position whose tap at offset `k` (tap index times dilation) reads coordinate `c` along one axis, or -1
// when none does: c + pad - k must be a non-negative multiple of the stride, and the quotient below `out`.
__device__ __forceinline__ long long ct_window_source(long long c, long long pad, long long k, long long stride, long long out)
{
    long long t = c + pad - k;
    if (t < 0) return -1;
    long long o = t / stride;
    return o * stride == t && o < out ? o : -1;
}

// A gather, not a scatter: one thread per pixel sums the column entries that read it, taps in row-major order, so the
// result is deterministic and needs no atomics or zeroed output. Sums at most KH*KW terms, in T.
extern "C" __global__ void ct_col2im(T* __restrict__ image, const T* __restrict__ cols, unsigned long long n,
                                     CT_WINDOW_PARAMS)
{
    long long positions = OH * OW, taps = KH * KW;
    CT_LOOP64(e, n)
    {
        unsigned long long row = e / (unsigned long long)W, plane = row / (unsigned long long)H;
        long long x = (long long)(e - row * W), y = (long long)(row - plane * H);
        const T* c = cols + (long long)plane * taps * positions;
        T sum = 0;
        for (long long i = 0; i < KH; ++i)
        {
            long long oy = ct_window_source(y, PH, i * DH, SH, OH);
            if (oy < 0) continue;
            for (long long j = 0; j < KW; ++j)
            {
                long long ox = ct_window_source(x, PW, j * DW, SW, OW);
                if (ox >= 0) sum += c[(i * KW + j) * positions + oy * OW + ox];
            }
        }
        image[e] = sum;
    }
}
#endif

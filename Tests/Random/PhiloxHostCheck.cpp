// Host check of Kernels/philox.cuh: compiles the CUDA header with g++ against host stand-ins for the
// CUDA built-ins and prints the Philox known answers and the first elements of every fill kind, which
// CudaHeaderTests compares with RandomFill. Normal values use the host libm here, so they are compared
// with a tolerance; everything else must match bit for bit. Not part of any build.
#include <cmath>
#include <cstring>
#define __device__
#define __forceinline__ inline
static inline unsigned int __umulhi(unsigned int a, unsigned int b) { return (unsigned int)(((unsigned long long)a * b) >> 32); }
static inline float __fmul_rn(float a, float b) { volatile float r = a * b; return r; }
static inline float __fadd_rn(float a, float b) { volatile float r = a + b; return r; }
static inline float __fsub_rn(float a, float b) { volatile float r = a - b; return r; }
static inline float __fsqrt_rn(float a) { return std::sqrt(a); }
static inline double __dmul_rn(double a, double b) { volatile double r = a * b; return r; }
static inline double __dadd_rn(double a, double b) { volatile double r = a + b; return r; }
static inline double __dsub_rn(double a, double b) { volatile double r = a - b; return r; }
static inline double __dsqrt_rn(double a) { return std::sqrt(a); }
static inline int __float_as_int(float f) { int i; std::memcpy(&i, &f, 4); return i; }
static inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
static inline long long __double_as_longlong(double f) { long long i; std::memcpy(&i, &f, 8); return i; }
static inline double __longlong_as_double(long long i) { double f; std::memcpy(&f, &i, 8); return f; }

#include "../../Kernels/philox.cuh"
#include <cstdio>

int main()
{
    const ct_philox4 kats[3] = {
        ct_philox4x32_10(0u, 0u, 0u, 0u, 0u, 0u),
        ct_philox4x32_10(~0u, ~0u, ~0u, ~0u, ~0u, ~0u),
        ct_philox4x32_10(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u),
    };
    for (const ct_philox4& k : kats) printf("KAT %08x %08x %08x %08x\n", k.x0, k.x1, k.x2, k.x3);

    // Keep in sync with CudaHeaderTests.
    const unsigned long long seed = 0x0123456789ABCDEFull, start = 0xFFFFFFFFFFFFFFF0ull;
    const ct_uniform_f32_params pf = ct_uniform_f32_setup(-2.0f, 3.0f);
    const ct_uniform_f64_params pd = ct_uniform_f64_setup(10.0, 12.5);
    const unsigned int threshold = 5033165u; // BernoulliThreshold(0.3)
    for (unsigned long long i = 0; i < 40; ++i)
    {
        printf("%llu %08x %016llx %08x %016llx %lld %d\n", i,
               (unsigned int)__float_as_int(ct_uniform_f32(seed, start, i, pf)),
               (unsigned long long)__double_as_longlong(ct_uniform_f64(seed, start, i, pd)),
               (unsigned int)__float_as_int(ct_normal_f32(seed, start, i, 1.5f, 0.25f)),
               (unsigned long long)__double_as_longlong(ct_normal_f64(seed, start, i, -3.0, 2.0)),
               ct_integer(seed, start, i, -1000, 124457ull),
               (int)ct_bernoulli(seed, start, i, threshold));
    }

    // The per-block helpers agree with the per-element functions.
    const ct_philox4 b = ct_philox_block(seed, start + 3);
    float nf[4], uf[4];
    ct_normal_f32_lanes(b, 1.5f, 0.25f, nf);
    ct_uniform_f32_lanes(b, pf, uf);
    for (int k = 0; k < 4; ++k)
    {
        if (__float_as_int(nf[k]) != __float_as_int(ct_normal_f32(seed, start, 12 + k, 1.5f, 0.25f)) ||
            __float_as_int(uf[k]) != __float_as_int(ct_uniform_f32(seed, start, 12 + k, pf)))
        {
            printf("LANE MISMATCH %d\n", k);
        }
    }
    return 0;
}

// philox.cuh - Philox4x32-10 and CudaTensor's per-element random-number mapping, for CUDA kernels
// compiled by NVRTC. Self-contained: includes no CUDA SDK header and uses only built-in device
// functions (__umulhi, __fmul_rn, __fadd_rn, __fsqrt_rn, __dmul_rn, __dadd_rn, __dsqrt_rn, logf,
// sincosf, log, sincos, __float_as_int, __int_as_float, __double_as_longlong, __longlong_as_double).
//
// This file is the GPU half of one contract; the CPU half and the full description of the
// contract are Managed/Random/Philox.cs and the comment at the top of Managed/Random/RandomFill.cs.
// Each device function names the C# function it mirrors. In short:
//   key = (lo32(seed), hi32(seed)); block b -> counter (lo32(b), hi32(b), 0, 0);
//   element i of a fill that starts at block S uses block S + i / P, lane i % P
//   (P = 4 for float32 uniform/normal and Bernoulli, P = 2 for float64 uniform/normal and integers).
//
// Reproducibility against the CPU:
//   * Philox words, uniform (float and double), integers and Bernoulli are bit-identical.
//   * Normal values use logf/sincosf (float) or log/sincos (double). Those come from each device's
//     math library (CUDA: <= 1-2 ulp; CPU: the C runtime) and may differ in the last bit, so normals
//     agree to a few ulp, not bit for bit. Everything else in Box-Muller (*, +, sqrt) is correctly
//     rounded on both sides.
//   * Use the accurate functions only: never __logf/__sinf/__cosf/__expf, never -use_fast_math.
//     Keep -ftz=false (the default) so the subnormal results of the uniform clamp survive.
//     Every multiply and add below is an explicit _rn intrinsic, which the compiler never fuses
//     into an FMA, so --fmad=true (the default) does not change results; the C# side never fuses.
#pragma once

#define CT_PHILOX_M0 0xD2511F53u  /* Philox.M0 */
#define CT_PHILOX_M1 0xCD9E8D57u  /* Philox.M1 */
#define CT_PHILOX_W0 0x9E3779B9u  /* Philox.W0 */
#define CT_PHILOX_W1 0xBB67AE85u  /* Philox.W1 */

#define CT_TWO_POW_M24_F 5.9604644775390625e-08f           /* 2^-24 */
#define CT_TWO_POW_M53 1.1102230246251565404236316680908203125e-16 /* 2^-53 */
#define CT_TAU_F 6.28318548202514648f                      /* float.Tau  = (float)(2*pi) */
#define CT_TAU 6.283185307179586                           /* double.Tau = 2*pi */

// Four 32-bit Philox output words. Mirrors PhiloxBlock.
struct ct_philox4
{
    unsigned int x0, x1, x2, x3;
};

// One Philox round. Mirrors Philox.Round.
__device__ __forceinline__ void ct_philox_round(unsigned int& c0, unsigned int& c1, unsigned int& c2,
                                                unsigned int& c3, unsigned int k0, unsigned int k1)
{
    unsigned int hi0 = __umulhi(CT_PHILOX_M0, c0);
    unsigned int lo0 = CT_PHILOX_M0 * c0;
    unsigned int hi1 = __umulhi(CT_PHILOX_M1, c2);
    unsigned int lo1 = CT_PHILOX_M1 * c2;
    unsigned int n0 = hi1 ^ c1 ^ k0;
    unsigned int n2 = hi0 ^ c3 ^ k1;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
}

// Philox4x32-10 of counter (c0..c3) under key (k0, k1), as in Random123.
// Mirrors Philox.Compute. Known answer: all zero -> 6627e8d5 e169c58d bc57ac4c 9b00dbd8.
__device__ __forceinline__ ct_philox4 ct_philox4x32_10(unsigned int c0, unsigned int c1, unsigned int c2,
                                                       unsigned int c3, unsigned int k0, unsigned int k1)
{
#pragma unroll
    for (int r = 0; r < 10; ++r)
    {
        if (r != 0)
        {
            k0 += CT_PHILOX_W0;
            k1 += CT_PHILOX_W1;
        }
        ct_philox_round(c0, c1, c2, c3, k0, k1);
    }
    ct_philox4 out;
    out.x0 = c0;
    out.x1 = c1;
    out.x2 = c2;
    out.x3 = c3;
    return out;
}

// Block `block` of the stream of `seed`: counter (lo32(block), hi32(block), 0, 0),
// key (lo32(seed), hi32(seed)). Mirrors Philox.Block.
__device__ __forceinline__ ct_philox4 ct_philox_block(unsigned long long seed, unsigned long long block)
{
    return ct_philox4x32_10((unsigned int)block, (unsigned int)(block >> 32), 0u, 0u,
                            (unsigned int)seed, (unsigned int)(seed >> 32));
}

// Word w (0..3) of a block.
__device__ __forceinline__ unsigned int ct_philox_word(const ct_philox4& b, unsigned int w)
{
    return w == 0u ? b.x0 : w == 1u ? b.x1 : w == 2u ? b.x2 : b.x3;
}

// ------------------------------------------------------------------------------- lane helpers

// u24(x) in [0, 1). Mirrors RandomFill.U24.
__device__ __forceinline__ float ct_u24(unsigned int x)
{
    return __fmul_rn((float)(x >> 8), CT_TWO_POW_M24_F);
}

// u24open(x) in (0, 1]. Mirrors RandomFill.U24Open.
__device__ __forceinline__ float ct_u24_open(unsigned int x)
{
    return __fmul_rn((float)((x >> 8) + 1u), CT_TWO_POW_M24_F);
}

// w64(a, b) = a << 32 | b. Mirrors RandomFill.W64.
__device__ __forceinline__ unsigned long long ct_w64(unsigned int a, unsigned int b)
{
    return ((unsigned long long)a << 32) | (unsigned long long)b;
}

// u53(a, b) in [0, 1). Mirrors RandomFill.U53.
__device__ __forceinline__ double ct_u53(unsigned int a, unsigned int b)
{
    return __dmul_rn((double)(ct_w64(a, b) >> 11), CT_TWO_POW_M53);
}

// u53open(a, b) in (0, 1]. Mirrors RandomFill.U53Open.
__device__ __forceinline__ double ct_u53_open(unsigned int a, unsigned int b)
{
    return __dmul_rn((double)((ct_w64(a, b) >> 11) + 1ull), CT_TWO_POW_M53);
}

// ------------------------------------------------------------------------------- uniform

// Largest float below x (x finite). Mirrors float.BitDecrement as used by RandomFill.Uniform.
__device__ __forceinline__ float ct_bit_decrement_f32(float x)
{
    int bits = __float_as_int(x);
    if ((bits & 0x7fffffff) == 0) return __int_as_float((int)0x80000001); // +-0 -> -denorm_min
    return __int_as_float(bits > 0 ? bits - 1 : bits + 1);
}

// Largest double below x (x finite). Mirrors double.BitDecrement.
__device__ __forceinline__ double ct_bit_decrement_f64(double x)
{
    long long bits = __double_as_longlong(x);
    if ((bits & 0x7fffffffffffffffll) == 0ll) return __longlong_as_double((long long)0x8000000000000001ull);
    return __longlong_as_double(bits > 0ll ? bits - 1ll : bits + 1ll);
}

// Precomputed parameters of a uniform fill, computed once (on the host, or per thread):
// range = high - low, limit = high > low ? BitDecrement(high) : high.
// Mirrors the UniformSampler constructor arguments in RandomFill.Uniform.
struct ct_uniform_f32_params { float low, range, limit; };
struct ct_uniform_f64_params { double low, range, limit; };

__device__ __forceinline__ ct_uniform_f32_params ct_uniform_f32_setup(float low, float high)
{
    ct_uniform_f32_params p;
    p.low = low;
    p.range = __fsub_rn(high, low);
    p.limit = high > low ? ct_bit_decrement_f32(high) : high;
    return p;
}

__device__ __forceinline__ ct_uniform_f64_params ct_uniform_f64_setup(double low, double high)
{
    ct_uniform_f64_params p;
    p.low = low;
    p.range = __dsub_rn(high, low);
    p.limit = high > low ? ct_bit_decrement_f64(high) : high;
    return p;
}

// low + range * u, clamped below high. Mirrors UniformSampler<float>.Map.
__device__ __forceinline__ float ct_uniform_f32_map(ct_uniform_f32_params p, float u)
{
    float v = __fadd_rn(p.low, __fmul_rn(p.range, u));
    return v > p.limit ? p.limit : v;
}

// Mirrors UniformSampler<double>.Map.
__device__ __forceinline__ double ct_uniform_f64_map(ct_uniform_f64_params p, double u)
{
    double v = __dadd_rn(p.low, __dmul_rn(p.range, u));
    return v > p.limit ? p.limit : v;
}

// The 4 float32 uniforms of one block. Mirrors UniformSampler<float>.Write.
__device__ __forceinline__ void ct_uniform_f32_lanes(const ct_philox4& b, ct_uniform_f32_params p, float out[4])
{
    out[0] = ct_uniform_f32_map(p, ct_u24(b.x0));
    out[1] = ct_uniform_f32_map(p, ct_u24(b.x1));
    out[2] = ct_uniform_f32_map(p, ct_u24(b.x2));
    out[3] = ct_uniform_f32_map(p, ct_u24(b.x3));
}

// The 2 float64 uniforms of one block. Mirrors UniformSampler<double>.Write.
__device__ __forceinline__ void ct_uniform_f64_lanes(const ct_philox4& b, ct_uniform_f64_params p, double out[2])
{
    out[0] = ct_uniform_f64_map(p, ct_u53(b.x0, b.x1));
    out[1] = ct_uniform_f64_map(p, ct_u53(b.x2, b.x3));
}

// Element i of RandomFill.Uniform<float>(dst, seed, start_block, low, high).
__device__ __forceinline__ float ct_uniform_f32(unsigned long long seed, unsigned long long start_block,
                                                unsigned long long i, ct_uniform_f32_params p)
{
    ct_philox4 b = ct_philox_block(seed, start_block + (i >> 2));
    return ct_uniform_f32_map(p, ct_u24(ct_philox_word(b, (unsigned int)(i & 3ull))));
}

// Element i of RandomFill.Uniform<double>(dst, seed, start_block, low, high).
__device__ __forceinline__ double ct_uniform_f64(unsigned long long seed, unsigned long long start_block,
                                                 unsigned long long i, ct_uniform_f64_params p)
{
    ct_philox4 b = ct_philox_block(seed, start_block + (i >> 1));
    return (i & 1ull) == 0ull ? ct_uniform_f64_map(p, ct_u53(b.x0, b.x1))
                              : ct_uniform_f64_map(p, ct_u53(b.x2, b.x3));
}

// ------------------------------------------------------------------------------- normal

// Box-Muller on one pair: z0 = r cos t, z1 = r sin t with r = sqrt(-2 log u1), t = Tau * u2.
// Mirrors NormalSampler<float>.BoxMuller (before mean/std are applied).
__device__ __forceinline__ void ct_box_muller_f32(float u1, float u2, float& z0, float& z1)
{
    float r = __fsqrt_rn(__fmul_rn(-2.0f, logf(u1)));
    float t = __fmul_rn(CT_TAU_F, u2);
    float s, c;
    sincosf(t, &s, &c);
    z0 = __fmul_rn(r, c);
    z1 = __fmul_rn(r, s);
}

// Mirrors NormalSampler<double>.BoxMuller (before mean/std are applied).
__device__ __forceinline__ void ct_box_muller_f64(double u1, double u2, double& z0, double& z1)
{
    double r = __dsqrt_rn(__dmul_rn(-2.0, log(u1)));
    double t = __dmul_rn(CT_TAU, u2);
    double s, c;
    sincos(t, &s, &c);
    z0 = __dmul_rn(r, c);
    z1 = __dmul_rn(r, s);
}

// The 4 float32 normals of one block: lanes 0,1 from (x0, x1), lanes 2,3 from (x2, x3).
// Mirrors NormalSampler<float>.Write.
__device__ __forceinline__ void ct_normal_f32_lanes(const ct_philox4& b, float mean, float std, float out[4])
{
    float z0, z1, z2, z3;
    ct_box_muller_f32(ct_u24_open(b.x0), ct_u24(b.x1), z0, z1);
    ct_box_muller_f32(ct_u24_open(b.x2), ct_u24(b.x3), z2, z3);
    out[0] = __fadd_rn(mean, __fmul_rn(std, z0));
    out[1] = __fadd_rn(mean, __fmul_rn(std, z1));
    out[2] = __fadd_rn(mean, __fmul_rn(std, z2));
    out[3] = __fadd_rn(mean, __fmul_rn(std, z3));
}

// The 2 float64 normals of one block: u1 from (x0, x1), u2 from (x2, x3).
// Mirrors NormalSampler<double>.Write.
__device__ __forceinline__ void ct_normal_f64_lanes(const ct_philox4& b, double mean, double std, double out[2])
{
    double z0, z1;
    ct_box_muller_f64(ct_u53_open(b.x0, b.x1), ct_u53(b.x2, b.x3), z0, z1);
    out[0] = __dadd_rn(mean, __dmul_rn(std, z0));
    out[1] = __dadd_rn(mean, __dmul_rn(std, z1));
}

// Element i of RandomFill.Normal<float>(dst, seed, start_block, mean, std).
__device__ __forceinline__ float ct_normal_f32(unsigned long long seed, unsigned long long start_block,
                                               unsigned long long i, float mean, float std)
{
    ct_philox4 b = ct_philox_block(seed, start_block + (i >> 2));
    unsigned int lane = (unsigned int)(i & 3ull);
    unsigned int a = lane < 2u ? b.x0 : b.x2;
    unsigned int c = lane < 2u ? b.x1 : b.x3;
    float z0, z1;
    ct_box_muller_f32(ct_u24_open(a), ct_u24(c), z0, z1);
    return __fadd_rn(mean, __fmul_rn(std, (lane & 1u) == 0u ? z0 : z1));
}

// Element i of RandomFill.Normal<double>(dst, seed, start_block, mean, std).
__device__ __forceinline__ double ct_normal_f64(unsigned long long seed, unsigned long long start_block,
                                                unsigned long long i, double mean, double std)
{
    ct_philox4 b = ct_philox_block(seed, start_block + (i >> 1));
    double z0, z1;
    ct_box_muller_f64(ct_u53_open(b.x0, b.x1), ct_u53(b.x2, b.x3), z0, z1);
    return __dadd_rn(mean, __dmul_rn(std, (i & 1ull) == 0ull ? z0 : z1));
}

// ------------------------------------------------------------------------------- integers

// low + (draw % range) in 64-bit two's complement, where low = (long long)lowBound and
// range = (unsigned long long)(highBound - lowBound) > 0, both computed as in RandomFill.Integers.
// Convert the result to the element type by truncation (as T.CreateTruncating does).
// Mirrors IntegerSampler<T>.Map.
__device__ __forceinline__ long long ct_integer_map(unsigned long long draw, long long low, unsigned long long range)
{
    return (long long)((unsigned long long)low + draw % range);
}

// The 2 integers of one block. Mirrors IntegerSampler<T>.Write.
__device__ __forceinline__ void ct_integer_lanes(const ct_philox4& b, long long low, unsigned long long range,
                                                 long long out[2])
{
    out[0] = ct_integer_map(ct_w64(b.x0, b.x1), low, range);
    out[1] = ct_integer_map(ct_w64(b.x2, b.x3), low, range);
}

// Element i of RandomFill.Integers<T>(dst, seed, start_block, low, high).
__device__ __forceinline__ long long ct_integer(unsigned long long seed, unsigned long long start_block,
                                                unsigned long long i, long long low, unsigned long long range)
{
    ct_philox4 b = ct_philox_block(seed, start_block + (i >> 1));
    unsigned long long draw = (i & 1ull) == 0ull ? ct_w64(b.x0, b.x1) : ct_w64(b.x2, b.x3);
    return ct_integer_map(draw, low, range);
}

// ------------------------------------------------------------------------------- Bernoulli

// 1 iff (x >> 8) < threshold, threshold = RandomFill.BernoulliThreshold(p) = min(ceil(p * 2^24), 2^24),
// which is exactly u24(x) < p. Mirrors BernoulliSampler<T>.Map.
__device__ __forceinline__ bool ct_bernoulli_map(unsigned int x, unsigned int threshold)
{
    return (x >> 8) < threshold;
}

// The 4 Bernoulli draws of one block. Mirrors BernoulliSampler<T>.Write.
__device__ __forceinline__ void ct_bernoulli_lanes(const ct_philox4& b, unsigned int threshold, bool out[4])
{
    out[0] = ct_bernoulli_map(b.x0, threshold);
    out[1] = ct_bernoulli_map(b.x1, threshold);
    out[2] = ct_bernoulli_map(b.x2, threshold);
    out[3] = ct_bernoulli_map(b.x3, threshold);
}

// Element i of RandomFill.Bernoulli(dst, seed, start_block, p).
__device__ __forceinline__ bool ct_bernoulli(unsigned long long seed, unsigned long long start_block,
                                             unsigned long long i, unsigned int threshold)
{
    ct_philox4 b = ct_philox_block(seed, start_block + (i >> 2));
    return ct_bernoulli_map(ct_philox_word(b, (unsigned int)(i & 3ull)), threshold);
}

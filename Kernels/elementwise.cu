// elementwise.cu - the one elementwise template, instantiated for every row of ops.cuh (each kernel calls the row's
// ct_op_<Name>), plus Where, dtype conversion (also the strided copy behind Contiguous) and fill. Compiled once per
// dtype (CT_T = the input type).
// Every kernel comes in four variants named by suffix:
//   _c32 / _c64  every operand contiguous over the same n elements: 32- or 64-bit index;
//   _s32 / _s64  operands strided over a broadcast shape (ct_layout): 32- or 64-bit offsets.
// The host picks _c32/_s32 when n < 2^31 and every offset fits in 32 bits. Grid-stride loops throughout.
#include "ops.cuh"

// ---------------------------------------------------------------------------------- contiguous loops

// The _c32 kernels move CT_VEC consecutive elements per thread and iteration (one 128-bit load of four floats) when
// every pointer is aligned to a whole pack: fewer, wider memory transactions are what reach the copy bandwidth. The
// elements after the last pack, and operands that are not aligned (views at odd offsets), go one at a time. The host
// launches n / CT_VEC threads for these kernels (CudaBackend.ElementsPerThread).
#define CT_VEC 4
template <typename U> struct alignas(sizeof(U) * CT_VEC) ct_pack { U v[CT_VEC]; };

template <typename U> __device__ __forceinline__ bool ct_pack_aligned(const U* p) { return (unsigned long long)p % sizeof(ct_pack<U>) == 0; }

// out[i] = f(in[i]) for i < n.
template <typename Out, typename In, typename F>
__device__ __forceinline__ void ct_map1_c32(Out* __restrict__ out, const In* __restrict__ in, unsigned int n, F f)
{
    unsigned int start = 0;
    if (ct_pack_aligned(out) && ct_pack_aligned(in))
    {
        unsigned int packs = n / CT_VEC;
        CT_LOOP32(j, packs)
        {
            ct_pack<In> x = reinterpret_cast<const ct_pack<In>*>(in)[j];
            ct_pack<Out> r;
#pragma unroll
            for (int k = 0; k < CT_VEC; ++k) r.v[k] = f(x.v[k]);
            reinterpret_cast<ct_pack<Out>*>(out)[j] = r;
        }
        start = packs * CT_VEC;
    }
    for (unsigned int i = start + blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) out[i] = f(in[i]);
}

// out[i] = f(a[i], b[i]) for i < n.
template <typename Out, typename F>
__device__ __forceinline__ void ct_map2_c32(Out* __restrict__ out, const T* __restrict__ a, const T* __restrict__ b, unsigned int n, F f)
{
    unsigned int start = 0;
    if (ct_pack_aligned(out) && ct_pack_aligned(a) && ct_pack_aligned(b))
    {
        unsigned int packs = n / CT_VEC;
        CT_LOOP32(j, packs)
        {
            ct_pack<T> x = reinterpret_cast<const ct_pack<T>*>(a)[j], y = reinterpret_cast<const ct_pack<T>*>(b)[j];
            ct_pack<Out> r;
#pragma unroll
            for (int k = 0; k < CT_VEC; ++k) r.v[k] = f(x.v[k], y.v[k]);
            reinterpret_cast<ct_pack<Out>*>(out)[j] = r;
        }
        start = packs * CT_VEC;
    }
    for (unsigned int i = start + blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) out[i] = f(a[i], b[i]);
}

// A number (fill value, number operand) arrives as a double (floating dtypes) and as a 64-bit integer (integer
// dtypes, exact beyond 2^53).
__device__ __forceinline__ T ct_fill_value(double vd, long long vl)
{
#if CT_IS_FLOAT
    return (T)vd;
#elif CT_IS_BOOL
    return vd != 0.0 ? 1 : 0;
#else
    return (T)vl;
#endif
}

// ---------------------------------------------------------------------------------- unary: out = f(x; p0, p1)

#define CT_UNARY_KERNELS(Name, expr_unused)                                                                           \
    extern "C" __global__ void ct_unary_##Name##_c32(T* __restrict__ out, const T* __restrict__ in, unsigned long long n, \
                                                    double p0d, double p1d, ct_layout L)                              \
    {                                                                                                                 \
        T p0 = ct_param<T>(p0d), p1 = ct_param<T>(p1d); (void)p0; (void)p1;                                           \
        ct_map1_c32(out, in, (unsigned int)n, [=](T x) { return ct_op_##Name(x, p0, p1); });                          \
    }                                                                                                                 \
    extern "C" __global__ void ct_unary_##Name##_c64(T* __restrict__ out, const T* __restrict__ in, unsigned long long n, \
                                                    double p0d, double p1d, ct_layout L)                              \
    {                                                                                                                 \
        T p0 = ct_param<T>(p0d), p1 = ct_param<T>(p1d); (void)p0; (void)p1;                                           \
        CT_LOOP64(i, n) { T x = in[i]; out[i] = ct_op_##Name(x, p0, p1); }                                            \
    }                                                                                                                 \
    extern "C" __global__ void ct_unary_##Name##_s32(T* out, const T* in, unsigned long long n, double p0d, double p1d, ct_layout L) \
    {                                                                                                                 \
        T p0 = ct_param<T>(p0d), p1 = ct_param<T>(p1d); (void)p0; (void)p1;                                           \
        CT_LOOP32(i, n) { int o[2]; ct_offsets32<2>(L, i, o); T x = in[o[1]]; out[o[0]] = ct_op_##Name(x, p0, p1); }  \
    }                                                                                                                 \
    extern "C" __global__ void ct_unary_##Name##_s64(T* out, const T* in, unsigned long long n, double p0d, double p1d, ct_layout L) \
    {                                                                                                                 \
        T p0 = ct_param<T>(p0d), p1 = ct_param<T>(p1d); (void)p0; (void)p1;                                           \
        CT_LOOP64(i, n) { long long o[2]; ct_offsets64<2>(L, i, o); T x = in[o[1]]; out[o[0]] = ct_op_##Name(x, p0, p1); } \
    }

// ---------------------------------------------------------------------------------- binary: out = a op b

#define CT_BINARY_KERNELS_OUT(Name, OutT)                                                                             \
    extern "C" __global__ void ct_binary_##Name##_c32(OutT* __restrict__ out, const T* __restrict__ pa, const T* __restrict__ pb, \
                                                     unsigned long long n, ct_layout L)                               \
    {                                                                                                                 \
        ct_map2_c32(out, pa, pb, (unsigned int)n, [](T a, T b) { return ct_op_##Name(a, b); });                       \
    }                                                                                                                 \
    extern "C" __global__ void ct_binary_##Name##_c64(OutT* __restrict__ out, const T* __restrict__ pa, const T* __restrict__ pb, \
                                                     unsigned long long n, ct_layout L)                               \
    {                                                                                                                 \
        CT_LOOP64(i, n) { T a = pa[i], b = pb[i]; out[i] = ct_op_##Name(a, b); }                                      \
    }                                                                                                                 \
    extern "C" __global__ void ct_binary_##Name##_s32(OutT* out, const T* pa, const T* pb, unsigned long long n, ct_layout L) \
    {                                                                                                                 \
        CT_LOOP32(i, n) { int o[3]; ct_offsets32<3>(L, i, o); T a = pa[o[1]], b = pb[o[2]]; out[o[0]] = ct_op_##Name(a, b); } \
    }                                                                                                                 \
    extern "C" __global__ void ct_binary_##Name##_s64(OutT* out, const T* pa, const T* pb, unsigned long long n, ct_layout L) \
    {                                                                                                                 \
        CT_LOOP64(i, n) { long long o[3]; ct_offsets64<3>(L, i, o); T a = pa[o[1]], b = pb[o[2]]; out[o[0]] = ct_op_##Name(a, b); } \
    }

// out = a op s, or s op a when first != 0, with the number s a kernel argument (x * 2.0, 1 - x): no one-element
// buffer and no fill launch. s arrives as ct_fill's pair (vd, vl) and is converted as ct_fill_value does. Layout
// operands: out, a. No 64-bit contiguous variant: the host takes _s64 over the merged rank-1 layout instead.
#define CT_BINARY_NUMBER_KERNELS_OUT(Name, OutT)                                                                      \
    extern "C" __global__ void ct_binnum_##Name##_c32(OutT* __restrict__ out, const T* __restrict__ pa, unsigned long long n, \
                                                     double vd, long long vl, int first, ct_layout L)                \
    {                                                                                                                 \
        const T s = ct_fill_value(vd, vl);                                                                            \
        if (first) ct_map1_c32(out, pa, (unsigned int)n, [=](T a) { return ct_op_##Name(s, a); });                    \
        else ct_map1_c32(out, pa, (unsigned int)n, [=](T a) { return ct_op_##Name(a, s); });                          \
    }                                                                                                                 \
    extern "C" __global__ void ct_binnum_##Name##_s32(OutT* out, const T* pa, unsigned long long n, double vd, long long vl, int first, ct_layout L) \
    {                                                                                                                 \
        const T s = ct_fill_value(vd, vl);                                                                            \
        CT_LOOP32(i, n) { int o[2]; ct_offsets32<2>(L, i, o); T a = pa[o[1]]; out[o[0]] = first ? ct_op_##Name(s, a) : ct_op_##Name(a, s); } \
    }                                                                                                                 \
    extern "C" __global__ void ct_binnum_##Name##_s64(OutT* out, const T* pa, unsigned long long n, double vd, long long vl, int first, ct_layout L) \
    {                                                                                                                 \
        const T s = ct_fill_value(vd, vl);                                                                            \
        CT_LOOP64(i, n) { long long o[2]; ct_offsets64<2>(L, i, o); T a = pa[o[1]]; out[o[0]] = first ? ct_op_##Name(s, a) : ct_op_##Name(a, s); } \
    }

#define CT_BINARY_KERNELS(Name, expr_unused) CT_BINARY_KERNELS_OUT(Name, T) CT_BINARY_NUMBER_KERNELS_OUT(Name, T)
#define CT_COMPARISON_KERNELS(Name, expr_unused) CT_BINARY_KERNELS_OUT(Name, ct_bool) CT_BINARY_NUMBER_KERNELS_OUT(Name, ct_bool)

// Predicates reuse the unary shape with a Bool output.
#define CT_PREDICATE_KERNELS(Name, expr_unused)                                                                       \
    extern "C" __global__ void ct_predicate_##Name##_c32(ct_bool* __restrict__ out, const T* __restrict__ in, unsigned long long n, ct_layout L) \
    {                                                                                                                 \
        ct_map1_c32(out, in, (unsigned int)n, [](T x) { return ct_op_##Name(x); });                                   \
    }                                                                                                                 \
    extern "C" __global__ void ct_predicate_##Name##_c64(ct_bool* __restrict__ out, const T* __restrict__ in, unsigned long long n, ct_layout L) \
    {                                                                                                                 \
        CT_LOOP64(i, n) { T x = in[i]; out[i] = ct_op_##Name(x); }                                                    \
    }                                                                                                                 \
    extern "C" __global__ void ct_predicate_##Name##_s32(ct_bool* out, const T* in, unsigned long long n, ct_layout L) \
    {                                                                                                                 \
        CT_LOOP32(i, n) { int o[2]; ct_offsets32<2>(L, i, o); T x = in[o[1]]; out[o[0]] = ct_op_##Name(x); }          \
    }                                                                                                                 \
    extern "C" __global__ void ct_predicate_##Name##_s64(ct_bool* out, const T* in, unsigned long long n, ct_layout L) \
    {                                                                                                                 \
        CT_LOOP64(i, n) { long long o[2]; ct_offsets64<2>(L, i, o); T x = in[o[1]]; out[o[0]] = ct_op_##Name(x); }    \
    }

#if !CT_IS_BOOL
CT_UNARY_NUMERIC_OPS(CT_UNARY_KERNELS)
#endif
#if CT_IS_FLOAT
CT_UNARY_FLOAT_OPS(CT_UNARY_KERNELS)
CT_PREDICATE_OPS(CT_PREDICATE_KERNELS)
#endif
CT_BINARY_ARITHMETIC_OPS(CT_BINARY_KERNELS)
CT_BINARY_COMPARISON_OPS(CT_COMPARISON_KERNELS)
#if CT_IS_BOOL
CT_BINARY_LOGICAL_OPS(CT_BINARY_KERNELS)
#endif

// ---------------------------------------------------------------------------------- where: out = cond ? a : b

extern "C" __global__ void ct_where_s32(T* out, const ct_bool* cond, const T* pa, const T* pb, unsigned long long n, ct_layout L)
{
    CT_LOOP32(i, n) { int o[4]; ct_offsets32<4>(L, i, o); out[o[0]] = cond[o[1]] ? pa[o[2]] : pb[o[3]]; }
}

extern "C" __global__ void ct_where_s64(T* out, const ct_bool* cond, const T* pa, const T* pb, unsigned long long n, ct_layout L)
{
    CT_LOOP64(i, n) { long long o[4]; ct_offsets64<4>(L, i, o); out[o[0]] = cond[o[1]] ? pa[o[2]] : pb[o[3]]; }
}

// ---------------------------------------------------------------------------------- conversion and strided copy

// T -> To as the CPU converts: floating to integer truncates toward zero and saturates (NaN -> 0; CUDA's cvt.rzi
// does exactly this), anything to Bool is (x != 0).
template <typename To> __device__ __forceinline__ To ct_convert(T x) { return (To)x; }
template <> __device__ __forceinline__ ct_bool ct_convert<ct_bool>(T x) { return x != (T)0 ? 1 : 0; }

#define CT_CONVERT_KERNELS(Suffix, To)                                                                                \
    extern "C" __global__ void ct_convert_##Suffix##_c32(To* __restrict__ out, const T* __restrict__ in, unsigned long long n, ct_layout L) \
    {                                                                                                                 \
        ct_map1_c32(out, in, (unsigned int)n, [](T x) { return ct_convert<To>(x); });                                 \
    }                                                                                                                 \
    extern "C" __global__ void ct_convert_##Suffix##_c64(To* __restrict__ out, const T* __restrict__ in, unsigned long long n, ct_layout L) \
    {                                                                                                                 \
        CT_LOOP64(i, n) out[i] = ct_convert<To>(in[i]);                                                               \
    }                                                                                                                 \
    extern "C" __global__ void ct_convert_##Suffix##_s32(To* out, const T* in, unsigned long long n, ct_layout L)     \
    {                                                                                                                 \
        CT_LOOP32(i, n) { int o[2]; ct_offsets32<2>(L, i, o); out[o[0]] = ct_convert<To>(in[o[1]]); }                 \
    }                                                                                                                 \
    extern "C" __global__ void ct_convert_##Suffix##_s64(To* out, const T* in, unsigned long long n, ct_layout L)     \
    {                                                                                                                 \
        CT_LOOP64(i, n) { long long o[2]; ct_offsets64<2>(L, i, o); out[o[0]] = ct_convert<To>(in[o[1]]); }           \
    }

CT_CONVERT_KERNELS(f32, float)
CT_CONVERT_KERNELS(f64, double)
CT_CONVERT_KERNELS(i32, int)
CT_CONVERT_KERNELS(i64, long long)
CT_CONVERT_KERNELS(b8, ct_bool)

// ---------------------------------------------------------------------------------- fill


extern "C" __global__ void ct_fill_c64(T* __restrict__ out, unsigned long long n, double vd, long long vl, ct_layout L)
{
    T v = ct_fill_value(vd, vl);
    CT_LOOP64(i, n) out[i] = v;
}

extern "C" __global__ void ct_fill_s64(T* out, unsigned long long n, double vd, long long vl, ct_layout L)
{
    T v = ct_fill_value(vd, vl);
    CT_LOOP64(i, n) { long long o[1]; ct_offsets64<1>(L, i, o); out[o[0]] = v; }
}

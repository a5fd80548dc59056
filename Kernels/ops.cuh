// ops.cuh - THE table of elementwise formulas: one C expression per UnaryOp, BinaryOp and PredicateOp value of
// Managed/Ops/OpKinds.cs, the CUDA counterpart of the CPU's operator structs (Managed/Backends/Cpu/*Operators.cs),
// with the same semantics: NaN propagation, Python and C remainders, rounding divisions, integer pow, Bool as 0/1 bytes.
// Each X(Name, expression) names the enum value exactly; CudaKernels.cs derives kernel names from the enum, so a new
// enum value without an entry here fails the kernel-compile test. Unary expressions read x, p0, p1 (type T);
// binary ones read a, b (type T).
// Every row also becomes a named device function, ct_op_<Name> (end of this file): ct_op_Exp(x, p0, p1),
// ct_op_Add(a, b), ct_op_Lt(a, b) -> ct_bool, ct_op_IsNan(x) -> ct_bool. The elementwise kernels call these, and a
// kernel generator composes them (ct_op_Tanh(ct_op_Mul(a, b), 0, 0)): one formula table, no second copy.
#pragma once
#include "ct_common.cuh"

// ------------------------------------------------------------------------------------------ helpers

template <typename U> __device__ __forceinline__ U ct_abs(U x) { return x < (U)0 ? (U)((U)0 - x) : x; }
__device__ __forceinline__ float ct_abs(float x) { return fabsf(x); }
__device__ __forceinline__ double ct_abs(double x) { return fabs(x); }

template <typename U> __device__ __forceinline__ U ct_sign(U x) { return ct_isnan(x) ? x : x > (U)0 ? (U)1 : x < (U)0 ? (U)-1 : (U)0; }

// min(max(x, lo), hi), NaN passes through, hi wins when lo > hi (ClampOp).
template <typename U> __device__ __forceinline__ U ct_clamp(U x, U lo, U hi) { return ct_isnan(x) ? x : x < lo ? (lo > hi ? hi : lo) : x > hi ? hi : x; }

// x/2 erfc(-x/sqrt 2), computed in double as on the CPU (keeps relative accuracy for negative x).
template <typename U> __device__ __forceinline__ U ct_gelu(U x) { double xd = (double)x; return (U)(0.5 * xd * erfc(-xd * 0.70710678118654752440)); }
template <typename U> __device__ __forceinline__ U ct_gelu_tanh(U x)
{
    return (U)0.5 * x * ((U)1 + tanh((U)0.79788456080286535588 * (x + (U)0.044715 * x * x * x)));
}

// log(1 + exp(beta x)) / beta, x itself above the threshold; evaluated as max(bx, 0) + log1p(exp(-|bx|)) (SoftplusOp).
template <typename U> __device__ __forceinline__ U ct_softplus(U x, U beta, U threshold)
{
    U bx = beta * x;
    if (bx > threshold) return x;
    return ((bx > (U)0 ? bx : (U)0) + log1p(exp(-ct_abs(bx)))) / beta;
}

template <typename U> __device__ __forceinline__ U ct_erf(U x) { return (U)erf((double)x); }

// Integer power by squaring; negative exponents give 0 except for bases 1 and -1 (IntPowOp).
template <typename U> __device__ __forceinline__ U ct_ipow(U a, U b)
{
    if (b < (U)0) return a == (U)1 ? (U)1 : a == (U)-1 ? ((b & (U)1) == (U)0 ? (U)1 : (U)-1) : (U)0;
    U r = 1;
    while (b != (U)0)
    {
        if (b & (U)1) r = (U)(r * a);
        a = (U)(a * a);
        b = (U)(b >> 1);
    }
    return r;
}
template <typename U> __device__ __forceinline__ U ct_pow(U a, U b) { return ct_ipow(a, b); }
__device__ __forceinline__ unsigned char ct_pow(unsigned char a, unsigned char b)
{
    unsigned char r = 1;
    for (; b != 0; b >>= 1, a = (unsigned char)(a * a))
        if (b & 1) r = (unsigned char)(r * a);
    return r;
}
__device__ __forceinline__ float ct_pow(float a, float b) { return b == 2.0f ? a * a : powf(a, b); }
__device__ __forceinline__ double ct_pow(double a, double b) { return pow(a, b); }

// The division family (Managed/Backends/Cpu/DivisionOperators.cs). Integer divisors are never zero (the op layer
// refuses them before launching); x / -1 and x % -1 are spelled out because INT_MIN / -1 overflows: the results are
// the wrapped -x and 0, as on the CPU.
template <typename U> __device__ __forceinline__ U ct_idiv(U a, U b) { return b == (U)-1 ? (U)((U)0 - a) : (U)(a / b); }
template <typename U> __device__ __forceinline__ U ct_irem(U a, U b) { return b == (U)-1 ? (U)0 : (U)(a % b); }
__device__ __forceinline__ unsigned char ct_idiv(unsigned char a, unsigned char b) { return (unsigned char)(a / b); }
__device__ __forceinline__ unsigned char ct_irem(unsigned char a, unsigned char b) { return (unsigned char)(a % b); }

// C remainder, the sign of the dividend (FModOp).
template <typename U> __device__ __forceinline__ U ct_fmod(U a, U b) { return ct_irem(a, b); }
__device__ __forceinline__ float ct_fmod(float a, float b) { return fmodf(a, b); }
__device__ __forceinline__ double ct_fmod(double a, double b) { return fmod(a, b); }

// Python remainder, the sign of the divisor (RemainderOp).
template <typename U> __device__ __forceinline__ U ct_remainder(U a, U b)
{
    U r = ct_fmod(a, b);
    return r != (U)0 && ((r < (U)0) != (b < (U)0)) ? (U)(r + b) : r;
}
__device__ __forceinline__ unsigned char ct_remainder(unsigned char a, unsigned char b) { return (unsigned char)(a % b); }

// Quotient rounded toward zero (TruncDivideOp).
template <typename U> __device__ __forceinline__ U ct_trunc_divide(U a, U b) { return ct_idiv(a, b); }
__device__ __forceinline__ float ct_trunc_divide(float a, float b) { return truncf(a / b); }
__device__ __forceinline__ double ct_trunc_divide(double a, double b) { return trunc(a / b); }

// Python's a // b (FloorDivideOp). Floats: PyTorch's formula, see FloatFloorDivideOp.
template <typename U> __device__ __forceinline__ U ct_floor_divide(U a, U b)
{
    U r = ct_irem(a, b), q = ct_idiv(a, b);
    return r != (U)0 && ((r < (U)0) != (b < (U)0)) ? (U)(q - (U)1) : q;
}
__device__ __forceinline__ unsigned char ct_floor_divide(unsigned char a, unsigned char b) { return (unsigned char)(a / b); }
template <typename F> __device__ __forceinline__ F ct_floor_divide_float(F a, F b)
{
    if (b == (F)0) return a / b;
    F mod = fmod(a, b);
    F div = (a - mod) / b;
    if (mod != (F)0 && ((b < (F)0) != (mod < (F)0))) div -= (F)1;
    if (div == (F)0) return copysign((F)0, a / b);
    F fl = floor(div);
    return div - fl > (F)0.5 ? fl + (F)1 : fl;
}
__device__ __forceinline__ float ct_floor_divide(float a, float b) { return ct_floor_divide_float(a, b); }
__device__ __forceinline__ double ct_floor_divide(double a, double b) { return ct_floor_divide_float(a, b); }

// ------------------------------------------------------------------------------------------ the table

// Valid for every numeric dtype (not Bool).
#define CT_UNARY_NUMERIC_OPS(X)                                   \
    X(Neg, (T)((T)0 - x))                                          \
    X(Abs, ct_abs(x))                                              \
    X(Sign, ct_sign(x))                                            \
    X(Square, (T)(x * x))                                          \
    X(Relu, (x < (T)0 ? (T)0 : x))                                 \
    X(LeakyRelu, (x < (T)0 ? (T)(x * p0) : x))                     \
    X(Clamp, ct_clamp(x, p0, p1))

// Floating dtypes only. sqrt, exp, log, ... are CUDA's accurate overloads for float and double (no fast math).
#define CT_UNARY_FLOAT_OPS(X)                                     \
    X(Sqrt, sqrt(x))                                               \
    X(Rsqrt, ((T)1 / sqrt(x)))                                     \
    X(Reciprocal, ((T)1 / x))                                      \
    X(Exp, exp(x))                                                 \
    X(Exp2, exp2(x))                                               \
    X(Log, log(x))                                                 \
    X(Log2, log2(x))                                               \
    X(Log1p, log1p(x))                                             \
    X(Expm1, expm1(x))                                             \
    X(Sin, sin(x))                                                 \
    X(Cos, cos(x))                                                 \
    X(Tanh, tanh(x))                                               \
    X(Sigmoid, ((T)1 / ((T)1 + exp(-x))))                          \
    X(Gelu, ct_gelu(x))                                            \
    X(GeluTanh, ct_gelu_tanh(x))                                   \
    X(Silu, (x / ((T)1 + exp(-x))))                                \
    X(Softplus, ct_softplus(x, p0, p1))                            \
    X(Erf, ct_erf(x))                                              \
    X(Floor, floor(x))                                             \
    X(Ceil, ceil(x))                                               \
    X(Round, rint(x))                                              \
    X(Trunc, trunc(x))

// Floating dtypes only; Bool output. Integer inputs are answered on the host (always finite, never NaN).
#define CT_PREDICATE_OPS(X)                                       \
    X(IsNan, ct_isnan(x))                                          \
    X(IsInf, ct_isinf(x))                                          \
    X(IsFinite, ct_isfinite(x))

// Every dtype, Bool included (bytes, as the CPU's byte operators). Division of integers truncates.
#define CT_BINARY_ARITHMETIC_OPS(X)                               \
    X(Add, (T)(a + b))                                             \
    X(Sub, (T)(a - b))                                             \
    X(Mul, (T)(a * b))                                             \
    X(Div, (T)(a / b))                                             \
    X(Pow, ct_pow(a, b))                                           \
    X(Maximum, ct_maximum(a, b))                                   \
    X(Minimum, ct_minimum(a, b))                                   \
    X(Remainder, ct_remainder(a, b))                               \
    X(FMod, ct_fmod(a, b))                                         \
    X(TruncDivide, ct_trunc_divide(a, b))                          \
    X(FloorDivide, ct_floor_divide(a, b))

// Every dtype; Bool output.
#define CT_BINARY_COMPARISON_OPS(X)                               \
    X(Eq, (a == b))                                                \
    X(Ne, (a != b))                                                \
    X(Lt, (a < b))                                                 \
    X(Le, (a <= b))                                                \
    X(Gt, (a > b))                                                 \
    X(Ge, (a >= b))

// Bool only (0/1 bytes in and out).
#define CT_BINARY_LOGICAL_OPS(X)                                  \
    X(LogicalAnd, (T)(a & b))                                      \
    X(LogicalOr, (T)(a | b))                                       \
    X(LogicalXor, (T)(a ^ b))

// ------------------------------------------------------------------------------------------ named device functions

// One function per row, defined for the dtypes its kernels exist for (the guards of elementwise.cu): T is the
// program's element type (CT_T). Unary functions take both parameters whether or not the formula reads them.
#define CT_DEFINE_UNARY_OP(Name, expr) \
    __device__ __forceinline__ T ct_op_##Name(T x, T p0, T p1) { (void)p0; (void)p1; return (T)(expr); }
#define CT_DEFINE_BINARY_OP(Name, expr) \
    __device__ __forceinline__ T ct_op_##Name(T a, T b) { return (T)(expr); }
#define CT_DEFINE_COMPARISON_OP(Name, expr) \
    __device__ __forceinline__ ct_bool ct_op_##Name(T a, T b) { return (ct_bool)(expr); }
#define CT_DEFINE_PREDICATE_OP(Name, expr) \
    __device__ __forceinline__ ct_bool ct_op_##Name(T x) { return (ct_bool)(expr); }

#if !CT_IS_BOOL
CT_UNARY_NUMERIC_OPS(CT_DEFINE_UNARY_OP)
#endif
#if CT_IS_FLOAT
CT_UNARY_FLOAT_OPS(CT_DEFINE_UNARY_OP)
CT_PREDICATE_OPS(CT_DEFINE_PREDICATE_OP)
#endif
CT_BINARY_ARITHMETIC_OPS(CT_DEFINE_BINARY_OP)
CT_BINARY_COMPARISON_OPS(CT_DEFINE_COMPARISON_OP)
#if CT_IS_BOOL
CT_BINARY_LOGICAL_OPS(CT_DEFINE_BINARY_OP)
#endif

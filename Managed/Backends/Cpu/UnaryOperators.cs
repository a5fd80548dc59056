using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CudaTensor.Backends.Cpu;

// One operator struct per UnaryOp: the scalar formula, and a span form for contiguous rows: TensorPrimitives, or a lane
// function (VectorLanes, FloatLanes) where TensorPrimitives lacks the op; without AVX-512 those keep the scalar loop.
// Numeric ops are generic over INumber<T> (every dtype), floating ones over IFloatingPointIeee754<T>.

internal readonly struct NegOp<T> : IUnaryOperator<NegOp<T>, T> where T : unmanaged, INumber<T>
{
    public static T Invoke(T x, T p0, T p1) => -x;
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1) => TensorPrimitives.Negate(x, y);
}

internal readonly struct AbsOp<T> : IUnaryOperator<AbsOp<T>, T> where T : unmanaged, INumber<T>
{
    // Wrapping abs (int.MinValue stays itself) rather than throwing, as in C and PyTorch; -0.0 becomes +0.0.
    public static T Invoke(T x, T p0, T p1) => T.IsNegative(x) ? T.Zero - x : x;

    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1)
    {
        // TensorPrimitives.Abs throws on integer MinValue; floats have no such value.
        if (typeof(T) == typeof(float) || typeof(T) == typeof(double)) TensorPrimitives.Abs(x, y);
        else for (int i = 0; i < x.Length; i++) y[i] = Invoke(x[i], p0, p1);
    }
}

internal readonly struct SignOp<T> : IUnaryOperator<SignOp<T>, T> where T : unmanaged, INumber<T>
{
    public static T Invoke(T x, T p0, T p1) => T.IsNaN(x) ? x : x > T.Zero ? T.One : x < T.Zero ? -T.One : T.Zero;

    // Every dtype in lanes (SignLanes); TensorPrimitives.Sign returns int and throws on NaN.
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1)
    {
        if (VectorLanes.IsSupported) VectorLanes.Map<T, SignLanes<T>>(x, y, p0, p1);
        else for (int i = 0; i < x.Length; i++) y[i] = Invoke(x[i], p0, p1);
    }
}

internal readonly struct SquareOp<T> : IUnaryOperator<SquareOp<T>, T> where T : unmanaged, INumber<T>
{
    public static T Invoke(T x, T p0, T p1) => x * x;
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1) => TensorPrimitives.Multiply(x, x, y);
}

internal readonly struct ReluOp<T> : IUnaryOperator<ReluOp<T>, T> where T : unmanaged, INumber<T>
{
    // NaN propagates (NaN > 0 is false but the input is returned), as in PyTorch.
    public static T Invoke(T x, T p0, T p1) => x < T.Zero ? T.Zero : x;
    // Max propagates NaN, like the scalar form.
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1) => TensorPrimitives.Max(x, T.Zero, y);
}

internal readonly struct LeakyReluOp<T> : IUnaryOperator<LeakyReluOp<T>, T> where T : unmanaged, INumber<T>
{
    public static T Invoke(T x, T slope, T p1) => x < T.Zero ? x * slope : x;

    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T slope, T p1)
    {
        if (VectorLanes.IsSupported) VectorLanes.Map<T, LeakyReluLanes<T>>(x, y, slope, p1);
        else for (int i = 0; i < x.Length; i++) y[i] = Invoke(x[i], slope, p1);
    }
}

internal readonly struct ClampOp<T> : IUnaryOperator<ClampOp<T>, T> where T : unmanaged, INumber<T>
{
    // min(max(x, lo), hi) with NaN passing through; hi wins when lo > hi, as in PyTorch.
    public static T Invoke(T x, T lo, T hi) => T.IsNaN(x) ? x : x < lo ? (lo > hi ? hi : lo) : x > hi ? hi : x;

    // min(max(x, lo), hi): NaN-propagating Max/Min keep NaN, and hi wins when lo > hi, like the scalar form.
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T lo, T hi)
    {
        TensorPrimitives.Max(x, lo, y);
        TensorPrimitives.Min(y, hi, y);
    }
}

internal readonly struct SqrtOp<T> : IUnaryOperator<SqrtOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T p0, T p1) => T.Sqrt(x);
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1) => TensorPrimitives.Sqrt(x, y);
}

internal readonly struct RsqrtOp<T> : IUnaryOperator<RsqrtOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T p0, T p1) => T.One / T.Sqrt(x);
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1) => TensorPrimitives.ReciprocalSqrt(x, y);
}

internal readonly struct ReciprocalOp<T> : IUnaryOperator<ReciprocalOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T p0, T p1) => T.One / x;
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1) => TensorPrimitives.Reciprocal(x, y);
}

internal readonly struct ExpOp<T> : IUnaryOperator<ExpOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T p0, T p1) => T.Exp(x);

    // Float32 rows in float lanes (FloatExp): TensorPrimitives evaluates float exp in double lanes, half as many per vector.
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1)
    {
        if (typeof(T) == typeof(float) && FloatExp.IsSupported) FloatExp.Invoke(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y));
        else TensorPrimitives.Exp(x, y);
    }
}

internal readonly struct LogOp<T> : IUnaryOperator<LogOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T p0, T p1) => T.Log(x);
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1) => TensorPrimitives.Log(x, y);
}

internal readonly struct Exp2Op<T> : IUnaryOperator<Exp2Op<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T p0, T p1) => T.Exp2(x);

    // Element by element: TensorPrimitives.Exp2 is 1 ulp off at integer arguments (2^0 = 1.0000001f, 2^3 =
    // 7.999999999999998), and torch.exp2 gives powers of two exactly, as C's exp2 does.
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1)
    {
        for (int i = 0; i < x.Length; i++) y[i] = T.Exp2(x[i]);
    }
}

internal readonly struct Log2Op<T> : IUnaryOperator<Log2Op<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T p0, T p1) => T.Log2(x);
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1) => TensorPrimitives.Log2(x, y);
}

internal readonly struct Log1pOp<T> : IUnaryOperator<Log1pOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // T.LogP1 is log(x + 1) computed naively; use the accurate formulation for small x:
    // log(u) · x / (u - 1) with u = 1 + x cancels the rounding error of u. The quotient is formed first so that
    // x near the top of the range does not overflow, and u = ∞ (x = ∞) gives ∞ rather than ∞/∞.
    public static T Invoke(T x, T p0, T p1)
    {
        T u = T.One + x;
        if (u == T.One) return x;
        if (T.IsPositiveInfinity(u)) return u;
        return T.Log(u) / (u - T.One) * x;
    }

    // The same formula in float64 lanes (Log1pLanes); float32 rows widened to them.
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1)
    {
        if (!VectorLanes.TryMapFloating<T, Log1pLanes>(x, y, p0, p1)) for (int i = 0; i < x.Length; i++) y[i] = Invoke(x[i], p0, p1);
    }
}

internal readonly struct Expm1Op<T> : IUnaryOperator<Expm1Op<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // exp(x) - 1 without cancellation for small x (Kahan's trick).
    // The quotient x / log(u) is near 1, so forming it first keeps um1 · (x / log u) from overflowing when
    // e^x is near the top of the range; u = ∞ returns ∞ rather than ∞/∞.
    public static T Invoke(T x, T p0, T p1)
    {
        T u = T.Exp(x);
        if (u == T.One) return x;
        if (T.IsPositiveInfinity(u)) return u;
        T um1 = u - T.One;
        return um1 == -T.One ? -T.One : um1 * (x / T.Log(u));
    }

    // The same formula in float64 lanes (Expm1Lanes); float32 rows widened to them.
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1)
    {
        if (!VectorLanes.TryMapFloating<T, Expm1Lanes>(x, y, p0, p1)) for (int i = 0; i < x.Length; i++) y[i] = Invoke(x[i], p0, p1);
    }
}

internal readonly struct SinOp<T> : IUnaryOperator<SinOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T p0, T p1) => T.Sin(x);
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1) => TensorPrimitives.Sin(x, y);
}

internal readonly struct CosOp<T> : IUnaryOperator<CosOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T p0, T p1) => T.Cos(x);
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1) => TensorPrimitives.Cos(x, y);
}

internal readonly struct TanhOp<T> : IUnaryOperator<TanhOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T p0, T p1) => T.Tanh(x);

    // Float32 rows in float lanes (FloatTanh, 2.5 ulp): TensorPrimitives computes float tanh element by element.
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1)
    {
        if (typeof(T) == typeof(float) && FloatTanh.IsSupported) FloatLanes.Map<FloatTanh>(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y));
        else TensorPrimitives.Tanh(x, y);
    }
}

internal readonly struct SigmoidOp<T> : IUnaryOperator<SigmoidOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T p0, T p1) => T.One / (T.One + T.Exp(-x));

    // Float32 rows in float lanes (FloatSigmoid, 2.2 ulp): TensorPrimitives evaluates float sigmoid in double lanes.
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1)
    {
        if (typeof(T) == typeof(float) && FloatSigmoid.IsSupported) FloatLanes.Map<FloatSigmoid>(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y));
        else TensorPrimitives.Sigmoid(x, y);
    }
}

internal readonly struct GeluOp<T> : IUnaryOperator<GeluOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const double InvSqrt2 = 0.70710678118654752440;

    // x/2 · erfc(-x/√2) = x/2 · (1 + erf(x/√2)), evaluated in double whatever T is: for negative x, erfc keeps full
    // relative accuracy where 1 + erf(x/√2) would cancel (x = -3 loses 9 bits that way, x = -5 loses 19).
    public static T Invoke(T x, T p0, T p1)
    {
        double xd = double.CreateChecked(x);
        return T.CreateChecked(0.5 * xd * SpecialFunctions.Erfc(-xd * InvSqrt2));
    }

    // Float32 rows: vectorized in float lanes (see GeluFloat); Float64 keeps the scalar double formula above.
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1)
    {
        if (typeof(T) == typeof(float) && Avx512F.IsSupported && Avx512DQ.IsSupported)
        {
            GeluFloat.Invoke(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y));
            return;
        }
        for (int i = 0; i < x.Length; i++) y[i] = Invoke(x[i], p0, p1);
    }
}

internal readonly struct GeluTanhOp<T> : IUnaryOperator<GeluTanhOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly T Sqrt2OverPi = T.CreateChecked(0.79788456080286535588);
    private static readonly T Cubic = T.CreateChecked(0.044715);
    private static readonly T Half = T.CreateChecked(0.5);

    public static T Invoke(T x, T p0, T p1) => Half * x * (T.One + T.Tanh(Sqrt2OverPi * (x + Cubic * x * x * x)));

    // x / (1 + e^(-2z)) in lanes, the same function without the cancellation of 1 + tanh(z) (see GeluTanhLanes):
    // float32 in float lanes with FloatExp, float64 in double lanes.
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1)
    {
        if (typeof(T) == typeof(float) && FloatExp.IsSupported)
            FloatLanes.Map<GeluTanhFloat>(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y));
        else if (typeof(T) == typeof(double) && VectorLanes.IsSupported)
            VectorLanes.Map<double, GeluTanhLanes>(MemoryMarshal.Cast<T, double>(x), MemoryMarshal.Cast<T, double>(y), 0, 0);
        else for (int i = 0; i < x.Length; i++) y[i] = Invoke(x[i], p0, p1);
    }
}

internal readonly struct SiluOp<T> : IUnaryOperator<SiluOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T p0, T p1) => x / (T.One + T.Exp(-x));

    // Float32 rows in float lanes (FloatSilu); otherwise sigmoid(x) · x with the vectorized sigmoid, in stack-sized
    // chunks (y may be x itself, so it cannot hold the sigmoid).
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1)
    {
        if (typeof(T) == typeof(float) && FloatSigmoid.IsSupported)
        {
            FloatLanes.Map<FloatSilu>(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y));
            return;
        }
        Span<T> s = stackalloc T[Math.Min(x.Length, 512)];
        for (int i = 0; i < x.Length; i += s.Length)
        {
            int n = Math.Min(s.Length, x.Length - i);
            TensorPrimitives.Sigmoid(x.Slice(i, n), s[..n]);
            TensorPrimitives.Multiply(x.Slice(i, n), s[..n], y.Slice(i, n));
        }
    }
}

internal readonly struct SoftplusOp<T> : IUnaryOperator<SoftplusOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // log(1 + exp(beta x)) / beta, and x itself once beta x exceeds the threshold (PyTorch's definition).
    // Evaluated as max(bx, 0) + log1p(exp(-|bx|)), which equals it but cannot overflow for a large threshold.
    public static T Invoke(T x, T beta, T threshold)
    {
        T bx = beta * x;
        if (bx > threshold) return x;
        return (T.Max(bx, T.Zero) + Log1pOp<T>.Invoke(T.Exp(-T.Abs(bx)), T.Zero, T.Zero)) / beta;
    }

    // The same formula in float64 lanes (SoftplusLanes); float32 rows widened to them.
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T beta, T threshold)
    {
        if (!VectorLanes.TryMapFloating<T, SoftplusLanes>(x, y, beta, threshold)) for (int i = 0; i < x.Length; i++) y[i] = Invoke(x[i], beta, threshold);
    }
}

internal readonly struct ErfOp<T> : IUnaryOperator<ErfOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // ±0 returns itself: erf is odd, and C, CUDA and PyTorch give erf(-0) = -0 (the series would sum to +0).
    public static T Invoke(T x, T p0, T p1) => x == T.Zero ? x : T.CreateChecked(SpecialFunctions.Erf(double.CreateChecked(x)));

    // msun's rational approximations in float64 lanes (ErfLanes), within an ulp like the series above but without
    // their loops; float32 rows widened to them.
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1)
    {
        if (!VectorLanes.TryMapFloating<T, ErfLanes>(x, y, p0, p1)) for (int i = 0; i < x.Length; i++) y[i] = Invoke(x[i], p0, p1);
    }
}

internal readonly struct FloorOp<T> : IUnaryOperator<FloorOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T p0, T p1) => T.Floor(x);
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1) => TensorPrimitives.Floor(x, y);
}

internal readonly struct CeilOp<T> : IUnaryOperator<CeilOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T p0, T p1) => T.Ceiling(x);
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1) => TensorPrimitives.Ceiling(x, y);
}

internal readonly struct RoundOp<T> : IUnaryOperator<RoundOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // Half to even, as torch.round.
    public static T Invoke(T x, T p0, T p1) => T.Round(x, MidpointRounding.ToEven);
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1) => TensorPrimitives.Round(x, MidpointRounding.ToEven, y);
}

internal readonly struct TruncOp<T> : IUnaryOperator<TruncOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T p0, T p1) => T.Truncate(x);
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1) => TensorPrimitives.Truncate(x, y);
}

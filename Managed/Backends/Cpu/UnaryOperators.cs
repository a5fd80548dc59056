using System.Numerics;
using System.Numerics.Tensors;

namespace CudaTensor.Backends.Cpu;

// One operator struct per UnaryOp: the scalar formula, and a TensorPrimitives span form where one exists.
// Numeric ops are generic over INumber<T> (every dtype), floating ones over IFloatingPointIeee754<T>.

internal readonly struct NegOp<T> : IUnaryOperator<NegOp<T>, T> where T : unmanaged, INumber<T>
{
    public static T Invoke(T x, T p0, T p1) => -x;
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1) => TensorPrimitives.Negate(x, y);
}

internal readonly struct AbsOp<T> : IUnaryOperator<AbsOp<T>, T> where T : unmanaged, INumber<T>
{
    // Wrapping abs (int.MinValue stays itself) rather than throwing, as in C and PyTorch.
    public static T Invoke(T x, T p0, T p1) => x < T.Zero ? T.Zero - x : x;
}

internal readonly struct SignOp<T> : IUnaryOperator<SignOp<T>, T> where T : unmanaged, INumber<T>
{
    public static T Invoke(T x, T p0, T p1) => T.IsNaN(x) ? x : x > T.Zero ? T.One : x < T.Zero ? -T.One : T.Zero;
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
}

internal readonly struct LeakyReluOp<T> : IUnaryOperator<LeakyReluOp<T>, T> where T : unmanaged, INumber<T>
{
    public static T Invoke(T x, T slope, T p1) => x < T.Zero ? x * slope : x;
}

internal readonly struct ClampOp<T> : IUnaryOperator<ClampOp<T>, T> where T : unmanaged, INumber<T>
{
    // min(max(x, lo), hi) with NaN passing through; hi wins when lo > hi, as in PyTorch.
    public static T Invoke(T x, T lo, T hi) => T.IsNaN(x) ? x : x < lo ? (lo > hi ? hi : lo) : x > hi ? hi : x;
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
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1) => TensorPrimitives.Exp(x, y);
}

internal readonly struct LogOp<T> : IUnaryOperator<LogOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T p0, T p1) => T.Log(x);
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1) => TensorPrimitives.Log(x, y);
}

internal readonly struct Log1pOp<T> : IUnaryOperator<Log1pOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // T.LogP1 is log(x + 1) computed naively; use the accurate formulation for small x.
    public static T Invoke(T x, T p0, T p1)
    {
        T u = T.One + x;
        return u == T.One ? x : T.Log(u) * x / (u - T.One);
    }
}

internal readonly struct Expm1Op<T> : IUnaryOperator<Expm1Op<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // exp(x) - 1 without cancellation for small x (Kahan's trick).
    public static T Invoke(T x, T p0, T p1)
    {
        T u = T.Exp(x);
        if (u == T.One) return x;
        T um1 = u - T.One;
        return um1 == -T.One ? -T.One : um1 * x / T.Log(u);
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
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1) => TensorPrimitives.Tanh(x, y);
}

internal readonly struct SigmoidOp<T> : IUnaryOperator<SigmoidOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T p0, T p1) => T.One / (T.One + T.Exp(-x));
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1) => TensorPrimitives.Sigmoid(x, y);
}

internal readonly struct GeluOp<T> : IUnaryOperator<GeluOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly T InvSqrt2 = T.CreateChecked(0.70710678118654752440);
    private static readonly T Half = T.CreateChecked(0.5);

    public static T Invoke(T x, T p0, T p1) => x * Half * (T.One + T.CreateChecked(SpecialFunctions.Erf(double.CreateChecked(x * InvSqrt2))));
}

internal readonly struct GeluTanhOp<T> : IUnaryOperator<GeluTanhOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly T Sqrt2OverPi = T.CreateChecked(0.79788456080286535588);
    private static readonly T Cubic = T.CreateChecked(0.044715);
    private static readonly T Half = T.CreateChecked(0.5);

    public static T Invoke(T x, T p0, T p1) => Half * x * (T.One + T.Tanh(Sqrt2OverPi * (x + Cubic * x * x * x)));
}

internal readonly struct SiluOp<T> : IUnaryOperator<SiluOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T p0, T p1) => x / (T.One + T.Exp(-x));
}

internal readonly struct SoftplusOp<T> : IUnaryOperator<SoftplusOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // log(1 + exp(beta x)) / beta, and x itself once beta x exceeds the threshold (PyTorch's definition).
    public static T Invoke(T x, T beta, T threshold)
    {
        T bx = beta * x;
        return bx > threshold ? x : Log1pOp<T>.Invoke(T.Exp(bx), T.Zero, T.Zero) / beta;
    }
}

internal readonly struct ErfOp<T> : IUnaryOperator<ErfOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T p0, T p1) => T.CreateChecked(SpecialFunctions.Erf(double.CreateChecked(x)));
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
}

internal readonly struct TruncOp<T> : IUnaryOperator<TruncOp<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T p0, T p1) => T.Truncate(x);
    public static void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1) => TensorPrimitives.Truncate(x, y);
}

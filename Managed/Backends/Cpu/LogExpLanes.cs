using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CudaTensor.Backends.Cpu;

// log1p, expm1 and softplus in float64 lanes, by the same cancellation-free formulas as their scalar operators, with
// DoubleExp and Vector512.Log (the vectorized exp and log that TensorPrimitives uses, within about an ulp) in place of
// Math's. Vector512.Log handles zero, negative, subnormal and non-finite lanes by selects, lane by lane.
// Float32 rows are widened to these (VectorLanes.MapWidened), which makes them correctly rounded in practice.

/// <summary>
/// e^x in float64 lanes by <see cref="Vector512.Exp(Vector512{double})"/>, with every lane kept in that function's
/// vector range. Vector512.Exp evaluates a whole vector element by element with Math.Exp as soon as one lane exceeds
/// |x| = 708 (or is NaN or ±∞), which would make a lane's result (by an ulp) depend on its neighbours. Here
/// |x| &gt; 708 is evaluated as e^(x ∓ 354)·e^(±354) (x ∓ 354 is exact there; about 2 ulp in all, overflowing to +∞ and
/// underflowing to 0 as e^x does), arguments are clamped to ±708 past that, and NaN is passed around the call.
/// </summary>
internal static class DoubleExp
{
    // e^354 and e^-354 correctly rounded (from a 60-digit evaluation); constants, not static fields, so that the
    // JIT needs no class-initialization check in the loop.
    private const double E354 = 5.498529934697141e+153, EMinus354 = 1.818667920110323e-154;

    private const double Limit = 708;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Invoke(Vector512<double> x)
    {
        // The common case as is; NaN fails the comparison. Both paths give an in-range lane the same bits.
        if (Vector512.LessThanOrEqualAll(Vector512.Abs(x), Vector512.Create(Limit))) return Vector512.Exp(x);
        return OutOfRange(x);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector512<double> OutOfRange(Vector512<double> x)
    {
        var limit = Vector512.Create(Limit);
        var isNumber = Vector512.Equals(x, x);
        var xs = Vector512.ConditionalSelect(isNumber, x, Vector512<double>.Zero);
        var hi = Vector512.GreaterThan(xs, limit);
        var lo = Vector512.LessThan(xs, -limit);
        var shifted = Vector512.ConditionalSelect(hi, xs - Vector512.Create(354.0), Vector512.ConditionalSelect(lo, xs + Vector512.Create(354.0), xs));
        var r = Vector512.Exp(Vector512.MinNative(Vector512.MaxNative(shifted, -limit), limit));
        r *= Vector512.ConditionalSelect(hi, Vector512.Create(E354), Vector512.ConditionalSelect(lo, Vector512.Create(EMinus354), Vector512<double>.One));
        return Vector512.ConditionalSelect(isNumber, r, x);
    }
}

/// <summary>
/// log(1 + x) as <see cref="Log1pOp{T}"/>: log(u)/(u - 1)·x with u = 1 + x, whose rounding errors cancel (Goldberg,
/// "What every computer scientist should know about floating-point arithmetic", theorem 4); u = 1 gives x (-0 and
/// subnormals included), u = +∞ gives +∞; x = -1 gives -∞ and x &lt; -1 NaN through the log.
/// </summary>
internal readonly struct Log1pLanes : ILaneFunction<double>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Invoke(Vector512<double> x, Vector512<double> p0, Vector512<double> p1)
    {
        var u = Vector512<double>.One + x;
        var r = Vector512.Log(u) / (u - Vector512<double>.One) * x;
        r = Vector512.ConditionalSelect(Vector512.Equals(u, Vector512.Create(double.PositiveInfinity)), u, r);
        return Vector512.ConditionalSelect(Vector512.Equals(u, Vector512<double>.One), x, r);
    }
}

/// <summary>
/// e^x - 1 as <see cref="Expm1Op{T}"/> (Kahan's trick): (u - 1)·(x / log u) with u = e^x; u = 1 gives x, u = +∞
/// gives +∞, u - 1 = -1 (x below about -37, and -∞) gives -1. The quotient x / log u is near 1, so it is formed first.
/// </summary>
internal readonly struct Expm1Lanes : ILaneFunction<double>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Invoke(Vector512<double> x, Vector512<double> p0, Vector512<double> p1)
    {
        var u = DoubleExp.Invoke(x);
        var um1 = u - Vector512<double>.One;
        var r = um1 * (x / Vector512.Log(u));
        r = Vector512.ConditionalSelect(Vector512.Equals(um1, Vector512.Create(-1.0)), Vector512.Create(-1.0), r);
        r = Vector512.ConditionalSelect(Vector512.Equals(u, Vector512.Create(double.PositiveInfinity)), u, r);
        return Vector512.ConditionalSelect(Vector512.Equals(u, Vector512<double>.One), x, r);
    }
}

/// <summary>
/// softplus(x) = (max(βx, 0) + log1p(e^(-|βx|)))/β, and x itself where βx exceeds the threshold, as
/// <see cref="SoftplusOp{T}"/> (β = p0, threshold = p1). For float32 rows βx is formed exactly in double where the
/// scalar form rounds it to float; the two pick differently only where that rounding crosses the threshold, and there
/// both results agree to e^-threshold relative.
/// </summary>
internal readonly struct SoftplusLanes : ILaneFunction<double>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Invoke(Vector512<double> x, Vector512<double> beta, Vector512<double> threshold)
    {
        var t = beta * x;
        var e = DoubleExp.Invoke(-Vector512.Abs(t));
        // log1p(e) for e in [0, 1]: u ≤ 2, never infinite.
        var u = Vector512<double>.One + e;
        var l = Vector512.ConditionalSelect(Vector512.Equals(u, Vector512<double>.One), e, Vector512.Log(u) / (u - Vector512<double>.One) * e);
        // max(βx, 0) by a select (Vector512.Max orders -0 and NaN the IEEE way, at several times the cost; l is NaN for
        // a NaN βx and the sign of a zero βx is lost in the sum).
        var r = (Vector512.ConditionalSelect(Vector512.GreaterThan(t, Vector512<double>.Zero), t, Vector512<double>.Zero) + l) / beta;
        return Vector512.ConditionalSelect(Vector512.GreaterThan(t, threshold), x, r);
    }
}

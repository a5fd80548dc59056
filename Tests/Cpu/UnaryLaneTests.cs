using System.Numerics;
using CudaTensor.Backends.Cpu;
using CudaTensor.Tests.Ops;
using NUnit.Framework;

namespace CudaTensor.Tests.Cpu;

/// <summary>
/// The vector span forms of Sign, LeakyRelu, Log1p, Expm1, GeluTanh, Softplus and Erf against their scalar forms (the
/// oracle) and the exact references of <see cref="ElementwiseUnaryTests"/>: random values across each range plus the edge
/// values, in rows of every length from 1 to 100 (every tail), in place and out of place, and each element alone,
/// which must give the bits it gets inside a row.
/// </summary>
[TestFixture]
public sealed class UnaryLaneTests
{
    [SetUp]
    public void RequireVectors()
    {
        if (!VectorLanes.IsSupported) Assert.Ignore("Without AVX-512 the span forms are the scalar loops themselves.");
    }

    private static readonly double[] Edges =
    [
        double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, double.Epsilon, -double.Epsilon,
        1e-310, -1e-310, 2.2250738585072014e-308, 1e-300, -1e-300, 1e-17, -1e-17, 3e-8, -3e-8, 1, -1, 0.5, -0.5,
        double.MaxValue, -double.MaxValue, 1e300, -1e300, 3e38, -3e38, 1e20, -1e20,
        0.84375, -0.84375, 1.25, -1.25, 2.857142857142857, 2.8571428571428577, 6, -6, 5.999999, 28, -28,
        -0.999999, -1.0000001, 88.5, 89, 709.7, 710, -37, -38, -745, -800, 20, 20.000001, 19.99999, 2.5, -5.6, -13, 100,
        float.Epsilon, 1e-40, -1e-40, 1.1754944e-38,
    ];

    private static double[] RandomValues(int seed, double lo, double hi, int count)
    {
        var rng = new Random(seed);
        var v = new double[count];
        for (int i = 0; i < count; i++)
        {
            // Half uniform over the range, half log-uniform magnitudes (tiny to large) of either sign, clipped to it.
            v[i] = i % 2 == 0 ? lo + (hi - lo) * rng.NextDouble()
                : Math.Clamp((rng.Next(2) == 0 ? -1 : 1) * Math.Pow(10, -20 + 22 * rng.NextDouble()), lo, hi);
        }
        return v;
    }

    // ---- float operators: vector vs the float64 scalar form (and, for float32, vs the float32 scalar form) ----

    public sealed record FloatCase(string Name, Func<double, double, double, double> Scalar64, Func<float, float, float, float> Scalar32,
        SpanForm<double> Vector64, SpanForm<float> Vector32, double Lo, double Hi, double Rtol64, double Atol64, double Rtol32, double Atol32,
        double P0 = 0, double P1 = 0)
    {
        /// <inheritdoc/>
        public override string ToString() => Name;
    }

    /// <summary>An operator's span form.</summary>
    public delegate void SpanForm<T>(ReadOnlySpan<T> x, Span<T> y, T p0, T p1);

    private static FloatCase Case<TOp64, TOp32>(string name, double lo, double hi, double rtol64, double atol64, double rtol32, double atol32, double p0 = 0, double p1 = 0)
        where TOp64 : IUnaryOperator<TOp64, double> where TOp32 : IUnaryOperator<TOp32, float>
        => new(name, TOp64.Invoke, TOp32.Invoke, TOp64.Invoke, TOp32.Invoke, lo, hi, rtol64, atol64, rtol32, atol32, p0, p1);

    // Bounds: ElementwiseUnaryTests' (Log1p, Expm1 1e-15 in float64 and 1.2e-7 in float32, Erf 1e-15; the rest 1e-13 / 1e-14
    // in float64); in float32, against the float64 formula rounded to float, 1.2e-7 (an ulp) for the widened ones and
    // 4e-7 with 1e-6 absolute (as the float32 GeluTanh bound) for GeluTanh's float lanes.
    private static readonly FloatCase[] FloatCases =
    [
        Case<Log1pOp<double>, Log1pOp<float>>("Log1p", -1, 1e6, 1e-15, 0, 1.2e-7, 0),
        Case<Expm1Op<double>, Expm1Op<float>>("Expm1", -50, 80, 1e-15, 0, 1.2e-7, 0),
        Case<ErfOp<double>, ErfOp<float>>("Erf", -7, 7, 1e-15, 1e-300, 1.2e-7, 0),
        Case<GeluTanhOp<double>, GeluTanhOp<float>>("GeluTanh", -12, 12, 1e-13, 1e-14, 4e-7, 1e-6),
        Case<SoftplusOp<double>, SoftplusOp<float>>("Softplus", -60, 60, 1e-13, 1e-14, 1.2e-7, 0, 1, 20),
        Case<SoftplusOp<double>, SoftplusOp<float>>("Softplus(2,5)", -30, 30, 1e-13, 1e-14, 1.2e-7, 0, 2, 5),
        Case<SoftplusOp<double>, SoftplusOp<float>>("Softplus(0.5,1000)", -300, 300, 1e-13, 1e-14, 1.2e-7, 0, 0.5, 1000),
    ];

    private static bool Close(double got, double expected, double rtol, double atol)
    {
        if (double.IsNaN(expected) || double.IsNaN(got)) return double.IsNaN(expected) && double.IsNaN(got);
        if (double.IsInfinity(expected) || double.IsInfinity(got)) return got == expected;
        return Math.Abs(got - expected) <= atol + rtol * Math.Abs(expected);
    }

    // NaN, infinities and signed zeros in, the scalar form's value out, bit for bit (NaN as NaN).
    private static bool SameSpecial(double x, double got, double expected)
        => !(double.IsNaN(x) || double.IsInfinity(x) || x == 0) || (double.IsNaN(got) && double.IsNaN(expected))
            || BitConverter.DoubleToInt64Bits(got) == BitConverter.DoubleToInt64Bits(expected);

    [TestCaseSource(nameof(FloatCases))]
    public void Float64LanesMatchTheScalarForm(FloatCase op)
    {
        ArgumentNullException.ThrowIfNull(op);
        var values = RandomValues(op.Name.Length, op.Lo, op.Hi, 4000).Concat(Edges).ToArray();
        var (worst, worstX) = (0.0, 0.0);
        for (int length = 1; length <= 100; length++)
        {
            for (int start = 0; start + length <= values.Length; start += 997 + length)
            {
                var x = values.AsSpan(start, length).ToArray();
                var y = new double[length];
                op.Vector64(x, y, op.P0, op.P1);
                for (int i = 0; i < length; i++)
                {
                    double e = op.Scalar64(x[i], op.P0, op.P1);
                    if (!Close(y[i], e, op.Rtol64, op.Atol64) || !SameSpecial(x[i], y[i], e))
                        Assert.Fail($"{op.Name} float64 at x = {x[i]:R} (length {length}): scalar {e:R}, vector {y[i]:R}");
                    if (Math.Abs(e) > 1e-10 && double.IsFinite(e) && Math.Abs(y[i] - e) / Math.Abs(e) > worst) (worst, worstX) = (Math.Abs(y[i] - e) / Math.Abs(e), x[i]);
                }
                AssertPositionFree(op.Vector64, x, y, op.P0, op.P1);
            }
        }
        // Every value once more in one long row (the vector loop rather than the tail).
        var all = new double[values.Length];
        op.Vector64(values, all, op.P0, op.P1);
        for (int i = 0; i < values.Length; i++)
            Assert.That(Close(all[i], op.Scalar64(values[i], op.P0, op.P1), op.Rtol64, op.Atol64), $"{op.Name} float64 at x = {values[i]:R}");
        TestContext.Out.WriteLine($"{op.Name} float64: worst relative difference from the scalar form {worst:E2} at x = {worstX:R}");
    }

    [TestCaseSource(nameof(FloatCases))]
    public void Float32LanesMatchTheFloat64FormRounded(FloatCase op)
    {
        ArgumentNullException.ThrowIfNull(op);
        var values = RandomValues(op.Name.Length + 7, op.Lo, op.Hi, 4000).Concat(Edges).Select(v => (float)v).ToArray();
        float p0 = (float)op.P0, p1 = (float)op.P1;
        var (worst, worstX) = (0.0, 0f);
        for (int length = 1; length <= 100; length++)
        {
            for (int start = 0; start + length <= values.Length; start += 997 + length)
            {
                var x = values.AsSpan(start, length).ToArray();
                var y = new float[length];
                op.Vector32(x, y, p0, p1);
                for (int i = 0; i < length; i++)
                {
                    double exact = (float)op.Scalar64(x[i], p0, p1);
                    float scalar = op.Scalar32(x[i], p0, p1);
                    if (!Close(y[i], exact, op.Rtol32, op.Atol32) || !SameSpecial(x[i], y[i], scalar))
                        Assert.Fail($"{op.Name} float32 at x = {x[i]:R} (length {length}): float64 form {exact:R}, vector {y[i]:R}");
                    // The float32 scalar form itself is only held to ElementwiseUnaryTests' general float32 bound.
                    if (!Close(y[i], scalar, 4e-6, 1e-6))
                        Assert.Fail($"{op.Name} float32 at x = {x[i]:R}: scalar float32 form {scalar:R}, vector {y[i]:R}");
                    if (Math.Abs(exact) > 1e-10 && double.IsFinite(exact) && Math.Abs(y[i] - exact) / Math.Abs(exact) > worst) (worst, worstX) = (Math.Abs(y[i] - exact) / Math.Abs(exact), x[i]);
                }
                AssertPositionFree(op.Vector32, x, y, p0, p1);
            }
        }
        TestContext.Out.WriteLine($"{op.Name} float32: worst relative difference from the float64 form {worst:E2} at x = {worstX:R}");
    }

    [Test]
    public void Float64LanesAgainstTheExactReferences()
    {
        // The bounds ElementwiseUnaryTests asserts of the whole op, on dense sweeps rather than a few values.
        var erfX = RandomValues(11, -4, 4, 20000).Concat(Enumerable.Range(0, 801).Select(i => -4 + i * 0.01)).ToArray();
        AssertAgainst<ErfOp<double>>(erfX, ElementwiseData.ErfReference, 1e-15, 1e-300, double.PositiveInfinity);
        var log1pX = RandomValues(12, -0.9, 10, 20000).Concat([1e-10, -1e-10, 1e-17, 1e-300, 3e-8, -3e-8, 0]).ToArray();
        AssertAgainst<Log1pOp<double>>(log1pX, ElementwiseUnaryTests.Log1pReference, 1e-15, 0, 1e-3);
        var expm1X = RandomValues(13, -5, 5, 20000).Concat([1e-10, -1e-10, 1e-17, 1e-300, 3e-8, -3e-8, 0]).ToArray();
        AssertAgainst<Expm1Op<double>>(expm1X, ElementwiseUnaryTests.Expm1Reference, 1e-15, 0, 1e-3);
    }

    private static void AssertAgainst<TOp>(double[] x, Func<double, double> reference, double rtol, double atol, double tinyBelow) where TOp : IUnaryOperator<TOp, double>
    {
        var y = new double[x.Length];
        TOp.Invoke(x, y, 0, 0);
        double worst = 0, worstScalar = 0, worstX = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double e = reference(x[i]);
            if (e == 0) continue;
            double err = Math.Abs(y[i] - e) / Math.Abs(e);
            if (err > worst) (worst, worstX) = (err, x[i]);
            worstScalar = Math.Max(worstScalar, Math.Abs(TOp.Invoke(x[i], 0, 0) - e) / Math.Abs(e));
        }
        TestContext.Out.WriteLine($"{typeof(TOp).Name}: worst relative error {worst:E2} at {worstX:R} (scalar form {worstScalar:E2})");
        // Within the bound, or (log1p and expm1 away from tiny arguments, where the bound is not asserted of the op)
        // no worse than the scalar form: both formulas carry a few ulps of the log and exp they are built on.
        Assert.That(worst, Is.LessThanOrEqualTo(Math.Max(rtol, 1.1 * worstScalar)), $"{typeof(TOp).Name} at x = {worstX:R}");
        for (int i = 0; i < x.Length; i++)
        {
            if (Math.Abs(x[i]) > tinyBelow) continue;
            double e = reference(x[i]);
            Assert.That(Close(y[i], e, rtol, atol), $"{typeof(TOp).Name} at x = {x[i]:R}: reference {e:R}, vector {y[i]:R}");
        }
    }

    // In place gives the same bits as out of place, and each element alone (a row of one) the bits it got in its row.
    private static void AssertPositionFree<T>(SpanForm<T> form, T[] x, T[] y, T p0, T p1) where T : unmanaged, IEquatable<T>
    {
        var inPlace = (T[])x.Clone();
        form(inPlace, inPlace, p0, p1);
        var alone = new T[1];
        for (int i = 0; i < x.Length; i++)
        {
            form(x.AsSpan(i, 1), alone, p0, p1);
            if (!Bits(alone[0]).Equals(Bits(y[i])) || !Bits(inPlace[i]).Equals(Bits(y[i])))
                Assert.Fail($"x = {x[i]}: {y[i]} at position {i} of {x.Length}, {alone[0]} alone, {inPlace[i]} in place");
        }
    }

    private static long Bits<T>(T v) where T : unmanaged => v switch
    {
        double d => BitConverter.DoubleToInt64Bits(d),
        float f => BitConverter.SingleToInt32Bits(f),
        int n => n,
        long n => n,
        _ => throw new ArgumentException(typeof(T).Name),
    };

    // ---- Sign and LeakyRelu: every dtype, exactly ----

    [Test]
    public void SignAndLeakyReluMatchTheScalarFormBitForBit()
    {
        var doubles = RandomValues(21, -1e6, 1e6, 3000).Concat(Edges).ToArray();
        ExactlyAsScalar<double, SignOp<double>>(doubles, 0, 0);
        ExactlyAsScalar<double, LeakyReluOp<double>>(doubles, 0.01, 0);
        ExactlyAsScalar<double, LeakyReluOp<double>>(doubles, -3, 0);
        var floats = doubles.Select(v => (float)v).ToArray();
        ExactlyAsScalar<float, SignOp<float>>(floats, 0, 0);
        ExactlyAsScalar<float, LeakyReluOp<float>>(floats, 0.01f, 0);
        ExactlyAsScalar<float, LeakyReluOp<float>>(floats, 0.2f, 0);
        var rng = new Random(22);
        int[] ints = [.. Enumerable.Range(0, 3000).Select(_ => rng.Next(int.MinValue, int.MaxValue)), int.MinValue, int.MaxValue, 0, 1, -1, 2, -2];
        ExactlyAsScalar<int, SignOp<int>>(ints, 0, 0);
        ExactlyAsScalar<int, LeakyReluOp<int>>(ints, 0, 0); // slope 0.01 saturates to 0 for integers
        ExactlyAsScalar<int, LeakyReluOp<int>>(ints, 3, 0); // wraps, as the scalar product does
        long[] longs = [.. Enumerable.Range(0, 3000).Select(_ => rng.NextInt64(long.MinValue, long.MaxValue)), long.MinValue, long.MaxValue, 0, 1, -1];
        ExactlyAsScalar<long, SignOp<long>>(longs, 0, 0);
        ExactlyAsScalar<long, LeakyReluOp<long>>(longs, 3, 0);
    }

    private static void ExactlyAsScalar<T, TOp>(T[] values, T p0, T p1) where T : unmanaged, INumber<T> where TOp : IUnaryOperator<TOp, T>
    {
        for (int length = 1; length <= 100; length++)
        {
            for (int start = 0; start + length <= values.Length; start += 331 + length)
            {
                var x = values.AsSpan(start, length).ToArray();
                var y = new T[length];
                TOp.Invoke(x, y, p0, p1);
                for (int i = 0; i < length; i++)
                {
                    T e = TOp.Invoke(x[i], p0, p1);
                    if (Bits(y[i]) != Bits(e)) Assert.Fail($"{typeof(TOp).Name} at x = {x[i]} (length {length}): scalar {e}, vector {y[i]}");
                }
                AssertPositionFree<T>(TOp.Invoke, x, y, p0, p1);
            }
        }
    }
}

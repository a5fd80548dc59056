using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Ops;

/// <summary>How an elementwise test operand is laid out in memory.</summary>
public enum InputLayout
{
    /// <summary>Dense row-major.</summary>
    Contiguous,

    /// <summary>The transpose of a dense [cols, rows] tensor (column-major).</summary>
    Transposed,

    /// <summary>Every second column of a dense [rows, 2·cols] tensor.</summary>
    Stepped,

    /// <summary>One dense row expanded to every row (stride 0).</summary>
    Expanded,
}

/// <summary>Seeded random operands in every layout, and float64 references computed from their actual values.</summary>
public static class ElementwiseData
{
    /// <summary>A [rows, cols] shape small enough for one thread.</summary>
    public static readonly long[] Small = [7, 9];

    /// <summary>A [rows, cols] shape above <c>StridedLoop.ParallelThreshold</c> (65536 elements), so the loop is split across threads.</summary>
    public static readonly long[] Large = [301, 263];

    /// <summary>
    /// A [rows, cols] tensor of <paramref name="dtype"/> with values uniform in [<paramref name="lo"/>, <paramref name="hi"/>)
    /// (integers: rounded down), laid out as <paramref name="layout"/>.
    /// </summary>
    public static Tensor Make(long[] shape, DType dtype, InputLayout layout, Device device, int seed, double lo = -3, double hi = 3)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long rows = shape[0], cols = shape[1];
        var rng = new System.Random(seed);
        switch (layout)
        {
            case InputLayout.Contiguous:
                return Dense([rows, cols], dtype, device, rng, lo, hi);
            case InputLayout.Transposed:
            {
                using var t = Dense([cols, rows], dtype, device, rng, lo, hi);
                return t.T;
            }
            case InputLayout.Stepped:
            {
                using var t = Dense([rows, 2 * cols], dtype, device, rng, lo, hi);
                return t.Slice(1, 0, 2 * cols, 2);
            }
            default:
            {
                using var t = Dense([1, cols], dtype, device, rng, lo, hi);
                return t.Expand(rows, cols);
            }
        }
    }

    /// <summary>A dense tensor of random values.</summary>
    public static Tensor Dense(long[] shape, DType dtype, Device device, System.Random rng, double lo, double hi)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(rng);
        long n = 1;
        foreach (long s in shape) n *= s;
        var v = new double[n];
        for (long i = 0; i < n; i++) v[i] = lo + (hi - lo) * rng.NextDouble();
        return FromDoubles(v, shape, dtype, device);
    }

    /// <summary>A tensor of <paramref name="dtype"/> from doubles (integers: rounded down; Bool: non-zero).</summary>
    public static Tensor FromDoubles(double[] v, long[] shape, DType dtype, Device device)
    {
        ArgumentNullException.ThrowIfNull(v);
        return dtype switch
        {
            DType.Float32 => Tensor.FromArray(Array.ConvertAll(v, x => (float)x), shape, device),
            DType.Float64 => Tensor.FromArray((double[])v.Clone(), shape, device),
            DType.Int32 => Tensor.FromArray(Array.ConvertAll(v, x => (int)Math.Floor(x)), shape, device),
            DType.Int64 => Tensor.FromArray(Array.ConvertAll(v, x => (long)Math.Floor(x)), shape, device),
            _ => Tensor.FromArray(Array.ConvertAll(v, x => x != 0), shape, device),
        };
    }

    /// <summary>Asserts <paramref name="actual"/> equals <paramref name="reference"/> applied to each value of <paramref name="input"/>.</summary>
    public static void AssertUnary(Tensor actual, Tensor input, Func<double, double> reference, double rtol, double atol, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(reference);
        var x = TensorAssert.ToDoubles(input);
        var expected = Array.ConvertAll(x, v => reference(v));
        AssertValues(actual, x, expected, input.Shape.ToArray(), rtol, atol, dtype);
    }

    /// <summary>Asserts the values with a message that names the first failing input.</summary>
    public static void AssertValues(Tensor actual, double[] inputs, double[] expected, long[] shape, double rtol, double atol, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(expected);
        Assert.That(actual.Shape.ToArray(), Is.EqualTo(shape), "shape");
        Assert.That(actual.DType, Is.EqualTo(dtype), "dtype");
        var got = TensorAssert.ToDoubles(actual);
        Assert.That(got, Has.Length.EqualTo(expected.Length));
        for (int i = 0; i < got.Length; i++)
        {
            double a = got[i], e = expected[i];
            bool ok = (double.IsNaN(a) && double.IsNaN(e)) || a == e || Math.Abs(a - e) <= atol + rtol * Math.Abs(e);
            if (!ok) Assert.Fail($"element {i} (input {inputs[i]:R}): expected {e:R}, got {a:R} (rtol {rtol}, atol {atol})");
        }
    }

    /// <summary>
    /// erf in (practically) exact arithmetic: the Maclaurin series summed in <see cref="decimal"/> (28 digits), which
    /// leaves ~20 correct digits after the cancellation for |x| ≤ 4. An oracle independent of the library's algorithm.
    /// </summary>
    public static double ErfReference(double x)
    {
        if (Math.Abs(x) > 4) throw new ArgumentOutOfRangeException(nameof(x), x, "the decimal series is only used for |x| <= 4");
        // Below 1e-10 the series' second term is under 1e-20 of the first.
        if (Math.Abs(x) < 1e-10) return 1.1283791670955126 * x;
        decimal dx = ExactDecimal(x), x2 = dx * dx, term = dx, sum = dx;
        for (int n = 1; n < 400; n++)
        {
            term *= -x2 / n;
            decimal add = term / (2 * n + 1);
            sum += add;
            if (Math.Abs(add) < 1e-27m) break;
        }
        const decimal TwoOverSqrtPi = 1.1283791670955125738961589031m;
        return (double)(TwoOverSqrtPi * sum);
    }

    /// <summary>erfc(x) = 1 - erf(x) from the same decimal series, so that the right tail keeps its relative accuracy.</summary>
    public static double ErfcReference(double x)
    {
        if (Math.Abs(x) > 4) throw new ArgumentOutOfRangeException(nameof(x), x, "the decimal series is only used for |x| <= 4");
        return (double)(1 - ErfDecimal(x));
    }

    private static decimal ErfDecimal(double x)
    {
        decimal dx = ExactDecimal(x), x2 = dx * dx, term = dx, sum = dx;
        for (int n = 1; n < 400; n++)
        {
            term *= -x2 / n;
            decimal add = term / (2 * n + 1);
            sum += add;
            if (Math.Abs(add) < 1e-27m) break;
        }
        return 1.1283791670955125738961589031m * sum;
    }

    // (decimal)x keeps only 15 significant digits; this keeps all 53 bits (to decimal's 28 digits).
    private static decimal ExactDecimal(double x)
    {
        long bits = BitConverter.DoubleToInt64Bits(x);
        int exp = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exp == 0) exp = 1;
        else mantissa |= 1L << 52;
        exp -= 1075;
        decimal d = mantissa;
        while (exp < 0)
        {
            int k = Math.Min(-exp, 30);
            d /= 1L << k;
            exp += k;
        }
        while (exp > 0)
        {
            int k = Math.Min(exp, 30);
            d *= 1L << k;
            exp -= k;
        }
        return bits < 0 ? -d : d;
    }

    /// <summary>The float32 value nearest <paramref name="x"/>, as a double (what a Float32 tensor actually holds).</summary>
    public static double F32(double x) => (float)x;
}

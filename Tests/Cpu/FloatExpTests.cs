using CudaTensor.Backends.Cpu;
using NUnit.Framework;

namespace CudaTensor.Tests.Cpu;

/// <summary>The float-lane exp against double-precision Math.Exp, over its whole range and at its edges.</summary>
[TestFixture]
public sealed class FloatExpTests
{
    [SetUp]
    public void RequireAvx512()
    {
        if (!FloatExp.IsSupported) Assert.Ignore("FloatExp needs AVX-512; this CPU takes TensorPrimitives.Exp instead.");
    }

    private static float[] Run(float[] x)
    {
        var y = new float[x.Length];
        FloatExp.Invoke(x, y);
        return y;
    }

    // Distance in units in the last place between two finite floats of the same sign.
    private static long Ulps(float a, float b) => Math.Abs((long)BitConverter.SingleToInt32Bits(a) - BitConverter.SingleToInt32Bits(b));

    [Test]
    public void WithinTwoUlpsAcrossTheWholeRange()
    {
        // Every 97th float bit pattern from -104 to 89 (about 4 million values), plus a dense sweep around 0.
        var xs = new List<float>();
        for (float v = -104f; v < 89f; v = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(v) + (v < 0 ? -97 : 97)))
        {
            xs.Add(v);
            if (v < 0 && v > -1e-30f) v = 1e-30f;
        }
        var x = xs.ToArray();
        var y = Run(x);
        long worst = 0;
        float worstX = 0;
        for (int i = 0; i < x.Length; i++)
        {
            float expected = (float)Math.Exp(x[i]);
            long u = Ulps(y[i], expected);
            if (u > worst) (worst, worstX) = (u, x[i]);
        }
        Assert.That(worst, Is.LessThanOrEqualTo(2), $"worst at x = {worstX:R}");
    }

    [Test]
    public void EdgesAndSpecialValues()
    {
        float[] x = [0f, -0f, 1f, -1f, 88.72283f, 88.72284f, 89f, 1000f, float.PositiveInfinity, -87.33654f, -100f, -103.9f, -104f, -1000f, float.NegativeInfinity, float.NaN, float.Epsilon];
        var y = Run(x);
        for (int i = 0; i < x.Length; i++)
        {
            float expected = (float)Math.Exp(x[i]);
            if (float.IsNaN(expected)) Assert.That(y[i], Is.NaN, $"x = {x[i]:R}");
            else if (float.IsInfinity(expected) || expected == 0 || !float.IsNormal(expected)) Assert.That(Math.Abs(y[i] - expected), Is.LessThanOrEqualTo(float.Epsilon), $"x = {x[i]:R}");
            else Assert.That(Ulps(y[i], expected), Is.LessThanOrEqualTo(2), $"x = {x[i]:R}");
        }
    }

    [Test]
    public void TailElementsMatchFullVectors()
    {
        var x = Enumerable.Range(0, 37).Select(i => (float)(i * 0.37 - 6)).ToArray();
        var all = Run(x);
        for (int n = 1; n < x.Length; n++)
        {
            var part = new float[n];
            FloatExp.Invoke(x.AsSpan(0, n), part);
            Assert.That(part, Is.EqualTo(all[..n]), $"n = {n}");
        }
    }

    [TestCase(1)]
    [TestCase(16)]
    [TestCase(37)]
    [TestCase(1024)]
    public void ShiftedExponentialsAndTheirSumInOnePass(int n)
    {
        var rng = new Random(n);
        var x = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 20 - 10)).ToArray();
        float shift = x.Max();
        var y = new float[n];
        float sum = FloatExp.ExpShiftedSum(x, shift, y);
        double expectedSum = 0;
        for (int i = 0; i < n; i++)
        {
            double e = Math.Exp(x[i] - shift);
            expectedSum += e;
            Assert.That(y[i], Is.EqualTo(e).Within(3e-7 * e), $"element {i}");
        }
        Assert.That(sum, Is.EqualTo(expectedSum).Within(1e-6 * expectedSum));
        Assert.That(FloatExp.ExpShiftedSum(x, shift, default), Is.EqualTo(sum), "the sum alone is the same sum");
    }
}

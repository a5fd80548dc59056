using CudaTensor.Backends.Cpu;
using NUnit.Framework;

namespace CudaTensor.Tests.Cpu;

/// <summary>The float-lane GELU against the double formula x/2 · erfc(-x/√2), densely over its range.</summary>
[TestFixture]
public sealed class GeluFloatTests
{
    [SetUp]
    public void RequireAvx512()
    {
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported || !System.Runtime.Intrinsics.X86.Avx512DQ.IsSupported)
            Assert.Ignore("GeluFloat needs AVX-512 F and DQ; this CPU takes the scalar double formula instead.");
    }

    [Test]
    public void WithinAFewUlpsIncludingTheNegativeTail()
    {
        var xs = new List<float>();
        // Every 61st float bit pattern from -13 to 10, and a sweep through the small values around 0. Runs of
        // consecutive values: most vectors take the table, those below the clamp the erfc formula.
        for (float v = -13f; v < 10f; v = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(v) + (v < 0 ? -61 : 61)))
        {
            xs.Add(v);
            if (v < 0 && v > -1e-20f) v = 1e-20f;
        }
        var x = xs.ToArray();
        var y = new float[x.Length];
        GeluFloat.Invoke(x, y);
        var (worst, worstX) = WorstRelativeError(x, y);
        TestContext.Out.WriteLine($"worst relative error {worst:E2} at x = {worstX:R}");
        Assert.That(worst, Is.LessThan(4.8e-7), $"worst at x = {worstX:R}"); // 4 float ulps
    }

    [Test]
    public void EveryFloatAroundTheTableEdgesAndTheIntervalBoundaries()
    {
        // The clamp (where the table ends and the erfc formula or the clamped value takes over), the point past which
        // Φ(x) rounds to 1, and the boundaries (j ± 1/2)·width between intervals, where the index may round either way:
        // 64 consecutive floats around each.
        var x = new List<float>();
        void Around(float c)
        {
            int bits = BitConverter.SingleToInt32Bits(c);
            for (int k = -32; k < 32; k++) x.Add(BitConverter.Int32BitsToSingle(bits + k));
        }
        foreach (float edge in new[] { GeluFloatTable.Clamp, -GeluFloatTable.Clamp, 5.42f, 0f }) Around(edge);
        for (int j = 0; j <= 32; j++)
        {
            Around((j + 0.5f) * GeluFloatTable.Width);
            Around(-(j + 0.5f) * GeluFloatTable.Width);
        }
        var xs = x.Where(v => Math.Abs(v) >= 1e-37f).ToArray(); // normal results only: a subnormal one keeps fewer bits
        var y = new float[xs.Length];
        GeluFloat.Invoke(xs, y);
        var (worst, worstX) = WorstRelativeError(xs, y);
        Assert.That(worst, Is.LessThan(4.8e-7), $"worst at x = {worstX:R}");
    }

    [Test]
    public void AnElementsResultDependsOnItsValueAlone()
    {
        // A lane below the clamp sends its vector through the erfc formula too; its neighbours must still give the values
        // they give in a vector of their own, wherever the row puts them (unrolled pair, single vector, tail).
        var rng = new Random(7);
        var values = new float[37];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(rng.NextDouble() * 8 - 3);
        var alone = new float[values.Length];
        GeluFloat.Invoke(values, alone);
        foreach (int length in new[] { 37, 64, 80, 101 })
        {
            for (int position = 0; position < length; position += 7)
            {
                var row = new float[length];
                for (int i = 0; i < length; i++) row[i] = values[i % values.Length];
                row[position] = -9.5f;
                var y = new float[length];
                GeluFloat.Invoke(row, y);
                for (int i = 0; i < length; i++)
                {
                    if (i == position) Assert.That(y[i], Is.EqualTo((float)(0.5 * -9.5 * SpecialFunctions.Erfc(9.5 / Math.Sqrt(2)))).Within(4.8e-5).Percent);
                    else Assert.That(y[i], Is.EqualTo(alone[i % values.Length]), $"length {length}, far value at {position}, element {i}");
                }
            }
        }
    }

    [Test]
    public void SpecialValues()
    {
        float[] x = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 1e-30f, -1e-30f, 30f, -30f, float.MaxValue, -float.MaxValue];
        var y = new float[x.Length];
        GeluFloat.Invoke(x, y);
        Assert.That(float.IsNaN(y[0]), $"GELU(NaN) = {y[0]}");
        Assert.That(y[1], Is.EqualTo(float.PositiveInfinity));
        Assert.That(float.IsNaN(y[2]), $"GELU(-inf) = {y[2]}"); // -inf · Φ(-inf) = -inf · 0, as PyTorch gives
        Assert.That(y[3], Is.EqualTo(0f));
        Assert.That(y[4], Is.EqualTo(0f));
        Assert.That(y[5], Is.EqualTo(0.5e-30f).Within(1e-6).Percent);
        Assert.That(y[6], Is.EqualTo(-0.5e-30f).Within(1e-6).Percent);
        Assert.That(y[7], Is.EqualTo(30f));
        Assert.That(y[8], Is.EqualTo(0f));
        Assert.That(y[9], Is.EqualTo(float.MaxValue));
        Assert.That(y[10], Is.EqualTo(0f));
    }

    private static (double Worst, float At) WorstRelativeError(float[] x, float[] y)
    {
        double worst = 0;
        float at = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double expected = 0.5 * x[i] * SpecialFunctions.Erfc(-x[i] * 0.70710678118654752440);
            if (expected == 0) continue;
            double rel = Math.Abs(y[i] - expected) / Math.Abs(expected);
            if (rel > worst) (worst, at) = (rel, x[i]);
        }
        return (worst, at);
    }
}

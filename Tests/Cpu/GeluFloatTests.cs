using CudaTensor.Backends.Cpu;
using NUnit.Framework;

namespace CudaTensor.Tests.Cpu;

/// <summary>The float-lane GELU against the double formula x/2 · erfc(-x/√2), densely over its range.</summary>
[TestFixture]
public sealed class GeluFloatTests
{
    [Test]
    public void WithinAFewUlpsIncludingTheNegativeTail()
    {
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported) Assert.Ignore("GeluFloat needs AVX-512; this CPU takes the scalar double formula instead.");
        var xs = new List<float>();
        // Every 61st float bit pattern from -13 to 10, and a sweep through the small values around 0.
        for (float v = -13f; v < 10f; v = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(v) + (v < 0 ? -61 : 61)))
        {
            xs.Add(v);
            if (v < 0 && v > -1e-20f) v = 1e-20f;
        }
        var x = xs.ToArray();
        var y = new float[x.Length];
        GeluFloat.Invoke(x, y);
        double worst = 0;
        float worstX = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double expected = 0.5 * x[i] * SpecialFunctions.Erfc(-x[i] * 0.70710678118654752440);
            double rel = Math.Abs(y[i] - expected) / Math.Abs(expected);
            if (rel > worst) (worst, worstX) = (rel, x[i]);
        }
        TestContext.Out.WriteLine($"worst relative error {worst:E2} at x = {worstX:R}");
        Assert.That(worst, Is.LessThan(4.8e-7), $"worst at x = {worstX:R}"); // 4 float ulps
    }
}

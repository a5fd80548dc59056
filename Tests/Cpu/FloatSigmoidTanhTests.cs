using CudaTensor.Backends.Cpu;
using NUnit.Framework;

namespace CudaTensor.Tests.Cpu;

/// <summary>
/// The float-lane sigmoid, tanh and SiLU against float64 references: a dense sweep of [-20, 20], log-uniform values
/// from 1e-7 to 10 of either sign, wide random values, and the edges (±0, subnormals, ±∞, NaN, overflow of e^|x|).
/// </summary>
[TestFixture]
public sealed class FloatSigmoidTanhTests
{
    [SetUp]
    public void RequireAvx512()
    {
        if (!FloatSigmoid.IsSupported) Assert.Ignore("The float lanes need AVX-512; this CPU takes TensorPrimitives instead.");
    }

    private const double MinNormal = 1.1754943508222875e-38;

    private static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    private static float[] Arguments()
    {
        var xs = new List<float>();
        for (double d = -20; d <= 20; d += 1.0 / 4096) xs.Add((float)d);
        var rng = new Random(5);
        for (int i = 0; i < 400_000; i++) xs.Add((float)((rng.NextDouble() * 2 - 1) * Math.Pow(10, rng.NextDouble() * 8 - 7)));
        for (int i = 0; i < 100_000; i++) xs.Add((float)((rng.NextDouble() * 2 - 1) * 120));
        return [.. xs];
    }

    // |got - exact| in units of the float spacing at the correctly rounded result (the subnormal spacing near 0).
    private static double Ulps(float got, double exact)
    {
        float rounded = (float)exact;
        if (got == rounded) return 0;
        float magnitude = Math.Abs(rounded);
        double ulp = magnitude == 0 ? float.Epsilon : MathF.BitIncrement(magnitude) - (double)magnitude;
        return Math.Abs(got - exact) / ulp;
    }

    private static void AssertAccuracy<TFunction>(Func<double, double> reference, double maxUlps) where TFunction : IFloatLaneFunction
    {
        var x = Arguments();
        var y = new float[x.Length];
        FloatLanes.Map<TFunction>(x, y);
        double worst = 0, worstRelative = 0;
        float worstX = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double exact = reference(x[i]);
            if (Math.Abs(exact) < MinNormal)
            {
                // A subnormal result (SiLU below x = -87: x times a subnormal σ) has few bits: bound it absolutely.
                Assert.That(Math.Abs(y[i] - exact), Is.LessThanOrEqualTo(1e-43), $"x = {x[i]:R}");
                continue;
            }
            double u = Ulps(y[i], exact);
            if (u > worst) (worst, worstX) = (u, x[i]);
            worstRelative = Math.Max(worstRelative, Math.Abs(y[i] - exact) / Math.Abs(exact));
        }
        Assert.That(worst, Is.LessThanOrEqualTo(maxUlps), $"worst at x = {worstX:R}");
        Assert.That(worstRelative, Is.LessThanOrEqualTo(1e-6));
    }

    [Test]
    public void SigmoidWithinTwoAndAQuarterUlps() => AssertAccuracy<FloatSigmoid>(Sigmoid, 2.25);

    [Test]
    public void TanhWithinTwoAndAHalfUlps() => AssertAccuracy<FloatTanh>(Math.Tanh, 2.5);

    [Test]
    public void SiluWithinThreeUlps() => AssertAccuracy<FloatSilu>(x => x * Sigmoid(x), 3);

    [Test]
    public void SigmoidEdges()
    {
        float[] x = [0f, -0f, float.Epsilon, -float.Epsilon, 1e-30f, 88f, 89f, 104f, 1e30f, float.MaxValue, float.PositiveInfinity,
            -87f, -88f, -89f, -100f, -103f, -104f, -1e30f, float.MinValue, float.NegativeInfinity, float.NaN];
        var y = new float[x.Length];
        FloatLanes.Map<FloatSigmoid>(x, y);
        for (int i = 0; i < x.Length; i++)
        {
            double exact = Sigmoid(x[i]);
            if (float.IsNaN(x[i])) Assert.That(y[i], Is.NaN);
            else Assert.That(Ulps(y[i], exact), Is.LessThanOrEqualTo(2.25), $"x = {x[i]:R}: {y[i]:R}, expected {exact:R}");
        }
        Assert.That(y[Array.IndexOf(x, -100f)], Is.GreaterThan(0f), "σ(-100) = 3.7e-44 is a subnormal, not 0");
    }

    [Test]
    public void TanhEdges()
    {
        float[] x = [0f, -0f, float.Epsilon, -float.Epsilon, 1e-30f, -1e-30f, 1e-7f, 0.1f, -0.34f, 9f, 10f, 20f, 100f, float.MaxValue,
            float.PositiveInfinity, -9f, -100f, float.MinValue, float.NegativeInfinity, float.NaN];
        var y = new float[x.Length];
        FloatLanes.Map<FloatTanh>(x, y);
        for (int i = 0; i < x.Length; i++)
        {
            if (float.IsNaN(x[i])) Assert.That(y[i], Is.NaN);
            else Assert.That(Ulps(y[i], Math.Tanh(x[i])), Is.LessThanOrEqualTo(2.5), $"x = {x[i]:R}: {y[i]:R}");
        }
        Assert.That(BitConverter.SingleToInt32Bits(y[0]), Is.Zero, "tanh(+0) = +0");
        Assert.That(float.IsNegative(y[1]) && y[1] == 0, "tanh(-0) = -0");
        Assert.That(y[Array.IndexOf(x, float.NegativeInfinity)], Is.EqualTo(-1f));
    }

    [Test]
    public void TailElementsMatchFullVectors()
    {
        var x = Enumerable.Range(0, 37).Select(i => (float)(i * 0.37 - 6)).ToArray();
        var sig = new float[x.Length];
        var tanh = new float[x.Length];
        FloatLanes.Map<FloatSigmoid>(x, sig);
        FloatLanes.Map<FloatTanh>(x, tanh);
        for (int n = 1; n < x.Length; n++)
        {
            var part = new float[n];
            FloatLanes.Map<FloatSigmoid>(x.AsSpan(0, n), part);
            Assert.That(part, Is.EqualTo(sig[..n]), $"sigmoid, n = {n}");
            FloatLanes.Map<FloatTanh>(x.AsSpan(0, n), part);
            Assert.That(part, Is.EqualTo(tanh[..n]), $"tanh, n = {n}");
        }
    }

    [Test]
    public void EagerOpsUseTheLanes()
    {
        var values = new float[] { -30f, -5f, -0.5f, -1e-20f, 0f, 0.25f, 3f, 12f, 50f };
        using var x = Tensor.FromArray(values);
        var sig = new float[values.Length];
        var tanh = new float[values.Length];
        FloatLanes.Map<FloatSigmoid>(values, sig);
        FloatLanes.Map<FloatTanh>(values, tanh);
        Assert.That(x.Sigmoid().ToArray<float>(), Is.EqualTo(sig));
        Assert.That(x.Tanh().ToArray<float>(), Is.EqualTo(tanh));
    }
}

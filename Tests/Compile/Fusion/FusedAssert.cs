using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Compilation.Fusion;

/// <summary>Comparisons of a fused result with eager mode's.</summary>
internal static class FusedAssert
{
    /// <summary>Same shape and dtype, and every value identical (NaN equals NaN).</summary>
    public static void Identical(Tensor fused, Tensor eager, string what)
    {
        Assert.That(fused.Shape.ToArray(), Is.EqualTo(eager.Shape.ToArray()), $"shape of {what}");
        Assert.That(fused.DType, Is.EqualTo(eager.DType), $"dtype of {what}");
        double[] f = TensorAssert.ToDoubles(fused), e = TensorAssert.ToDoubles(eager);
        for (int i = 0; i < f.Length; i++)
        {
            if (!(f[i] == e[i] || (double.IsNaN(f[i]) && double.IsNaN(e[i]))))
                Assert.Fail($"{what}: element {i} is {f[i]:R} fused and {e[i]:R} eager (expected identical).");
        }
    }

    /// <summary>Same shape and dtype, values within <paramref name="rtol"/> of the larger magnitude plus <paramref name="atol"/>.</summary>
    public static void Close(Tensor fused, Tensor eager, string what, double rtol, double atol)
    {
        Assert.That(fused.Shape.ToArray(), Is.EqualTo(eager.Shape.ToArray()), $"shape of {what}");
        Assert.That(fused.DType, Is.EqualTo(eager.DType), $"dtype of {what}");
        double[] f = TensorAssert.ToDoubles(fused), e = TensorAssert.ToDoubles(eager);
        for (int i = 0; i < f.Length; i++)
        {
            double a = f[i], b = e[i];
            bool ok = a == b || (double.IsNaN(a) && double.IsNaN(b)) || Math.Abs(a - b) <= atol + rtol * Math.Max(Math.Abs(a), Math.Abs(b));
            if (!ok) Assert.Fail($"{what}: element {i} is {a:R} fused and {b:R} eager (rtol {rtol}, atol {atol}).");
        }
    }
}

using NUnit.Framework;

namespace CudaTensor.Tests.Compilation;

/// <summary>Comparisons of compiled against eager results.</summary>
internal static class CompileAssert
{
    /// <summary>The values of <paramref name="t"/> as doubles (any device, any floating dtype).</summary>
    public static double[] Values(Tensor t)
    {
        using var cpu = t.To(Device.Cpu);
        using var wide = cpu.To(DType.Float64);
        using var dense = wide.Contiguous();
        return dense.ToArray<double>();
    }

    /// <summary>Same shape and dtype; values within <paramref name="rtol"/> relative (0: bit-identical).</summary>
    public static void Same(Tensor expected, Tensor actual, double rtol, string what)
    {
        Assert.That(actual.Shape.ToArray(), Is.EqualTo(expected.Shape.ToArray()), what + ": shape");
        Assert.That(actual.DType, Is.EqualTo(expected.DType), what + ": dtype");
        var e = Values(expected);
        var a = Values(actual);
        for (int i = 0; i < e.Length; i++)
        {
            if (rtol == 0) Assert.That(BitConverter.DoubleToInt64Bits(a[i]), Is.EqualTo(BitConverter.DoubleToInt64Bits(e[i])), $"{what}[{i}]: {a[i]} vs {e[i]}");
            else Assert.That(a[i], Is.EqualTo(e[i]).Within(rtol * Math.Abs(e[i]) + 1e-7), $"{what}[{i}]");
        }
    }

    /// <summary>The float32 tolerance of the issue, or bit-identity for float64.</summary>
    public static double Tolerance(DType dtype) => dtype == DType.Float64 ? 0 : 1e-6;
}

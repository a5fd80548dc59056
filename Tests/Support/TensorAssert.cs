using NUnit.Framework;

namespace CudaTensor.Tests.Support;

/// <summary>Assertions on tensor values, shapes and dtypes with messages that show both sides.</summary>
public static class TensorAssert
{
    /// <summary>Shape, dtype and every value equal (compared as doubles) within |a - e| &lt;= atol + rtol |e|; NaN equals NaN.</summary>
    public static void Close(Tensor actual, double[] expected, long[] shape, double rtol = 1e-5, double atol = 1e-6, DType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(actual);
        Assert.That(actual.Shape.ToArray(), Is.EqualTo(shape), "shape");
        if (dtype is not null) Assert.That(actual.DType, Is.EqualTo(dtype.Value), "dtype");
        var values = ToDoubles(actual);
        Assert.That(values, Has.Length.EqualTo(expected.Length), "element count");
        for (int i = 0; i < values.Length; i++)
        {
            double a = values[i], e = expected[i];
            bool ok = (double.IsNaN(a) && double.IsNaN(e)) || a == e || Math.Abs(a - e) <= atol + rtol * Math.Abs(e);
            if (!ok) Assert.Fail($"element {i}: expected {e:R}, got {a:R} (rtol {rtol}, atol {atol}); all values: [{string.Join(", ", values)}]");
        }
    }

    /// <summary>Values of any tensor as doubles, row-major.</summary>
    public static double[] ToDoubles(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        using var d = t.To(DType.Float64);
        return d.ToArray<double>();
    }
}

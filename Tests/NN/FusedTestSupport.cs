namespace CudaTensor.Tests.NN;

/// <summary>Runs a function on fresh leaf copies of its inputs and returns its value and its vector-Jacobian product.</summary>
internal static class FusedTestSupport
{
    /// <summary>
    /// f(inputs) and d(Σ v·f)/d(inputs) for a fixed random v (seed 99), with every floating input a fresh leaf that
    /// requires grad; integer inputs are passed through.
    /// </summary>
    public static (double[] Value, long[] Shape, double[][] Grads) ValueAndGrads(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        var leaves = inputs.Select(t =>
        {
            var c = t.DetachedClone();
            if (c.DType.IsFloatingPoint()) c.RequiresGrad = true;
            return c;
        }).ToArray();
        try
        {
            using var y = f(leaves);
            // Drawn in float64 and converted, so float32 and float64 runs get the same vector.
            using var v64 = Tensor.Randn(y.Shape, DType.Float64, y.Device, generator: new Generator(99));
            using var v = v64.To(y.DType);
            var wanted = leaves.Where(l => l.RequiresGrad).ToArray();
            var grads = Autograd.Grad([y], wanted, [v], allowUnused: true);
            var values = Support.TensorAssert.ToDoubles(y);
            var gradValues = grads.Select(g => g is null ? [] : Support.TensorAssert.ToDoubles(g)).ToArray();
            foreach (var g in grads) g?.Dispose();
            return (values, y.Shape.ToArray(), gradValues);
        }
        finally
        {
            foreach (var l in leaves) l.Dispose();
        }
    }

    /// <summary>Asserts two (value, grads) results agree element by element (NaN equals NaN).</summary>
    public static void AssertSame((double[] Value, long[] Shape, double[][] Grads) actual, (double[] Value, long[] Shape, double[][] Grads) expected,
        double rtol, double atol, string what)
    {
        NUnit.Framework.Assert.That(actual.Shape, NUnit.Framework.Is.EqualTo(expected.Shape), $"{what}: shape");
        Close(actual.Value, expected.Value, rtol, atol, $"{what}: value");
        NUnit.Framework.Assert.That(actual.Grads, NUnit.Framework.Has.Length.EqualTo(expected.Grads.Length), $"{what}: gradient count");
        for (int i = 0; i < actual.Grads.Length; i++) Close(actual.Grads[i], expected.Grads[i], rtol, atol, $"{what}: gradient {i}");
    }

    public static void Close(double[] actual, double[] expected, double rtol, double atol, string what)
    {
        NUnit.Framework.Assert.That(actual, NUnit.Framework.Has.Length.EqualTo(expected.Length), $"{what}: length");
        for (int i = 0; i < actual.Length; i++)
        {
            double a = actual[i], e = expected[i];
            if ((double.IsNaN(a) && double.IsNaN(e)) || a == e) continue;
            if (!(Math.Abs(a - e) <= atol + rtol * Math.Abs(e)))
                NUnit.Framework.Assert.Fail($"{what}: element {i}: expected {e:R}, got {a:R} (rtol {rtol}, atol {atol})");
        }
    }
}

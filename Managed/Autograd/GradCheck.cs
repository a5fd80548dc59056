namespace CudaTensor;

/// <summary>The outcome of a gradient check: whether it passed, and the worst element found.</summary>
/// <param name="Passed">Whether every element was within tolerance.</param>
/// <param name="InputIndex">The input holding the worst element.</param>
/// <param name="ElementIndex">The flat index of the worst element in that input.</param>
/// <param name="Analytical">The gradient autograd computed there.</param>
/// <param name="Numerical">The central-difference estimate there.</param>
/// <param name="Error">|analytical - numerical| there.</param>
public readonly record struct GradCheckResult(bool Passed, int InputIndex, long ElementIndex, double Analytical, double Numerical, double Error)
{
    /// <inheritdoc/>
    public override string ToString() => Passed
        ? $"gradcheck passed (worst error {Error:G3} at input {InputIndex}, element {ElementIndex})"
        : $"gradcheck failed at input {InputIndex}, element {ElementIndex}: analytical {Analytical:G10}, numerical {Numerical:G10}, error {Error:G3}";
}

/// <summary>
/// Compares autograd's gradients with central finite differences in float64, for the library's ops and for
/// users' own functions. Inputs must be Float64 tensors with <c>requiresGrad: true</c>.
/// </summary>
public static class GradCheck
{
    /// <summary>
    /// Checks d(Σ w·f(inputs))/d(inputs) for a fixed random weight w (so every output element matters), element by
    /// element against (f(x + eps) - f(x - eps)) / 2eps. Passes when |a - n| ≤ atol + rtol·|n| everywhere.
    /// </summary>
    public static GradCheckResult Check(Func<Tensor[], Tensor> func, Tensor[] inputs, double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3)
    {
        using var weight = OutputWeight(func, inputs);
        return Compare(x => Weighted(func, x, weight), inputs, eps, atol, rtol);
    }

    /// <summary>
    /// Checks second derivatives: the gradient of Σ v·∂(Σ w·f)/∂x (built with <c>createGraph</c>) against finite
    /// differences of the first-order gradient.
    /// </summary>
    public static GradCheckResult CheckSecondOrder(Func<Tensor[], Tensor> func, Tensor[] inputs, double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3)
    {
        using var weight = OutputWeight(func, inputs);
        var gen = new Generator(54321);
        var v = inputs.Select(x => Tensor.Randn(x.Shape, DType.Float64, x.Device, generator: gen)).ToArray();
        try
        {
            Tensor FirstOrder(Tensor[] x)
            {
                using var s = Weighted(func, x, weight);
                var grads = Autograd.Grad([s], x, createGraph: true, allowUnused: true);
                Tensor total = Tensor.Zeros([], DType.Float64, x[0].Device);
                for (int i = 0; i < grads.Length; i++)
                {
                    if (grads[i] is not { } g) continue;
                    using var prod = g * v[i];
                    using var part = prod.Sum();
                    var next = total + part;
                    total.Dispose();
                    total = next;
                }
                return total;
            }
            return Compare(FirstOrder, inputs, eps, atol, rtol);
        }
        finally
        {
            foreach (var t in v) t.Dispose();
        }
    }

    /// <summary>Checks the arguments and draws the fixed random weight w that turns the output into a scalar.</summary>
    private static Tensor OutputWeight(Func<Tensor[], Tensor> func, Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(func);
        ArgumentNullException.ThrowIfNull(inputs);
        Validate(inputs);
        using var probe = Output(func, inputs);
        return Tensor.Randn(probe.Shape, DType.Float64, probe.Device, generator: new Generator(12345));
    }

    /// <summary>Σ w·f(x).</summary>
    private static Tensor Weighted(Func<Tensor[], Tensor> func, Tensor[] x, Tensor weight)
    {
        using var y = Output(func, x);
        using var weighted = y * weight;
        return weighted.Sum();
    }

    private static void Validate(Tensor[] inputs)
    {
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i].DType != DType.Float64 || !inputs[i].RequiresGrad)
                throw new ArgumentException(
                    $"GradCheck: input {i} is {inputs[i].Describe()} (requiresGrad: {inputs[i].RequiresGrad}); inputs must be Float64 tensors with requiresGrad: true, " +
                    "because finite differences in float32 are too coarse to judge a gradient.");
        }
    }

    private static Tensor Output(Func<Tensor[], Tensor> func, Tensor[] inputs)
        => func(inputs) ?? throw new InvalidOperationException("GradCheck: the function returned null.");

    private static GradCheckResult Compare(Func<Tensor[], Tensor> scalar, Tensor[] inputs, double eps, double atol, double rtol)
    {
        Tensor?[] analytical;
        using (var s = scalar(inputs))
        {
            // A first-order gradient that does not depend on the inputs (a linear op) has a zero second derivative.
            analytical = s.RequiresGrad ? Autograd.Grad([s], inputs, allowUnused: true) : new Tensor?[inputs.Length];
        }
        var worst = new GradCheckResult(true, 0, 0, 0, 0, 0);
        double worstRatio = -1;
        for (int i = 0; i < inputs.Length; i++)
        {
            var x = inputs[i];
            var a = analytical[i] is { } ag ? ToDoubles(ag) : new double[x.NumElements];
            for (long e = 0; e < x.NumElements; e++)
            {
                double plus = Perturbed(scalar, inputs, i, e, eps);
                double minus = Perturbed(scalar, inputs, i, e, -eps);
                double numerical = (plus - minus) / (2 * eps);
                double error = Math.Abs(a[e] - numerical);
                double allowed = atol + rtol * Math.Abs(numerical);
                double ratio = error / allowed;
                if (double.IsNaN(error)) ratio = double.PositiveInfinity;
                if (ratio > worstRatio)
                {
                    worstRatio = ratio;
                    worst = new GradCheckResult(ratio <= 1, i, e, a[e], numerical, error);
                }
            }
        }
        return worst;
    }

    // Evaluates the scalar with element e of input i shifted by delta (the input's own storage is changed and restored).
    // The function runs in grad mode, exactly as for the analytical pass (it may differentiate or register hooks).
    private static double Perturbed(Func<Tensor[], Tensor> scalar, Tensor[] inputs, int i, long e, double delta)
    {
        var x = inputs[i];
        using var flatIndex = x.Detach();
        double original;
        using (Autograd.NoGrad())
        {
            using var cell = ElementView(flatIndex, e);
            original = cell.Item<double>();
            cell.Fill(original + delta);
        }
        try
        {
            using (var s = scalar(inputs)) return s.ToDouble();
        }
        finally
        {
            using (Autograd.NoGrad())
            using (var cell = ElementView(flatIndex, e)) cell.Fill(original);
        }
    }

    private static Tensor ElementView(Tensor t, long flat)
    {
        var index = new TensorIndex[t.Dim];
        for (int d = t.Dim - 1; d >= 0; d--)
        {
            index[d] = flat % t.Shape[d];
            flat /= t.Shape[d];
        }
        return t[index];
    }

    private static double[] ToDoubles(Tensor t)
    {
        using var d = t.To(DType.Float64);
        return d.ToArray<double>();
    }
}

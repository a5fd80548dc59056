using System.Runtime.CompilerServices;
using CudaTensor.Ops;
using CudaTensor.AutogradEngine;

namespace CudaTensor;

/// <summary>Which formula <see cref="Tensor.Gelu"/> uses.</summary>
public enum GeluApproximation
{
    /// <summary>The exact form x·Φ(x) = x/2·(1 + erf(x/√2)).</summary>
    None,
    /// <summary>0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    Tanh,
}

// Elementwise functions of one tensor. Integer inputs of floating functions give Float32, as in PyTorch.
public sealed partial class Tensor
{
    /// <summary>-x.</summary>
    public Tensor Neg() => Unary(UnaryOp.Neg, this);
    /// <summary>|x|.</summary>
    public Tensor Abs() => Unary(UnaryOp.Abs, this);
    /// <summary>-1, 0 or 1 by the sign of x (NaN stays NaN).</summary>
    public Tensor Sign() => Unary(UnaryOp.Sign, this);
    /// <summary>x².</summary>
    public Tensor Square() => Unary(UnaryOp.Square, this);
    /// <summary>√x.</summary>
    public Tensor Sqrt() => Unary(UnaryOp.Sqrt, this);
    /// <summary>1/√x.</summary>
    public Tensor Rsqrt() => Unary(UnaryOp.Rsqrt, this);
    /// <summary>1/x.</summary>
    public Tensor Reciprocal() => Unary(UnaryOp.Reciprocal, this);
    /// <summary>eˣ.</summary>
    public Tensor Exp() => Unary(UnaryOp.Exp, this);
    /// <summary>2ˣ (torch.exp2). Integer inputs give the default float dtype.</summary>
    public Tensor Exp2() => Unary(UnaryOp.Exp2, this);
    /// <summary>Natural logarithm.</summary>
    public Tensor Log() => Unary(UnaryOp.Log, this);
    /// <summary>Base-2 logarithm (torch.log2): -∞ at 0, NaN below 0. Integer inputs give the default float dtype.</summary>
    public Tensor Log2() => Unary(UnaryOp.Log2, this);
    /// <summary>log(1 + x), accurate for small x.</summary>
    public Tensor Log1p() => Unary(UnaryOp.Log1p, this);
    /// <summary>eˣ - 1, accurate for small x.</summary>
    public Tensor Expm1() => Unary(UnaryOp.Expm1, this);
    /// <summary>Sine.</summary>
    public Tensor Sin() => Unary(UnaryOp.Sin, this);
    /// <summary>Cosine.</summary>
    public Tensor Cos() => Unary(UnaryOp.Cos, this);
    /// <summary>Hyperbolic tangent.</summary>
    public Tensor Tanh() => Unary(UnaryOp.Tanh, this);
    /// <summary>1 / (1 + e⁻ˣ).</summary>
    public Tensor Sigmoid() => Unary(UnaryOp.Sigmoid, this);
    /// <summary>max(x, 0).</summary>
    public Tensor Relu() => Unary(UnaryOp.Relu, this);
    /// <summary>x for x ≥ 0, <paramref name="negativeSlope"/>·x otherwise.</summary>
    public Tensor LeakyRelu(double negativeSlope = 0.01) => Unary(UnaryOp.LeakyRelu, this, negativeSlope);
    /// <summary>Gaussian error linear unit, exact or with the tanh approximation.</summary>
    public Tensor Gelu(GeluApproximation approximate = GeluApproximation.None)
        => Unary(approximate == GeluApproximation.Tanh ? UnaryOp.GeluTanh : UnaryOp.Gelu, this, name: nameof(Gelu));
    /// <summary>x·sigmoid(x).</summary>
    public Tensor Silu() => Unary(UnaryOp.Silu, this);
    /// <summary>log(1 + e^(βx))/β, and x where βx exceeds <paramref name="threshold"/>.</summary>
    public Tensor Softplus(double beta = 1, double threshold = 20) => Unary(UnaryOp.Softplus, this, beta, threshold);
    /// <summary>The error function.</summary>
    public Tensor Erf() => Unary(UnaryOp.Erf, this);
    /// <summary>Rounds down (integers are returned unchanged).</summary>
    public Tensor Floor() => DType.IsFloatingPoint() ? Unary(UnaryOp.Floor, this) : Clone();
    /// <summary>Rounds up (integers are returned unchanged).</summary>
    public Tensor Ceil() => DType.IsFloatingPoint() ? Unary(UnaryOp.Ceil, this) : Clone();
    /// <summary>Rounds half to even (integers are returned unchanged).</summary>
    public Tensor Round() => DType.IsFloatingPoint() ? Unary(UnaryOp.Round, this) : Clone();
    /// <summary>Rounds toward zero (integers are returned unchanged).</summary>
    public Tensor Trunc() => DType.IsFloatingPoint() ? Unary(UnaryOp.Trunc, this) : Clone();

    /// <summary>Limits values to [<paramref name="min"/>, <paramref name="max"/>]; a null bound is open.</summary>
    /// <exception cref="ArgumentException">Both bounds are null.</exception>
    // Preferred over Clamp(Tensor?, Tensor?) when neither overload is told apart by its arguments (x.Clamp(), x.Clamp(null, null)).
    [OverloadResolutionPriority(1)]
    public Tensor Clamp(double? min = null, double? max = null)
    {
        var (lo, hi) = ClampBounds(min, max, nameof(Clamp));
        return Unary(UnaryOp.Clamp, this, lo, hi);
    }

    /// <summary>max(x, <paramref name="min"/>) (torch.clamp_min).</summary>
    public Tensor ClampMin(double min) => Clamp(min, null);
    /// <summary>min(x, <paramref name="max"/>) (torch.clamp_max).</summary>
    public Tensor ClampMax(double max) => Clamp(null, max);
    /// <summary>max(x, <paramref name="min"/>) elementwise, broadcast (torch.clamp_min with a tensor bound).</summary>
    public Tensor ClampMin(Tensor min) => Clamp(min, null);
    /// <summary>min(x, <paramref name="max"/>) elementwise, broadcast (torch.clamp_max with a tensor bound).</summary>
    public Tensor ClampMax(Tensor max) => Clamp(null, max);

    /// <summary>
    /// min(max(x, <paramref name="min"/>), <paramref name="max"/>) elementwise, with the bounds broadcast against this tensor
    /// (torch.clamp with tensor bounds); a null bound is open. As in PyTorch: the result dtype is the promotion of all three,
    /// where min &gt; max the result is max, and NaN in x or in a bound gives NaN. The gradient goes to x where
    /// min ≤ x ≤ max, to min where x &lt; min (and min &lt; max), to max where x &gt; max (or max &lt; min).
    /// </summary>
    /// <exception cref="ArgumentException">Both bounds are null, or a bound does not broadcast with this tensor.</exception>
    public Tensor Clamp(Tensor? min = null, Tensor? max = null)
    {
        if (min is null && max is null) throw new ArgumentException($"{nameof(Clamp)}: at least one of min and max must be given.");
        Tensor result;
        using (GradMode.Set(false))
        {
            // Maximum and Minimum propagate NaN and promote, which is clamp's definition (a NaN bound gives NaN).
            if (max is null) result = Binary(BinaryOp.Maximum, this, min!, nameof(Clamp));
            else if (min is null) result = Binary(BinaryOp.Minimum, this, max, nameof(Clamp));
            else
            {
                using var low = Binary(BinaryOp.Maximum, this, min, nameof(Clamp));
                result = Binary(BinaryOp.Minimum, low, max, nameof(Clamp));
            }
        }
        Derivatives.RecordClamp(result, this, min, max);
        return result;
    }

    /// <summary>x raised to <paramref name="exponent"/>.</summary>
    public Tensor Pow(Scalar exponent) => BinaryScalar(BinaryOp.Pow, this, exponent, scalarFirst: false, nameof(Pow));

    /// <summary>x raised to the elementwise <paramref name="exponent"/> (broadcast).</summary>
    public Tensor Pow(Tensor exponent) => Binary(BinaryOp.Pow, this, exponent, nameof(Pow));

    /// <summary>In place: -x.</summary>
    public Tensor NegInPlace() => UnaryInPlace(UnaryOp.Neg);
    /// <summary>In place: |x|.</summary>
    public Tensor AbsInPlace() => UnaryInPlace(UnaryOp.Abs);
    /// <summary>In place: √x.</summary>
    public Tensor SqrtInPlace() => UnaryInPlace(UnaryOp.Sqrt);
    /// <summary>In place: eˣ.</summary>
    public Tensor ExpInPlace() => UnaryInPlace(UnaryOp.Exp);
    /// <summary>In place: log x.</summary>
    public Tensor LogInPlace() => UnaryInPlace(UnaryOp.Log);
    /// <summary>In place: tanh x.</summary>
    public Tensor TanhInPlace() => UnaryInPlace(UnaryOp.Tanh);
    /// <summary>In place: sigmoid x.</summary>
    public Tensor SigmoidInPlace() => UnaryInPlace(UnaryOp.Sigmoid);
    /// <summary>In place: max(x, 0).</summary>
    public Tensor ReluInPlace() => UnaryInPlace(UnaryOp.Relu);

    /// <summary>In place: limits values to [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public Tensor ClampInPlace(double? min = null, double? max = null)
    {
        var (lo, hi) = ClampBounds(min, max, nameof(ClampInPlace));
        return UnaryInPlace(UnaryOp.Clamp, lo, hi);
    }

    private static (double, double) ClampBounds(double? min, double? max, string op)
    {
        if (min is null && max is null) throw new ArgumentException($"{op}: at least one of min and max must be given.");
        return (min ?? double.NegativeInfinity, max ?? double.PositiveInfinity);
    }

    /// <summary>Bool tensor: whether each element is NaN.</summary>
    public Tensor IsNan() => Predicate(PredicateOp.IsNan, this);
    /// <summary>Bool tensor: whether each element is ±∞.</summary>
    public Tensor IsInf() => Predicate(PredicateOp.IsInf, this);
    /// <summary>Bool tensor: whether each element is neither NaN nor ±∞.</summary>
    public Tensor IsFinite() => Predicate(PredicateOp.IsFinite, this);
}

using CudaTensor.Ops;

namespace CudaTensor;

// Arithmetic between tensors and with C# numbers (either side), with broadcasting and PyTorch's promotion.
public sealed partial class Tensor
{
    /// <summary>a + b.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Binary(BinaryOp.Add, a, b, nameof(Add));
    /// <summary>a + s.</summary>
    public static Tensor operator +(Tensor a, Scalar s) => BinaryScalar(BinaryOp.Add, a, s, false, nameof(Add));
    /// <summary>s + a.</summary>
    public static Tensor operator +(Scalar s, Tensor a) => BinaryScalar(BinaryOp.Add, a, s, true, nameof(Add));
    /// <summary>a - b.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Binary(BinaryOp.Sub, a, b, nameof(Sub));
    /// <summary>a - s.</summary>
    public static Tensor operator -(Tensor a, Scalar s) => BinaryScalar(BinaryOp.Sub, a, s, false, nameof(Sub));
    /// <summary>s - a.</summary>
    public static Tensor operator -(Scalar s, Tensor a) => BinaryScalar(BinaryOp.Sub, a, s, true, nameof(Sub));
    /// <summary>a * b (elementwise).</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Binary(BinaryOp.Mul, a, b, nameof(Mul));
    /// <summary>a * s.</summary>
    public static Tensor operator *(Tensor a, Scalar s) => BinaryScalar(BinaryOp.Mul, a, s, false, nameof(Mul));
    /// <summary>s * a.</summary>
    public static Tensor operator *(Scalar s, Tensor a) => BinaryScalar(BinaryOp.Mul, a, s, true, nameof(Mul));
    /// <summary>a / b (true division: integers give floats).</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Binary(BinaryOp.Div, a, b, nameof(Div));
    /// <summary>a / s.</summary>
    public static Tensor operator /(Tensor a, Scalar s) => BinaryScalar(BinaryOp.Div, a, s, false, nameof(Div));
    /// <summary>s / a.</summary>
    public static Tensor operator /(Scalar s, Tensor a) => BinaryScalar(BinaryOp.Div, a, s, true, nameof(Div));
    /// <summary>Python-style remainder (sign of the divisor).</summary>
    public static Tensor operator %(Tensor a, Tensor b) => Binary(BinaryOp.Remainder, a, b, nameof(Remainder));
    /// <summary>Python-style remainder by a number.</summary>
    public static Tensor operator %(Tensor a, Scalar s) => BinaryScalar(BinaryOp.Remainder, a, s, false, nameof(Remainder));
    /// <summary>-a.</summary>
    public static Tensor operator -(Tensor a) => Unary(UnaryOp.Neg, a, name: nameof(Neg));

    /// <summary>this + <paramref name="alpha"/> · other.</summary>
    public Tensor Add(Tensor other, Scalar? alpha = null)
    {
        if (alpha is null) return Binary(BinaryOp.Add, this, other, nameof(Add));
        using var scaled = other * alpha.Value;
        return Binary(BinaryOp.Add, this, scaled, nameof(Add));
    }

    /// <summary>this + s.</summary>
    public Tensor Add(Scalar s) => this + s;
    /// <summary>this - other.</summary>
    public Tensor Sub(Tensor other) => this - other;
    /// <summary>this - s.</summary>
    public Tensor Sub(Scalar s) => this - s;
    /// <summary>this * other.</summary>
    public Tensor Mul(Tensor other) => this * other;
    /// <summary>this * s.</summary>
    public Tensor Mul(Scalar s) => this * s;
    /// <summary>this / other.</summary>
    public Tensor Div(Tensor other) => this / other;
    /// <summary>this / s.</summary>
    public Tensor Div(Scalar s) => this / s;
    /// <summary>Python-style remainder.</summary>
    public Tensor Remainder(Tensor other) => this % other;

    /// <summary>Elementwise maximum (NaN propagates).</summary>
    public static Tensor Maximum(Tensor a, Tensor b) => Binary(BinaryOp.Maximum, a, b, nameof(Maximum));
    /// <summary>Elementwise minimum (NaN propagates).</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => Binary(BinaryOp.Minimum, a, b, nameof(Minimum));

    /// <summary>
    /// <paramref name="start"/> + <paramref name="weight"/> · (<paramref name="end"/> - <paramref name="start"/>), all broadcast.
    /// As torch.lerp, weights of magnitude 0.5 and above are evaluated as end - (1 - weight) · (end - start), so weight 1 gives
    /// <paramref name="end"/> exactly.
    /// </summary>
    public static Tensor Lerp(Tensor start, Tensor end, Scalar weight)
    {
        using var diff = end - start;
        double w = weight.ToDouble();
        if (Math.Abs(w) < 0.5)
        {
            using var step = diff * weight;
            return Binary(BinaryOp.Add, start, step, nameof(Lerp));
        }
        using var back = diff * (1 - w);
        return Binary(BinaryOp.Sub, end, back, nameof(Lerp));
    }

    /// <summary><paramref name="start"/> + <paramref name="weight"/> · (<paramref name="end"/> - <paramref name="start"/>), weight elementwise (see the scalar overload).</summary>
    public static Tensor Lerp(Tensor start, Tensor end, Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        using var scope = NewScope();
        var diff = end - start;
        var low = start + weight * diff;
        var high = end - diff * (1 - weight);
        return scope.MoveToOuter(Where(weight.Abs().Lt(0.5), low, high));
    }

    /// <summary>In place: this += <paramref name="alpha"/> · other. Returns this tensor.</summary>
    public Tensor AddInPlace(Tensor other, Scalar? alpha = null)
    {
        if (alpha is null) return BinaryInPlace(BinaryOp.Add, other, nameof(AddInPlace));
        using var scaled = other * alpha.Value;
        return BinaryInPlace(BinaryOp.Add, scaled, nameof(AddInPlace));
    }

    /// <summary>In place: this += s.</summary>
    public Tensor AddInPlace(Scalar s) => BinaryScalarInPlace(BinaryOp.Add, s, nameof(AddInPlace));
    /// <summary>In place: this -= other.</summary>
    public Tensor SubInPlace(Tensor other) => BinaryInPlace(BinaryOp.Sub, other, nameof(SubInPlace));
    /// <summary>In place: this -= s.</summary>
    public Tensor SubInPlace(Scalar s) => BinaryScalarInPlace(BinaryOp.Sub, s, nameof(SubInPlace));
    /// <summary>In place: this *= other.</summary>
    public Tensor MulInPlace(Tensor other) => BinaryInPlace(BinaryOp.Mul, other, nameof(MulInPlace));
    /// <summary>In place: this *= s.</summary>
    public Tensor MulInPlace(Scalar s) => BinaryScalarInPlace(BinaryOp.Mul, s, nameof(MulInPlace));
    /// <summary>In place: this /= other (floating-point tensors only).</summary>
    public Tensor DivInPlace(Tensor other) => BinaryInPlace(BinaryOp.Div, other, nameof(DivInPlace));
    /// <summary>In place: this /= s (floating-point tensors only).</summary>
    public Tensor DivInPlace(Scalar s) => BinaryScalarInPlace(BinaryOp.Div, s, nameof(DivInPlace));
    /// <summary>In place: this = this^s.</summary>
    public Tensor PowInPlace(Scalar s) => BinaryScalarInPlace(BinaryOp.Pow, s, nameof(PowInPlace));
    /// <summary>In place: this = max(this, other).</summary>
    public Tensor MaximumInPlace(Tensor other) => BinaryInPlace(BinaryOp.Maximum, other, nameof(MaximumInPlace));
    /// <summary>In place: this = min(this, other).</summary>
    public Tensor MinimumInPlace(Tensor other) => BinaryInPlace(BinaryOp.Minimum, other, nameof(MinimumInPlace));
}

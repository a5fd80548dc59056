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
    /// <summary>Python-style remainder (the sign of the divisor), as <see cref="Remainder(Tensor)"/>.</summary>
    /// <exception cref="DivideByZeroException">Integer operands and a zero in <paramref name="b"/>.</exception>
    public static Tensor operator %(Tensor a, Tensor b) => Division(BinaryOp.Remainder, a, b, nameof(Remainder));
    /// <summary>Python-style remainder by a number, as <see cref="Remainder(Scalar)"/>.</summary>
    /// <exception cref="DivideByZeroException">An integer tensor and <paramref name="s"/> = 0.</exception>
    public static Tensor operator %(Tensor a, Scalar s) => Division(BinaryOp.Remainder, a, s, nameof(Remainder));
    /// <summary>-a.</summary>
    public static Tensor operator -(Tensor a) => Unary(UnaryOp.Neg, a, name: nameof(Neg));

    /// <summary>this + <paramref name="alpha"/> · other (torch.add), broadcast, with PyTorch's promotion.</summary>
    /// <exception cref="ArgumentException">
    /// <paramref name="alpha"/> is a floating-point number and both operands are integers or Bool, or a bool alpha with a non-Bool
    /// result (PyTorch refuses both: the scaled operand would not be an integer).
    /// </exception>
    public Tensor Add(Tensor other, Scalar? alpha = null) => Scaled(BinaryOp.Add, this, other, alpha, nameof(Add));

    /// <summary>this + s.</summary>
    public Tensor Add(Scalar s) => this + s;
    /// <summary>this - <paramref name="alpha"/> · other (torch.sub), broadcast, with PyTorch's promotion.</summary>
    /// <exception cref="ArgumentException">As <see cref="Add(Tensor, Scalar?)"/>; also two Bool tensors (use LogicalXor).</exception>
    public Tensor Sub(Tensor other, Scalar? alpha = null) => Scaled(BinaryOp.Sub, this, other, alpha, nameof(Sub));
    /// <summary>this - s.</summary>
    public Tensor Sub(Scalar s) => this - s;
    /// <summary>this * other.</summary>
    public Tensor Mul(Tensor other) => this * other;
    /// <summary>this * s.</summary>
    public Tensor Mul(Scalar s) => this * s;

    /// <summary>
    /// this / other (torch.div). With <paramref name="roundingMode"/> null this is true division: integer and Bool operands
    /// give the default float dtype (Float32), as <c>/</c>, and x / 0 is ±inf or NaN. <c>"trunc"</c> rounds the quotient
    /// toward zero and <c>"floor"</c> rounds it down (Python's <c>//</c>); both keep integer operands integer. The rounded
    /// forms have zero gradient, as in PyTorch.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="roundingMode"/> is not null, "trunc" or "floor"; or two Bool tensors with a rounding mode.</exception>
    /// <exception cref="DivideByZeroException">A rounding mode, integer operands and a zero in <paramref name="other"/> (PyTorch's ZeroDivisionError).</exception>
    public Tensor Div(Tensor other, string? roundingMode = null)
        => roundingMode is null ? this / other : Division(RoundingOp(roundingMode), this, other, nameof(Div));

    /// <summary>this / s, rounded as <paramref name="roundingMode"/> says (see <see cref="Div(Tensor, string?)"/>).</summary>
    /// <exception cref="ArgumentException"><paramref name="roundingMode"/> is not null, "trunc" or "floor".</exception>
    /// <exception cref="DivideByZeroException">A rounding mode, an integer tensor and <paramref name="s"/> = 0.</exception>
    public Tensor Div(Scalar s, string? roundingMode = null)
        => roundingMode is null ? this / s : Division(RoundingOp(roundingMode), this, s, nameof(Div));

    /// <summary>The quotient rounded down, Python's <c>//</c> (torch.floor_divide); the same as <c>Div(other, "floor")</c>.</summary>
    /// <exception cref="DivideByZeroException">Integer operands and a zero in <paramref name="other"/>.</exception>
    public Tensor FloorDivide(Tensor other) => Division(BinaryOp.FloorDivide, this, other, nameof(FloorDivide));
    /// <summary>The quotient by a number rounded down (torch.floor_divide).</summary>
    /// <exception cref="DivideByZeroException">An integer tensor and <paramref name="s"/> = 0.</exception>
    public Tensor FloorDivide(Scalar s) => Division(BinaryOp.FloorDivide, this, s, nameof(FloorDivide));

    /// <summary>
    /// Python's modulus (torch.remainder): this - floor(this / other) · other, which has the sign of the divisor
    /// (-3 % 2 = 1). Floats: x % 0 is NaN. Gradient: 1 for this, -floor(this / other) for other.
    /// Integer divisors are checked for zeros before the kernel runs, on every device (a CUDA integer division by zero
    /// would not trap but give an undefined value), so both devices throw the same exception; the check reads one value
    /// back from the device. The same holds for <see cref="FMod(Tensor)"/> and the rounded <see cref="Div(Tensor, string?)"/>.
    /// </summary>
    /// <exception cref="DivideByZeroException">Integer operands and a zero in <paramref name="other"/> (PyTorch's ZeroDivisionError).</exception>
    public Tensor Remainder(Tensor other) => Division(BinaryOp.Remainder, this, other, nameof(Remainder));
    /// <summary>Python's modulus by a number (torch.remainder), the sign of the divisor.</summary>
    /// <exception cref="DivideByZeroException">An integer tensor and <paramref name="s"/> = 0.</exception>
    public Tensor Remainder(Scalar s) => Division(BinaryOp.Remainder, this, s, nameof(Remainder));

    /// <summary>
    /// C's remainder (torch.fmod): this - trunc(this / other) · other, which has the sign of the dividend
    /// (fmod(-3, 2) = -1). Floats: fmod(x, 0) is NaN. Gradient: 1 for this, -trunc(this / other) for other.
    /// </summary>
    /// <exception cref="DivideByZeroException">Integer operands and a zero in <paramref name="other"/> (PyTorch's ZeroDivisionError).</exception>
    public Tensor FMod(Tensor other) => Division(BinaryOp.FMod, this, other, nameof(FMod));
    /// <summary>C's remainder by a number (torch.fmod), the sign of the dividend.</summary>
    /// <exception cref="DivideByZeroException">An integer tensor and <paramref name="s"/> = 0.</exception>
    public Tensor FMod(Scalar s) => Division(BinaryOp.FMod, this, s, nameof(FMod));

    /// <summary>Elementwise maximum (NaN propagates).</summary>
    public static Tensor Maximum(Tensor a, Tensor b) => Binary(BinaryOp.Maximum, a, b, nameof(Maximum));
    /// <summary>Elementwise minimum (NaN propagates).</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => Binary(BinaryOp.Minimum, a, b, nameof(Minimum));
    /// <summary>Elementwise maximum of this and <paramref name="other"/> (torch.maximum; NaN propagates, ties split the gradient).</summary>
    public Tensor Maximum(Tensor other) => Maximum(this, other);
    /// <summary>Elementwise minimum of this and <paramref name="other"/> (torch.minimum; NaN propagates, ties split the gradient).</summary>
    public Tensor Minimum(Tensor other) => Minimum(this, other);

    /// <summary>this + <paramref name="weight"/> · (<paramref name="end"/> - this) (torch.lerp); see <see cref="Lerp(Tensor, Tensor, Scalar)"/>.</summary>
    public Tensor Lerp(Tensor end, Scalar weight) => Lerp(this, end, weight);
    /// <summary>this + <paramref name="weight"/> · (<paramref name="end"/> - this), weight elementwise (torch.lerp).</summary>
    public Tensor Lerp(Tensor end, Tensor weight) => Lerp(this, end, weight);

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
    /// <exception cref="ArgumentException">A floating-point <paramref name="alpha"/> with integer operands (see <see cref="Add(Tensor, Scalar?)"/>).</exception>
    public Tensor AddInPlace(Tensor other, Scalar? alpha = null) => ScaledInPlace(BinaryOp.Add, other, alpha, nameof(AddInPlace));

    /// <summary>In place: this += s.</summary>
    public Tensor AddInPlace(Scalar s) => BinaryScalarInPlace(BinaryOp.Add, s, nameof(AddInPlace));
    /// <summary>In place: this -= <paramref name="alpha"/> · other. Returns this tensor.</summary>
    /// <exception cref="ArgumentException">A floating-point <paramref name="alpha"/> with integer operands (see <see cref="Add(Tensor, Scalar?)"/>).</exception>
    public Tensor SubInPlace(Tensor other, Scalar? alpha = null) => ScaledInPlace(BinaryOp.Sub, other, alpha, nameof(SubInPlace));
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

    private static Tensor Scaled(BinaryOp op, Tensor a, Tensor b, Scalar? alpha, string name)
    {
        if (alpha is null) return Binary(op, a, b, name);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        CheckAlpha(ResultType(a, b), alpha.Value, name);
        using var scaled = b * alpha.Value;
        return Binary(op, a, scaled, name);
    }

    private Tensor ScaledInPlace(BinaryOp op, Tensor other, Scalar? alpha, string name)
    {
        if (alpha is null) return BinaryInPlace(op, other, name);
        ArgumentNullException.ThrowIfNull(other);
        CheckAlpha(ResultType(this, other), alpha.Value, name);
        using var scaled = other * alpha.Value;
        return BinaryInPlace(op, scaled, name);
    }

    // PyTorch's alpha_check: alpha must not make an integer (or Bool) result fractional.
    private static void CheckAlpha(DType resultType, Scalar alpha, string name)
    {
        if (alpha.IsBool && resultType != DType.Bool)
            throw new ArgumentException($"{name}: a Bool alpha ({alpha}) is only supported for Bool results, not {resultType.Name()}. Pass a number.", nameof(alpha));
        if (alpha.IsFloatingPoint && !resultType.IsFloatingPoint())
            throw new ArgumentException(
                $"{name}: alpha {alpha} is a floating-point number but the operands are {resultType.Name()}. " +
                "Pass an integer alpha, or convert the tensors to a floating-point dtype first (.To(DType.Float32)).", nameof(alpha));
    }

    private static BinaryOp RoundingOp(string mode) => mode switch
    {
        "trunc" => BinaryOp.TruncDivide,
        "floor" => BinaryOp.FloorDivide,
        _ => throw new ArgumentException($"{nameof(Div)}: roundingMode must be null (true division), \"trunc\" or \"floor\", got \"{mode}\".", nameof(mode)),
    };

    /// <summary>A division-family op; integer operands first have their divisor checked for zeros.</summary>
    private static Tensor Division(BinaryOp op, Tensor a, Tensor b, string name)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (IsIntegerType(ResultType(a, b)) && a.NumElements > 0 && HasZero(b))
            throw DivisionByZero(name, $"the divisor {b.Describe()} holds a 0 (dividend {a.Describe()})");
        return Binary(op, a, b, name);
    }

    private static Tensor Division(BinaryOp op, Tensor a, Scalar s, string name)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (IsIntegerType(ResultType(a.DType, TierOf(a), WrappedType(s), PromotionTier.Wrapped)) && s.ToDouble() == 0 && a.NumElements > 0)
            throw DivisionByZero(name, $"the divisor is the number {s} (dividend {a.Describe()})");
        return BinaryScalar(op, a, s, scalarFirst: false, name);
    }

    // Bool is left to the op's own dtype check, which refuses it with its own message.
    private static bool IsIntegerType(DType t) => !t.IsFloatingPoint() && t != DType.Bool;

    // Checked on the host before launching, on every device: the CPU would trap in the middle of the loop with a
    // half-written result, and a CUDA integer division by zero does not trap at all (its value is undefined).
    // The check reads one Bool back, which synchronizes a CUDA stream; only integer division pays for it.
    private static bool HasZero(Tensor divisor)
    {
        if (divisor.NumElements == 0) return false;
        using var zero = divisor.Eq(0);
        using var any = zero.Any();
        return any.Item<bool>();
    }

    private static DivideByZeroException DivisionByZero(string name, string what) => new(
        $"{name}: integer division by zero: {what}. Integer division has no value for a zero divisor (PyTorch raises " +
        "ZeroDivisionError). Replace the zeros first (e.g. Tensor.Where(b.Eq(0), 1, b)), or divide in floating point " +
        "(.To(DType.Float32)), where x / 0 gives ±inf or NaN.");
}

using CudaTensor.Core;

namespace CudaTensor.NN;

// More activations of torch.nn.functional, composed from differentiable tensor ops (so they run on both devices and
// have gradients of any order). Where the pieces meet, each picks the branch PyTorch's backward formula uses, so the
// gradient at a kink is PyTorch's: Where(condition, a, b) sends the gradient to the branch it selected.
public static partial class Functional
{
    /// <summary>x for x &gt; 0, α·(eˣ - 1) otherwise (PyTorch's <c>F.elu</c>; the gradient at 0 is α, as PyTorch's).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public static Tensor ELU(Tensor input, double alpha = 1.0) => ScaledElu(input, alpha, 1.0, 1.0);

    /// <summary>scale·ELU(x, α) with the self-normalizing constants α ≈ 1.6733, scale ≈ 1.0507 (PyTorch's <c>F.selu</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public static Tensor SELU(Tensor input) => ScaledElu(input, SeluAlpha, SeluScale, 1.0);

    /// <summary>max(0, x) + min(0, α·(exp(x/α) - 1)) (PyTorch's <c>F.celu</c>; the gradient at 0 is 1).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is 0.</exception>
    public static Tensor CELU(Tensor input, double alpha = 1.0)
    {
        if (alpha == 0) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "CELU: alpha must not be 0 (it divides the input).");
        return ScaledElu(input, alpha, 1.0, 1.0 / alpha);
    }

    internal const double SeluAlpha = 1.6732632423543772848170429916717;
    internal const double SeluScale = 1.0507009873554804934193349852946;

    // scale·x for x > 0, scale·α·(exp(inputScale·x) - 1) otherwise (ATen's elu with its three coefficients). The
    // exponential sees min(x, 0), so a large positive x cannot overflow it into a NaN gradient.
    private static Tensor ScaledElu(Tensor input, double alpha, double scale, double inputScale)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = Tensor.NewScope();
        var negative = ((input.Clamp(max: 0.0) * inputScale).Exp() - 1.0) * (alpha * scale);
        var result = Tensor.Where(input.Gt(0.0), scale == 1.0 ? input : input * scale, negative);
        return scope.MoveToOuter(result);
    }

    /// <summary>x·tanh(softplus(x)) (PyTorch's <c>F.mish</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public static Tensor Mish(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = Tensor.NewScope();
        return scope.MoveToOuter(input * input.Softplus(1, double.PositiveInfinity).Tanh());
    }

    /// <summary>
    /// 0 for x ≤ -3, x for x ≥ 3, x·(x + 3)/6 between (PyTorch's <c>F.hardswish</c>; as libtorch's backward, the
    /// gradient at the kinks is that of the outer pieces: 0 at -3 and 1 at 3).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public static Tensor Hardswish(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = Tensor.NewScope();
        var middle = input * (input + 3.0) / 6.0;
        var upper = Tensor.Where(input.Lt(3.0), middle, input);
        return scope.MoveToOuter(Tensor.Where(input.Le(-3.0), 0.0, upper));
    }

    /// <summary>0 for x ≤ -3, 1 for x ≥ 3, x/6 + 1/2 between (PyTorch's <c>F.hardsigmoid</c>; gradient 0 at the kinks).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public static Tensor Hardsigmoid(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = Tensor.NewScope();
        var inside = input.Gt(-3.0).LogicalAnd(input.Lt(3.0));
        var outside = input.Ge(3.0).To(input.DType);
        return scope.MoveToOuter(Tensor.Where(inside, input / 6.0 + 0.5, outside));
    }

    /// <summary>
    /// x clamped to [<paramref name="minVal"/>, <paramref name="maxVal"/>] (PyTorch's <c>F.hardtanh</c>; unlike Clamp's,
    /// its gradient is 0 at both ends, as PyTorch's).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="maxVal"/> is below <paramref name="minVal"/>.</exception>
    public static Tensor Hardtanh(Tensor input, double minVal = -1.0, double maxVal = 1.0)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (maxVal < minVal) throw new ArgumentException($"Hardtanh: maxVal ({maxVal}) must not be below minVal ({minVal}).", nameof(maxVal));
        using var scope = Tensor.NewScope();
        var inside = input.Gt(minVal).LogicalAnd(input.Lt(maxVal));
        Tensor clamped;
        using (Autograd.NoGrad()) clamped = input.Clamp(minVal, maxVal);
        return scope.MoveToOuter(Tensor.Where(inside, input, clamped));
    }

    /// <summary>min(max(x, 0), 6) (PyTorch's <c>F.relu6</c>, Hardtanh(0, 6)).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public static Tensor ReLU6(Tensor input) => Hardtanh(input, 0.0, 6.0);

    /// <summary>
    /// x for x &gt; 0, w·x otherwise, with one learned slope per channel (dimension 1, or 0 for a 1-d input) or one for
    /// all (PyTorch's <c>F.prelu</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The weight has neither 1 element nor one per channel.</exception>
    public static Tensor PReLU(Tensor input, Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        using var scope = Tensor.NewScope();
        var w = weight;
        if (weight.NumElements != 1)
        {
            int channelDim = input.Dim >= 2 ? 1 : 0;
            long channels = input.Dim == 0 ? 1 : input.Shape[channelDim];
            if (weight.Dim != 1 || weight.NumElements != channels)
                throw new ArgumentException(
                    $"PReLU: the weight has shape {Shapes.Format(weight.Shape)}, but the input {Shapes.Format(input.Shape)} has {channels} channels " +
                    $"(dimension {channelDim}); use PReLU(numParameters: {channels}) or numParameters: 1.", nameof(weight));
            var shape = Enumerable.Repeat(1L, input.Dim).ToArray();
            shape[channelDim] = channels;
            w = weight.Reshape(shape);
        }
        else if (weight.Dim != 0)
        {
            w = weight.Reshape([]);
        }
        return scope.MoveToOuter(Tensor.Where(input.Gt(0.0), input, w * input));
    }

    /// <summary>x / (1 + |x|) (PyTorch's <c>F.softsign</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public static Tensor Softsign(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = Tensor.NewScope();
        return scope.MoveToOuter(input / (input.Abs() + 1.0));
    }

    /// <summary>log(sigmoid(x)) = -softplus(-x), without overflow for large |x| (PyTorch's <c>F.logsigmoid</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public static Tensor LogSigmoid(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = Tensor.NewScope();
        return scope.MoveToOuter(-(-input).Softplus(1, double.PositiveInfinity));
    }

    /// <summary>x where x &gt; <paramref name="threshold"/>, <paramref name="value"/> otherwise (PyTorch's <c>F.threshold</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public static Tensor Threshold(Tensor input, double threshold, double value)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = Tensor.NewScope();
        return scope.MoveToOuter(Tensor.Where(input.Gt(threshold), input, value));
    }

    /// <summary>x - tanh(x) (PyTorch's <c>F.tanhshrink</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public static Tensor Tanhshrink(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = Tensor.NewScope();
        return scope.MoveToOuter(input - input.Tanh());
    }

    /// <summary>x - λ for x &gt; λ, x + λ for x &lt; -λ, 0 between (PyTorch's <c>F.softshrink</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lambd"/> is negative.</exception>
    public static Tensor Softshrink(Tensor input, double lambd = 0.5)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!(lambd >= 0)) throw new ArgumentOutOfRangeException(nameof(lambd), lambd, "Softshrink: lambd must be >= 0.");
        using var scope = Tensor.NewScope();
        var shrunk = Tensor.Where(input.Gt(lambd), input - lambd, input + lambd);
        return scope.MoveToOuter(Tensor.Where(input.Abs().Le(lambd), 0.0, shrunk));
    }

    /// <summary>x where |x| &gt; λ, 0 otherwise (PyTorch's <c>F.hardshrink</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public static Tensor Hardshrink(Tensor input, double lambd = 0.5)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = Tensor.NewScope();
        return scope.MoveToOuter(Tensor.Where(input.Abs().Gt(lambd), input, 0.0));
    }
}

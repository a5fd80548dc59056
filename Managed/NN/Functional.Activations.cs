namespace CudaTensor.NN;

// The activation functions of torch.nn.functional, under the names of their modules. Each is the tensor method of the
// same meaning (which stays), so module, functional and method forms give the same values and gradients.
public static partial class Functional
{
    /// <summary>max(x, 0), elementwise (PyTorch's <c>F.relu</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public static Tensor ReLU(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Relu();
    }

    /// <summary>x for x ≥ 0, <paramref name="negativeSlope"/>·x otherwise (PyTorch's <c>F.leaky_relu</c>, default slope 0.01).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public static Tensor LeakyReLU(Tensor input, double negativeSlope = 0.01)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.LeakyRelu(negativeSlope);
    }

    /// <summary>Gaussian error linear unit x·Φ(x), exact (the default) or with the tanh approximation (PyTorch's <c>F.gelu</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public static Tensor GELU(Tensor input, GeluApproximation approximate = GeluApproximation.None)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Gelu(approximate);
    }

    /// <summary>x·σ(x), elementwise (PyTorch's <c>F.silu</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public static Tensor SiLU(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Silu();
    }

    /// <summary>1 / (1 + e⁻ˣ), elementwise (PyTorch's <c>F.sigmoid</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public static Tensor Sigmoid(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Sigmoid();
    }

    /// <summary>Hyperbolic tangent, elementwise (PyTorch's <c>F.tanh</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public static Tensor Tanh(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Tanh();
    }

    /// <summary>
    /// log(1 + e^(βx))/β, and x itself where βx exceeds <paramref name="threshold"/> (PyTorch's <c>F.softplus</c>,
    /// defaults β = 1, threshold = 20).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    public static Tensor Softplus(Tensor input, double beta = 1, double threshold = 20)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Softplus(beta, threshold);
    }

    /// <summary>
    /// Softmax along <paramref name="dim"/>, computed stably (PyTorch's <c>F.softmax</c>); with <paramref name="dtype"/>
    /// the input is first converted to it (PyTorch's <c>dtype</c> argument, e.g. Float64 for extra precision).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is not a dimension of the input.</exception>
    public static Tensor Softmax(Tensor input, int dim, DType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (dtype is not DType d || d == input.DType) return input.Softmax(dim);
        using var converted = input.To(d);
        return converted.Softmax(dim);
    }

    /// <summary>
    /// Log-softmax along <paramref name="dim"/>: x - log Σ exp(x), computed stably (PyTorch's <c>F.log_softmax</c>);
    /// with <paramref name="dtype"/> the input is first converted to it.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is not a dimension of the input.</exception>
    public static Tensor LogSoftmax(Tensor input, int dim, DType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (dtype is not DType d || d == input.DType) return input.LogSoftmax(dim);
        using var converted = input.To(d);
        return converted.LogSoftmax(dim);
    }
}

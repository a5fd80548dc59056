namespace CudaTensor.NN;

/// <summary>The activation that follows a layer, for <see cref="Init.CalculateGain"/> (PyTorch's <c>nonlinearity</c> names).</summary>
public enum Nonlinearity
{
    /// <summary>No activation (also for convolutions): gain 1.</summary>
    Linear,
    /// <summary>Sigmoid: gain 1.</summary>
    Sigmoid,
    /// <summary>Tanh: gain 5/3.</summary>
    Tanh,
    /// <summary>ReLU: gain √2.</summary>
    Relu,
    /// <summary>Leaky ReLU: gain √(2 / (1 + slope²)), slope 0.01 unless given.</summary>
    LeakyRelu,
    /// <summary>SELU: gain 3/4.</summary>
    Selu,
}

/// <summary>Whether Kaiming initialisation preserves the variance of the forward pass (fan-in) or of the backward pass (fan-out).</summary>
public enum FanMode
{
    /// <summary>Scale by the number of inputs of each output unit.</summary>
    FanIn,
    /// <summary>Scale by the number of outputs each input unit feeds.</summary>
    FanOut,
}

/// <summary>
/// Weight initialisation, with PyTorch's formulas (<c>torch.nn.init</c>). Each method fills the tensor in place
/// without recording gradients (so it works on parameters) and returns it; each takes an optional
/// <see cref="Generator"/> (default: the global one) for reproducible draws.
/// </summary>
public static class Init
{
    /// <summary>
    /// The recommended gain for an activation: 1 for linear and sigmoid, 5/3 for tanh, √2 for ReLU,
    /// √(2 / (1 + slope²)) for leaky ReLU (<paramref name="param"/> is the slope, 0.01 by default), 3/4 for SELU.
    /// </summary>
    public static double CalculateGain(Nonlinearity nonlinearity, double? param = null) => nonlinearity switch
    {
        Nonlinearity.Linear or Nonlinearity.Sigmoid => 1.0,
        Nonlinearity.Tanh => 5.0 / 3,
        Nonlinearity.Relu => Math.Sqrt(2.0),
        Nonlinearity.LeakyRelu => Math.Sqrt(2.0 / (1 + Math.Pow(param ?? 0.01, 2))),
        Nonlinearity.Selu => 3.0 / 4,
        _ => throw new ArgumentOutOfRangeException(nameof(nonlinearity), nonlinearity, "Unknown nonlinearity."),
    };

    /// <summary>
    /// Fan-in and fan-out of a weight of shape [out, in, k1, k2, ...]: in · Πk and out · Πk (PyTorch's
    /// <c>_calculate_fan_in_and_fan_out</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The tensor has fewer than 2 dimensions.</exception>
    public static (long FanIn, long FanOut) CalculateFanInAndFanOut(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Dim < 2)
            throw new ArgumentException(
                $"Init: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions (shape [{string.Join(", ", tensor.Shape.ToArray())}]). " +
                "Use Uniform or Normal for biases and other vectors.", nameof(tensor));
        long receptive = 1;
        for (int d = 2; d < tensor.Dim; d++) receptive *= tensor.Shape[d];
        return (tensor.Shape[1] * receptive, tensor.Shape[0] * receptive);
    }

    /// <summary>Fills with samples of U(<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static Tensor Uniform(Tensor tensor, double low = 0, double high = 1, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using (Autograd.NoGrad()) return tensor.UniformInPlace(low, high, generator);
    }

    /// <summary>Fills with samples of N(<paramref name="mean"/>, <paramref name="std"/>²).</summary>
    public static Tensor Normal(Tensor tensor, double mean = 0, double std = 1, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using (Autograd.NoGrad()) return tensor.NormalInPlace(mean, std, generator);
    }

    /// <summary>Fills with zeros.</summary>
    public static Tensor Zeros(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using (Autograd.NoGrad()) return tensor.Fill(0);
    }

    /// <summary>Fills with ones.</summary>
    public static Tensor Ones(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using (Autograd.NoGrad()) return tensor.Fill(1);
    }

    /// <summary>Fills with a constant.</summary>
    public static Tensor Constant(Tensor tensor, double value)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using (Autograd.NoGrad()) return tensor.Fill(value);
    }

    /// <summary>
    /// Kaiming (He) uniform: U(-b, b) with b = gain · √(3 / fan), gain = <see cref="CalculateGain"/>(<paramref name="nonlinearity"/>, <paramref name="a"/>).
    /// PyTorch's <see cref="Linear"/> and <see cref="Conv2d"/> weights use a = √5, which gives b = 1/√fan_in.
    /// </summary>
    /// <param name="tensor">The weight, at least 2-D.</param>
    /// <param name="a">The negative slope of the leaky ReLU that follows (only used with <see cref="Nonlinearity.LeakyRelu"/>).</param>
    /// <param name="mode">Which fan to preserve.</param>
    /// <param name="nonlinearity">The activation that follows.</param>
    /// <param name="generator">The random source (default: the global generator).</param>
    public static Tensor KaimingUniform(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.NumElements == 0) return tensor; // as PyTorch: initialising an empty tensor does nothing
        double std = KaimingStd(tensor, a, mode, nonlinearity);
        double bound = Math.Sqrt(3.0) * std;
        return Uniform(tensor, -bound, bound, generator);
    }

    /// <summary>Kaiming (He) normal: N(0, std²) with std = gain / √fan.</summary>
    /// <param name="tensor">The weight, at least 2-D.</param>
    /// <param name="a">The negative slope of the leaky ReLU that follows (only used with <see cref="Nonlinearity.LeakyRelu"/>).</param>
    /// <param name="mode">Which fan to preserve.</param>
    /// <param name="nonlinearity">The activation that follows.</param>
    /// <param name="generator">The random source (default: the global generator).</param>
    public static Tensor KaimingNormal(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.NumElements == 0) return tensor;
        return Normal(tensor, 0, KaimingStd(tensor, a, mode, nonlinearity), generator);
    }

    /// <summary>Xavier (Glorot) uniform: U(-b, b) with b = gain · √(6 / (fan_in + fan_out)).</summary>
    public static Tensor XavierUniform(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        double std = gain * Math.Sqrt(2.0 / (fanIn + fanOut));
        double bound = Math.Sqrt(3.0) * std;
        return Uniform(tensor, -bound, bound, generator);
    }

    /// <summary>Xavier (Glorot) normal: N(0, std²) with std = gain · √(2 / (fan_in + fan_out)).</summary>
    public static Tensor XavierNormal(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        return Normal(tensor, 0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)), generator);
    }

    private static double KaimingStd(Tensor tensor, double a, FanMode mode, Nonlinearity nonlinearity)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
        long fan = mode == FanMode.FanIn ? fanIn : fanOut;
        return CalculateGain(nonlinearity, a) / Math.Sqrt(fan);
    }
}

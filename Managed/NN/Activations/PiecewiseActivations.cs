using System.Globalization;

namespace CudaTensor.NN;

/// <summary>PyTorch's <c>nn.Hardswish</c>: see <see cref="Functional.Hardswish"/>.</summary>
public sealed class Hardswish : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Hardswish(input);
}

/// <summary>PyTorch's <c>nn.Hardsigmoid</c>: see <see cref="Functional.Hardsigmoid"/>.</summary>
public sealed class Hardsigmoid : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Hardsigmoid(input);
}

/// <summary>PyTorch's <c>nn.Hardtanh(min_val, max_val)</c>: see <see cref="Functional.Hardtanh"/>.</summary>
public sealed class Hardtanh(double minVal = -1.0, double maxVal = 1.0) : Module
{
    /// <summary>The lower end.</summary>
    public double MinVal { get; } = minVal;

    /// <summary>The upper end.</summary>
    public double MaxVal { get; } = maxVal;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Hardtanh(input, MinVal, MaxVal);

    /// <inheritdoc/>
    protected override string ExtraRepr()
        => $"min_val={MinVal.ToString(CultureInfo.InvariantCulture)}, max_val={MaxVal.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>PyTorch's <c>nn.ReLU6</c>: min(max(x, 0), 6).</summary>
public sealed class ReLU6 : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.ReLU6(input);
}

/// <summary>PyTorch's <c>nn.Threshold(threshold, value)</c>: x where x &gt; threshold, value otherwise.</summary>
public sealed class Threshold(double threshold, double value) : Module
{
    /// <summary>The threshold.</summary>
    public double ThresholdValue { get; } = threshold;

    /// <summary>The value below (or at) the threshold.</summary>
    public double Value { get; } = value;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Threshold(input, ThresholdValue, Value);

    /// <inheritdoc/>
    protected override string ExtraRepr()
        => $"threshold={ThresholdValue.ToString(CultureInfo.InvariantCulture)}, value={Value.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>PyTorch's <c>nn.Softshrink(lambd)</c>: see <see cref="Functional.Softshrink"/>.</summary>
public sealed class Softshrink(double lambd = 0.5) : Module
{
    /// <summary>λ.</summary>
    public double Lambd { get; } = lambd;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Softshrink(input, Lambd);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"lambd={Lambd.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>PyTorch's <c>nn.Hardshrink(lambd)</c>: see <see cref="Functional.Hardshrink"/>.</summary>
public sealed class Hardshrink(double lambd = 0.5) : Module
{
    /// <summary>λ.</summary>
    public double Lambd { get; } = lambd;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Hardshrink(input, Lambd);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"lambd={Lambd.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// PyTorch's <c>nn.PReLU(num_parameters, init)</c>: a ReLU whose negative slope is learned, one for all channels or
/// one per channel (dimension 1 of the input). Parameter <c>"weight"</c>, shape [numParameters], filled with init.
/// </summary>
public sealed class PReLU : Module
{
    /// <summary>Creates the slopes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numParameters"/> is not positive.</exception>
    public PReLU(int numParameters = 1, double init = 0.25, Device? device = null, DType? dtype = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numParameters);
        Weight = RegisterParameter("weight", Tensor.Full([numParameters], init, dtype, device));
    }

    /// <summary>The slopes, shape [numParameters].</summary>
    public Tensor Weight { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.PReLU(input, Weight);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"num_parameters={Weight.NumElements.ToString(CultureInfo.InvariantCulture)}";
}

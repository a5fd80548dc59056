using System.Globalization;

namespace CudaTensor.NN;

/// <summary>Exponential linear unit, PyTorch's <c>nn.ELU(alpha)</c>: see <see cref="Functional.ELU"/>.</summary>
public sealed class ELU(double alpha = 1.0) : Module
{
    /// <summary>The negative saturation value α.</summary>
    public double Alpha { get; } = alpha;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.ELU(input, Alpha);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"alpha={Alpha.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>Scaled ELU, PyTorch's <c>nn.SELU</c>: see <see cref="Functional.SELU"/>.</summary>
public sealed class SELU : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.SELU(input);
}

/// <summary>Continuously differentiable ELU, PyTorch's <c>nn.CELU(alpha)</c>: see <see cref="Functional.CELU"/>.</summary>
public sealed class CELU(double alpha = 1.0) : Module
{
    /// <summary>α of the negative branch.</summary>
    public double Alpha { get; } = alpha;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.CELU(input, Alpha);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"alpha={Alpha.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>PyTorch's <c>nn.Mish</c>: x·tanh(softplus(x)).</summary>
public sealed class Mish : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Mish(input);
}

/// <summary>PyTorch's <c>nn.LogSigmoid</c>: log(sigmoid(x)).</summary>
public sealed class LogSigmoid : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.LogSigmoid(input);
}

/// <summary>PyTorch's <c>nn.Softsign</c>: x / (1 + |x|).</summary>
public sealed class Softsign : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Softsign(input);
}

/// <summary>PyTorch's <c>nn.Tanhshrink</c>: x - tanh(x).</summary>
public sealed class Tanhshrink : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Tanhshrink(input);
}

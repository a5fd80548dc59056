using System.Globalization;

namespace CudaTensor.NN;

/// <summary>Leaky rectified linear unit: x for x ≥ 0, <see cref="NegativeSlope"/>·x otherwise (see <see cref="Functional.LeakyReLU"/>).</summary>
/// <param name="negativeSlope">The slope for negative inputs (default 0.01, as PyTorch).</param>
public sealed class LeakyReLU(double negativeSlope = 0.01) : Module
{
    /// <summary>The slope for negative inputs.</summary>
    public double NegativeSlope { get; } = negativeSlope;

    /// <summary>Leaky ReLU of every element.</summary>
    public override Tensor Forward(Tensor input) => Functional.LeakyReLU(input, NegativeSlope);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"negative_slope={NegativeSlope.ToString(CultureInfo.InvariantCulture)}";
}

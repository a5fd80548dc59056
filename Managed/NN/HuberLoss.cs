using System.Globalization;

namespace CudaTensor.NN;

/// <summary>Huber loss (see <see cref="Functional.HuberLoss"/>).</summary>
/// <param name="reduction">How per-element losses are combined (default: mean).</param>
/// <param name="delta">Where the loss turns from quadratic to linear (default 1).</param>
public sealed class HuberLoss(Reduction reduction = Reduction.Mean, double delta = 1.0) : Loss(reduction)
{
    /// <summary>Where the loss turns from quadratic to linear.</summary>
    public double Delta { get; } = delta;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.HuberLoss(input, target, Reduction, Delta);

    /// <inheritdoc/>
    protected override string ExtraRepr() => base.ExtraRepr() + $", delta={Delta.ToString(CultureInfo.InvariantCulture)}";
}

using System.Globalization;

namespace CudaTensor.NN;

/// <summary>Smooth L1 loss (see <see cref="Functional.SmoothL1Loss"/>).</summary>
/// <param name="reduction">How per-element losses are combined (default: mean).</param>
/// <param name="beta">Where the loss turns from quadratic to linear (default 1; 0 gives the L1 loss).</param>
public sealed class SmoothL1Loss(Reduction reduction = Reduction.Mean, double beta = 1.0) : Loss(reduction)
{
    /// <summary>Where the loss turns from quadratic to linear.</summary>
    public double Beta { get; } = beta;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.SmoothL1Loss(input, target, Reduction, Beta);

    /// <inheritdoc/>
    protected override string ExtraRepr() => base.ExtraRepr() + $", beta={Beta.ToString(CultureInfo.InvariantCulture)}";
}

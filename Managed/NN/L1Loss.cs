namespace CudaTensor.NN;

/// <summary>Mean absolute error (see <see cref="Functional.L1Loss"/>).</summary>
/// <param name="reduction">How per-element losses are combined (default: mean).</param>
public sealed class L1Loss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.L1Loss(input, target, Reduction);
}

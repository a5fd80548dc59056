namespace CudaTensor.NN;

/// <summary>Mean squared error (see <see cref="Functional.MseLoss"/>).</summary>
/// <param name="reduction">How per-element losses are combined (default: mean).</param>
public sealed class MSELoss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.MseLoss(input, target, Reduction);
}

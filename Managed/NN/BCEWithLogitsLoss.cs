namespace CudaTensor.NN;

/// <summary>Binary cross-entropy on logits, computed stably (see <see cref="Functional.BinaryCrossEntropyWithLogits"/>).</summary>
public sealed class BCEWithLogitsLoss : Loss
{
    /// <summary>
    /// Creates the loss; <paramref name="weight"/> and <paramref name="posWeight"/> (one per class, broadcast along
    /// the last dimension) are optional and become the buffers <c>weight</c> and <c>pos_weight</c>.
    /// </summary>
    public BCEWithLogitsLoss(Tensor? weight = null, Reduction reduction = Reduction.Mean, Tensor? posWeight = null) : base(reduction)
    {
        if (weight is not null) RegisterBuffer("weight", weight);
        if (posWeight is not null) RegisterBuffer("pos_weight", posWeight);
    }

    /// <summary>The element weights, or null.</summary>
    public Tensor? Weight => OptionalBuffer("weight");

    /// <summary>The weight of positive examples per class, or null.</summary>
    public Tensor? PosWeight => OptionalBuffer("pos_weight");

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target)
        => Functional.BinaryCrossEntropyWithLogits(input, target, Weight, PosWeight, Reduction);
}

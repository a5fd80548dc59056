namespace CudaTensor.NN;

/// <summary>Binary cross-entropy of probabilities (see <see cref="Functional.BinaryCrossEntropy"/>).</summary>
public sealed class BCELoss : Loss
{
    /// <summary>Creates the loss; <paramref name="weight"/> (optional, broadcast to the input) becomes the buffer <c>weight</c>.</summary>
    public BCELoss(Tensor? weight = null, Reduction reduction = Reduction.Mean) : base(reduction)
    {
        if (weight is not null) RegisterBuffer("weight", weight);
    }

    /// <summary>The element weights, or null.</summary>
    public Tensor? Weight => OptionalBuffer("weight");

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.BinaryCrossEntropy(input, target, Weight, Reduction);
}

namespace CudaTensor.NN;

/// <summary>Negative log-likelihood of class indices given log-probabilities (see <see cref="Functional.NllLoss"/>).</summary>
public sealed class NLLLoss : Loss
{
    /// <summary>Creates the loss; <paramref name="weight"/> [C] (optional) becomes the buffer <c>weight</c>.</summary>
    public NLLLoss(Tensor? weight = null, long ignoreIndex = -100, Reduction reduction = Reduction.Mean) : base(reduction)
    {
        if (weight is not null) RegisterBuffer("weight", weight);
        IgnoreIndex = ignoreIndex;
    }

    /// <summary>Target value that contributes nothing (default -100).</summary>
    public long IgnoreIndex { get; }

    /// <summary>The class weights, or null.</summary>
    public Tensor? Weight => OptionalBuffer("weight");

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.NllLoss(input, target, Weight, IgnoreIndex, Reduction);
}

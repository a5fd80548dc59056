namespace CudaTensor.NN;

/// <summary>
/// Cross-entropy of logits against class indices or class probabilities (see <see cref="Functional.CrossEntropy"/>),
/// with optional class weights, an ignored index and label smoothing.
/// </summary>
public sealed class CrossEntropyLoss : Loss
{
    /// <summary>Creates the loss; <paramref name="weight"/> [C] (optional) becomes the buffer <c>weight</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="labelSmoothing"/> is outside [0, 1].</exception>
    public CrossEntropyLoss(Tensor? weight = null, long ignoreIndex = -100, Reduction reduction = Reduction.Mean, double labelSmoothing = 0)
        : base(reduction)
    {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "CrossEntropyLoss: labelSmoothing must be in [0, 1].");
        if (weight is not null) RegisterBuffer("weight", weight);
        IgnoreIndex = ignoreIndex;
        LabelSmoothing = labelSmoothing;
    }

    /// <summary>Target value that contributes nothing (default -100).</summary>
    public long IgnoreIndex { get; }

    /// <summary>The label smoothing ε in [0, 1].</summary>
    public double LabelSmoothing { get; }

    /// <summary>The class weights, or null.</summary>
    public Tensor? Weight => OptionalBuffer("weight");

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The logits are not floating point, or the target does not fit them (see <see cref="Functional.CrossEntropy"/>).</exception>
    public override Tensor Forward(Tensor input, Tensor target)
    {
        Functional.CheckLogits(input, nameof(CrossEntropyLoss));
        return Functional.CrossEntropy(input, target, Weight, IgnoreIndex, Reduction, LabelSmoothing);
    }
}

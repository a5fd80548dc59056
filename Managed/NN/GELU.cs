namespace CudaTensor.NN;

/// <summary>Gaussian error linear unit x·Φ(x), exact (the default) or with the tanh approximation.</summary>
/// <param name="approximate">Which formula to use.</param>
public sealed class GELU(GeluApproximation approximate = GeluApproximation.None) : Module
{
    /// <summary>The formula in use.</summary>
    public GeluApproximation Approximate { get; } = approximate;

    /// <summary>GELU of every element.</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Gelu(Approximate);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => Approximate == GeluApproximation.Tanh ? "approximate='tanh'" : "approximate='none'";
}

namespace CudaTensor.NN;

/// <summary>Softmax along <see cref="Dim"/>: exp(x) / Σ exp(x), computed stably.</summary>
/// <param name="dim">The dimension whose entries sum to 1 (negative counts from the end).</param>
public sealed class Softmax(int dim) : Module
{
    /// <summary>The dimension normalized over.</summary>
    public int Dim { get; } = dim;

    /// <summary>Softmax of <paramref name="input"/> along <see cref="Dim"/>.</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Softmax(Dim);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"dim={Dim}";
}

namespace CudaTensor.NN;

/// <summary>Log-softmax along <see cref="Dim"/>: x - log Σ exp(x), computed stably (pair it with <see cref="NLLLoss"/>).</summary>
/// <param name="dim">The dimension normalized over (negative counts from the end).</param>
public sealed class LogSoftmax(int dim) : Module
{
    /// <summary>The dimension normalized over.</summary>
    public int Dim { get; } = dim;

    /// <summary>Log-softmax of <paramref name="input"/> along <see cref="Dim"/>.</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.LogSoftmax(Dim);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"dim={Dim}";
}

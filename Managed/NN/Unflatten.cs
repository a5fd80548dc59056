namespace CudaTensor.NN;

/// <summary>Splits dimension <see cref="Dim"/> into <see cref="Sizes"/>, the inverse of <see cref="Flatten"/> (PyTorch's <c>nn.Unflatten</c>).</summary>
/// <param name="dim">The dimension to split.</param>
/// <param name="sizes">Its new sizes; their product must be its size (one may be -1, inferred).</param>
public sealed class Unflatten(int dim, params long[] sizes) : Module
{
    /// <summary>The dimension split.</summary>
    public int Dim { get; } = dim;

    /// <summary>The sizes it is split into.</summary>
    public IReadOnlyList<long> Sizes { get; } = sizes ?? throw new ArgumentNullException(nameof(sizes));

    /// <summary>The input with the dimension split (a view when the layout allows).</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Unflatten(Dim, [.. Sizes]);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"dim={Dim}, unflattened_size=({string.Join(", ", Sizes)})";
}

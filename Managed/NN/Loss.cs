namespace CudaTensor.NN;

/// <summary>
/// Base of the loss modules: <c>loss.Forward(input, target)</c> with a <see cref="NN.Reduction"/>. Optional class
/// weights are registered as buffers named <c>weight</c> (and <c>pos_weight</c>), so they move with
/// <c>To(device)</c> and appear in the state dict, as in PyTorch.
/// </summary>
/// <param name="reduction">How per-element losses are combined.</param>
public abstract class Loss(Reduction reduction) : Module
{
    /// <summary>How per-element losses are combined.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The loss of <paramref name="input"/> against <paramref name="target"/>.</summary>
    public abstract Tensor Forward(Tensor input, Tensor target);

    /// <summary>The optional buffer <paramref name="name"/>, or null when none was registered.</summary>
    protected Tensor? OptionalBuffer(string name) => NamedBuffers(recurse: false).Any(b => b.Name == name) ? GetBuffer(name) : null;

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"reduction='{Reduction.ToString().ToLowerInvariant()}'";
}

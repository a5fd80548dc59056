namespace CudaTensor.NN;

/// <summary>
/// A stack of <see cref="TransformerEncoderLayer"/>s (PyTorch's <c>nn.TransformerEncoder</c>): <c>numLayers</c> deep copies
/// of the given layer, named <c>layers.0</c>, <c>layers.1</c>, ..., then an optional final <c>norm</c>.
/// </summary>
public sealed class TransformerEncoder : Module
{
    private readonly TransformerEncoderLayer[] _layers;

    /// <summary>Copies <paramref name="encoderLayer"/> (configuration and current parameters) <paramref name="numLayers"/> times; the
    /// given layer itself is not registered (dispose it when no longer needed). <paramref name="norm"/> is owned by the stack.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numLayers"/> is negative.</exception>
    public TransformerEncoder(TransformerEncoderLayer encoderLayer, int numLayers, Module? norm = null)
    {
        ArgumentNullException.ThrowIfNull(encoderLayer);
        ArgumentOutOfRangeException.ThrowIfNegative(numLayers);
        var container = RegisterModule("layers", new Sequential());
        _layers = new TransformerEncoderLayer[numLayers];
        for (int i = 0; i < numLayers; i++) { _layers[i] = encoderLayer.Copy(); container.Append(_layers[i]); }
        if (norm is not null) Norm = RegisterModule("norm", norm);
    }

    /// <summary>The layers, in order.</summary>
    public IReadOnlyList<TransformerEncoderLayer> Layers => _layers;

    /// <summary>The final normalization, or null.</summary>
    public Module? Norm { get; }

    /// <summary>The stack applied to <paramref name="input"/> with no masks.</summary>
    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <summary>Each layer in turn with the same masks (see <see cref="TransformerEncoderLayer.Forward(Tensor, Tensor?, Tensor?, bool)"/>), then the norm.</summary>
    public Tensor Forward(Tensor src, Tensor? mask, Tensor? srcKeyPaddingMask = null, bool isCausal = false)
    {
        ArgumentNullException.ThrowIfNull(src);
        using var scope = Tensor.NewScope();
        Tensor x = src;
        foreach (var layer in _layers) x = layer.Forward(x, mask, srcKeyPaddingMask, isCausal);
        if (Norm is not null) x = Norm.Call(x);
        return ReferenceEquals(x, src) ? src.Alias() : scope.MoveToOuter(x);
    }
}

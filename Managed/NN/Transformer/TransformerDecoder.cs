namespace CudaTensor.NN;

/// <summary>
/// A stack of <see cref="TransformerDecoderLayer"/>s (PyTorch's <c>nn.TransformerDecoder</c>): <c>numLayers</c> deep copies
/// of the given layer, named <c>layers.0</c>, <c>layers.1</c>, ..., then an optional final <c>norm</c>.
/// </summary>
public sealed class TransformerDecoder : Module
{
    private readonly TransformerDecoderLayer[] _layers;

    /// <summary>Copies <paramref name="decoderLayer"/> (configuration and current parameters) <paramref name="numLayers"/> times; the
    /// given layer itself is not registered. <paramref name="norm"/> is owned by the stack.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numLayers"/> is negative.</exception>
    public TransformerDecoder(TransformerDecoderLayer decoderLayer, int numLayers, Module? norm = null)
    {
        ArgumentNullException.ThrowIfNull(decoderLayer);
        ArgumentOutOfRangeException.ThrowIfNegative(numLayers);
        var container = RegisterModule("layers", new Sequential());
        _layers = new TransformerDecoderLayer[numLayers];
        for (int i = 0; i < numLayers; i++) { _layers[i] = decoderLayer.Copy(); container.Append(_layers[i]); }
        if (norm is not null) Norm = RegisterModule("norm", norm);
    }

    /// <summary>The layers, in order.</summary>
    public IReadOnlyList<TransformerDecoderLayer> Layers => _layers;

    /// <summary>The final normalization, or null.</summary>
    public Module? Norm { get; }

    /// <summary>Not defined: a decoder needs the memory too.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override Tensor Forward(Tensor input)
        => throw new NotSupportedException($"{nameof(TransformerDecoder)}: Forward needs the target and the encoder's memory: call Forward(tgt, memory, ...).");

    /// <summary>Each layer in turn with the same memory and masks (see <see cref="TransformerDecoderLayer"/>), then the norm.</summary>
    public Tensor Forward(Tensor tgt, Tensor memory, Tensor? tgtMask = null, Tensor? memoryMask = null, Tensor? tgtKeyPaddingMask = null,
        Tensor? memoryKeyPaddingMask = null, bool tgtIsCausal = false, bool memoryIsCausal = false)
    {
        ArgumentNullException.ThrowIfNull(tgt);
        using var scope = Tensor.NewScope();
        Tensor x = tgt;
        foreach (var layer in _layers) x = layer.Forward(x, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal, memoryIsCausal);
        if (Norm is not null) x = Norm.Call(x);
        return ReferenceEquals(x, tgt) ? tgt.Alias() : scope.MoveToOuter(x);
    }
}

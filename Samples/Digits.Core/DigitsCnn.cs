using CudaTensor.NN;

namespace CudaTensor.Samples.Digits;

/// <summary>
/// The convolutional classifier: the 64 pixels as a 1x8x8 image -> 3x3 convolution to 16 channels, ReLU, 2x2 max pool
/// -> 3x3 convolution to 32 channels, ReLU, 2x2 max pool -> dropout -> 128 features -> 10 logits. Both convolutions
/// pad by one, so the pools halve 8x8 to 4x4 and 2x2. Its state dict holds <c>conv1.weight</c>, <c>conv1.bias</c>,
/// <c>conv2.*</c> and <c>fc.*</c>.
/// </summary>
public sealed class DigitsCnn : Module, IDigitsModel
{
    private const int Side = 8;
    private readonly Conv2d _conv1, _conv2;
    private readonly MaxPool2d _pool;
    private readonly Dropout _drop;
    private readonly Linear _fc;

    /// <summary>A freshly initialised model (PyTorch's default initialisation, drawn from the global generator).</summary>
    /// <param name="classes">Number of classes.</param>
    /// <param name="dropout">Dropout probability before the classifier (0 keeps every activation).</param>
    public DigitsCnn(int classes = 10, double dropout = 0.1)
    {
        _conv1 = RegisterModule("conv1", new Conv2d(1, 16, 3, padding: 1));
        _pool = RegisterModule("pool", new MaxPool2d(2));
        _conv2 = RegisterModule("conv2", new Conv2d(16, 32, 3, padding: 1));
        _drop = RegisterModule("drop", new Dropout(dropout));
        _fc = RegisterModule("fc", new Linear(32 * (Side / 4) * (Side / 4), classes));
    }

    /// <summary>Logits [batch, classes] for pixels [batch, 64].</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var image = input.Unflatten(1, 1, Side, Side);
        using var c1 = _conv1.Forward(image);
        using var a1 = c1.Relu();
        using var p1 = _pool.Forward(a1);
        using var c2 = _conv2.Forward(p1);
        using var a2 = c2.Relu();
        using var p2 = _pool.Forward(a2);
        using var flat = p2.Flatten(1);
        using var d = _drop.Forward(flat);
        return _fc.Forward(d);
    }

    /// <inheritdoc/>
    public string Describe()
        => $"1x8x8-conv16-pool-conv32-pool-{_fc.OutFeatures} CNN (3x3 kernels, ReLU, dropout {_drop.P:0.###}), "
           + $"{Parameters().Sum(p => p.NumElements):N0} parameters";
}

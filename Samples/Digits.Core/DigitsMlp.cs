using CudaTensor.NN;

namespace CudaTensor.Samples.Digits;

/// <summary>
/// The classifier: 64 pixels -> 128 -> 64 -> 10 logits, ReLU after each hidden layer, dropout after each ReLU.
/// Its state dict holds <c>fc1.weight</c>, <c>fc1.bias</c>, ..., <c>fc3.bias</c>.
/// </summary>
public sealed class DigitsMlp : Module, IDigitsModel
{
    private readonly Linear _fc1, _fc2, _fc3;
    private readonly Dropout _drop1, _drop2;

    /// <summary>A freshly initialised model (PyTorch's default initialisation, drawn from the global generator).</summary>
    /// <param name="inputs">Features per sample (64 for the 8x8 digits).</param>
    /// <param name="classes">Number of classes.</param>
    /// <param name="dropout">Dropout probability (0 keeps every activation).</param>
    public DigitsMlp(int inputs = 64, int classes = 10, double dropout = 0.1)
    {
        _fc1 = RegisterModule("fc1", new Linear(inputs, 128));
        _drop1 = RegisterModule("drop1", new Dropout(dropout));
        _fc2 = RegisterModule("fc2", new Linear(128, 64));
        _drop2 = RegisterModule("drop2", new Dropout(dropout));
        _fc3 = RegisterModule("fc3", new Linear(64, classes));
    }

    /// <summary>Logits [batch, classes] for features [batch, inputs].</summary>
    public override Tensor Forward(Tensor input)
    {
        using var h1 = _fc1.Forward(input);
        using var a1 = h1.Relu();
        using var d1 = _drop1.Forward(a1);
        using var h2 = _fc2.Forward(d1);
        using var a2 = h2.Relu();
        using var d2 = _drop2.Forward(a2);
        return _fc3.Forward(d2);
    }

    /// <inheritdoc/>
    /// <remarks>For example <c>64-128-64-10 MLP (ReLU, dropout 0.1), 17,226 parameters</c>.</remarks>
    public string Describe()
        => $"{_fc1.InFeatures}-{_fc1.OutFeatures}-{_fc2.OutFeatures}-{_fc3.OutFeatures} MLP (ReLU, dropout {_drop1.P:0.###}), "
           + $"{Parameters().Sum(p => p.NumElements):N0} parameters";
}

namespace CudaTensor.NN;

/// <summary>
/// One step of an Elman RNN (PyTorch's <c>nn.RNNCell</c>): h' = tanh(W_ih x + b_ih + W_hh h + b_hh), or ReLU with
/// <c>nonlinearity: "relu"</c>. Parameters <c>weight_ih</c> [H, in], <c>weight_hh</c> [H, H], <c>bias_ih</c>, <c>bias_hh</c> [H].
/// </summary>
public sealed class RNNCell : RNNCellBase
{
    /// <summary>Creates the cell; <paramref name="nonlinearity"/> is "tanh" (default) or "relu".</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    /// <exception cref="ArgumentException">The nonlinearity is neither "tanh" nor "relu".</exception>
    public RNNCell(long inputSize, long hiddenSize, bool bias = true, string nonlinearity = "tanh", Device? device = null, DType? dtype = null, Generator? generator = null)
        : base(RecurrentModes.FromNonlinearity(nonlinearity, "RNNCell"), inputSize, hiddenSize, bias, device, dtype, generator)
    {
        Nonlinearity = nonlinearity;
    }

    /// <summary>"tanh" or "relu".</summary>
    public string Nonlinearity { get; }

    /// <summary>h' [B, H] (or [H] for an unbatched input [in]) from a zero state.</summary>
    /// <exception cref="ArgumentException">The input's shape, dtype or device does not fit the cell.</exception>
    public override Tensor Forward(Tensor input) => Step(input, null, null).H;

    /// <summary>h' from the state <paramref name="hx"/> [B, H] (or [H]; zeros when null).</summary>
    /// <exception cref="ArgumentException">The input's or hx's shape, dtype or device does not fit the cell.</exception>
    public Tensor Forward(Tensor input, Tensor? hx) => Step(input, hx, null).H;

    /// <inheritdoc/>
    protected override string ExtraRepr() => Nonlinearity == "tanh" ? base.ExtraRepr() : base.ExtraRepr() + ", nonlinearity='relu'";
}

namespace CudaTensor.NN;

/// <summary>
/// Elman recurrent layer (PyTorch's <c>nn.RNN</c>): h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), or ReLU with
/// <c>nonlinearity: "relu"</c>, stacked <c>numLayers</c> deep and optionally bidirectional. Parameters are named and
/// shaped as PyTorch's (<c>weight_ih_l0</c> [H, in], <c>weight_hh_l0</c> [H, H], <c>bias_ih_l0</c>, <c>bias_hh_l0</c>
/// [H], <c>..._reverse</c>), initialised U(-1/√H, 1/√H).
/// </summary>
/// <remarks>
/// <c>Forward(input)</c> returns the output sequence, so the layer fits in a <see cref="Sequential"/>;
/// <c>Forward(input, hx)</c> also returns h_n: <c>var (output, hN) = rnn.Forward(x, h0);</c>
/// </remarks>
public sealed class RNN : RNNBase
{
    /// <summary>Creates the layer; <paramref name="nonlinearity"/> is "tanh" (default) or "relu".</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size or the layer count is not positive, or dropout is outside [0, 1].</exception>
    /// <exception cref="ArgumentException">The nonlinearity is neither "tanh" nor "relu".</exception>
    public RNN(long inputSize, long hiddenSize, int numLayers = 1, string nonlinearity = "tanh", bool bias = true, bool batchFirst = false, double dropout = 0,
        bool bidirectional = false, Device? device = null, DType? dtype = null, Generator? generator = null)
        : base(RecurrentModes.FromNonlinearity(nonlinearity, "RNN"), inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, device, dtype, generator)
    {
        Nonlinearity = nonlinearity;
    }

    /// <summary>"tanh" or "relu".</summary>
    public string Nonlinearity { get; }

    /// <summary>
    /// The output sequence and the final hidden state h_n [numLayers·D, B, H] ([numLayers·D, H] unbatched), from
    /// <paramref name="hx"/> of that shape (zeros when null).
    /// </summary>
    /// <exception cref="ArgumentException">The input's or hx's shape, dtype or device does not fit the layer.</exception>
    public (Tensor Output, Tensor HN) Forward(Tensor input, Tensor? hx)
    {
        var (output, hN, _) = Run(input, hx, null);
        return (output, hN);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => Nonlinearity == "tanh" ? base.ExtraRepr() : base.ExtraRepr() + ", nonlinearity='relu'";
}

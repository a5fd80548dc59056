namespace CudaTensor.NN;

/// <summary>
/// Long short-term memory layer (PyTorch's <c>nn.LSTM</c>), gates in PyTorch's order i, f, g, o:
/// i, f, o = σ(W_i· x + b_i· + W_h· h + b_h·), g = tanh(...), c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c').
/// Parameters as PyTorch's: <c>weight_ih_l0</c> [4H, in], <c>weight_hh_l0</c> [4H, H], <c>bias_ih_l0</c>,
/// <c>bias_hh_l0</c> [4H], <c>..._reverse</c>; initialised U(-1/√H, 1/√H). With <c>projSize</c> P &gt; 0 (PyTorch's
/// <c>proj_size</c>) each step's h is projected, h' = W_hr (o ⊙ tanh(c')), by <c>weight_hr_l{k}</c> [P, H]: h, h_n and the
/// outputs have P features, <c>weight_hh_l{k}</c> is [4H, P] and layers after the first read D·P features; c stays H wide.
/// </summary>
/// <remarks>
/// <c>Forward(input)</c> returns the output sequence (fits in a <see cref="Sequential"/>); with states, as in PyTorch:
/// <code>var (output, (hN, cN)) = lstm.Forward(x, (h0, c0));</code>
/// </remarks>
public sealed class LSTM : RNNBase
{
    /// <summary>Creates the layer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size or the layer count is not positive, dropout is outside [0, 1], or
    /// <paramref name="projSize"/> is negative or not below <paramref name="hiddenSize"/>.</exception>
    public LSTM(long inputSize, long hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false, double dropout = 0, bool bidirectional = false,
        long projSize = 0, Device? device = null, DType? dtype = null, Generator? generator = null)
        : base(RecurrentMode.Lstm, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, device, dtype, generator, projSize)
    {
    }

    /// <summary>
    /// The output sequence and the final states h_n and c_n [numLayers·D, B, H] ([numLayers·D, H] unbatched; h_n has P
    /// features with projections), from <paramref name="hx"/> = (h0, c0) of those shapes (zeros when null).
    /// </summary>
    /// <exception cref="ArgumentException">The input's or a state's shape, dtype or device does not fit the layer.</exception>
    public (Tensor Output, (Tensor HN, Tensor CN) State) Forward(Tensor input, (Tensor H, Tensor C)? hx)
    {
        var (output, hN, cN) = Run(input, hx?.H, hx?.C);
        return (output, (hN, cN!));
    }
}

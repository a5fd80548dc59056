namespace CudaTensor.NN;

/// <summary>
/// Gated recurrent unit layer (PyTorch's <c>nn.GRU</c>), gates in PyTorch's order r, z, n:
/// r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
/// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 - z) ⊙ n + z ⊙ h.
/// Parameters as PyTorch's: <c>weight_ih_l0</c> [3H, in], <c>weight_hh_l0</c> [3H, H], <c>bias_ih_l0</c>,
/// <c>bias_hh_l0</c> [3H], <c>..._reverse</c>; initialised U(-1/√H, 1/√H).
/// </summary>
/// <remarks>
/// <c>Forward(input)</c> returns the output sequence (fits in a <see cref="Sequential"/>);
/// <c>var (output, hN) = gru.Forward(x, h0);</c> also returns the final state.
/// </remarks>
public sealed class GRU : RNNBase
{
    /// <summary>Creates the layer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size or the layer count is not positive, or dropout is outside [0, 1].</exception>
    public GRU(long inputSize, long hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false, double dropout = 0, bool bidirectional = false,
        Device? device = null, DType? dtype = null, Generator? generator = null)
        : base(RecurrentMode.Gru, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, device, dtype, generator)
    {
    }

    /// <summary>The output sequence and h_n [numLayers·D, B, H] ([numLayers·D, H] unbatched), from <paramref name="hx"/> of that shape (zeros when null).</summary>
    /// <exception cref="ArgumentException">The input's or hx's shape, dtype or device does not fit the layer.</exception>
    public (Tensor Output, Tensor HN) Forward(Tensor input, Tensor? hx)
    {
        var (output, hN, _) = Run(input, hx, null);
        return (output, hN);
    }
}

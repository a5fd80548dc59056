namespace CudaTensor.NN;

/// <summary>
/// One step of an LSTM (PyTorch's <c>nn.LSTMCell</c>), gates i, f, g, o as in <see cref="LSTM"/>. Parameters
/// <c>weight_ih</c> [4H, in], <c>weight_hh</c> [4H, H], <c>bias_ih</c>, <c>bias_hh</c> [4H].
/// </summary>
/// <remarks>As in PyTorch: <c>var (h1, c1) = cell.Forward(x, (h0, c0));</c> <c>Forward(x)</c> alone returns h' from zero states.</remarks>
public sealed class LSTMCell : RNNCellBase
{
    /// <summary>Creates the cell.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public LSTMCell(long inputSize, long hiddenSize, bool bias = true, Device? device = null, DType? dtype = null, Generator? generator = null)
        : base(RecurrentMode.Lstm, inputSize, hiddenSize, bias, device, dtype, generator)
    {
    }

    /// <summary>h' [B, H] (or [H] for an unbatched input [in]) from zero states; the cell state is dropped.</summary>
    /// <exception cref="ArgumentException">The input's shape, dtype or device does not fit the cell.</exception>
    public override Tensor Forward(Tensor input)
    {
        var (h, c) = Step(input, null, null);
        c!.Dispose();
        return h;
    }

    /// <summary>(h', c') from the states <paramref name="hx"/> = (h, c), each [B, H] (or [H]; zeros when null).</summary>
    /// <exception cref="ArgumentException">The input's or a state's shape, dtype or device does not fit the cell.</exception>
    public (Tensor H, Tensor C) Forward(Tensor input, (Tensor H, Tensor C)? hx)
    {
        var (h, c) = Step(input, hx?.H, hx?.C);
        return (h, c!);
    }
}

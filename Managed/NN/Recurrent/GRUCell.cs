namespace CudaTensor.NN;

/// <summary>
/// One step of a GRU (PyTorch's <c>nn.GRUCell</c>), gates r, z, n as in <see cref="GRU"/>. Parameters
/// <c>weight_ih</c> [3H, in], <c>weight_hh</c> [3H, H], <c>bias_ih</c>, <c>bias_hh</c> [3H].
/// </summary>
public sealed class GRUCell : RNNCellBase
{
    /// <summary>Creates the cell.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public GRUCell(long inputSize, long hiddenSize, bool bias = true, Device? device = null, DType? dtype = null, Generator? generator = null)
        : base(RecurrentMode.Gru, inputSize, hiddenSize, bias, device, dtype, generator)
    {
    }

    /// <summary>h' [B, H] (or [H] for an unbatched input [in]) from a zero state.</summary>
    /// <exception cref="ArgumentException">The input's shape, dtype or device does not fit the cell.</exception>
    public override Tensor Forward(Tensor input) => Step(input, null, null).H;

    /// <summary>h' from the state <paramref name="hx"/> [B, H] (or [H]; zeros when null).</summary>
    /// <exception cref="ArgumentException">The input's or hx's shape, dtype or device does not fit the cell.</exception>
    public Tensor Forward(Tensor input, Tensor? hx) => Step(input, hx, null).H;
}

namespace CudaTensor.NN;

/// <summary>
/// The <c>padding</c> of a convolution, as PyTorch takes it: an amount of zero padding on each side (one number for
/// both dimensions, or a (height, width) pair), or one of the strings <c>"valid"</c> (no padding) and <c>"same"</c>
/// (the output has the input's size; stride 1 only). Converts implicitly from each, so <c>padding: 1</c>,
/// <c>padding: (1, 2)</c> and <c>padding: "same"</c> all work.
/// </summary>
public readonly record struct ConvPadding
{
    private ConvPadding(Size2 amount, string? mode)
    {
        Amount = amount;
        Mode = mode;
    }

    /// <summary>The zero padding on each side when <see cref="Mode"/> is null; (0, 0) otherwise.</summary>
    public Size2 Amount { get; }

    /// <summary><c>"same"</c> or <c>"valid"</c>, or null for an explicit <see cref="Amount"/>.</summary>
    public string? Mode { get; }

    /// <summary>Explicit padding of <paramref name="amount"/> on each side.</summary>
    public static ConvPadding FromSize2(Size2 amount) => new(amount, null);

    /// <summary>
    /// <c>"same"</c> or <c>"valid"</c>, as PyTorch's string padding; the convolution rejects any other string (and a
    /// null one) when it is called, naming itself.
    /// </summary>
    public static ConvPadding FromString(string mode) => new(0, mode ?? "");

    /// <summary>The same amount for height and width.</summary>
    public static ConvPadding FromInt32(int both) => FromSize2(both);

    /// <summary>The same amount for height and width.</summary>
    public static ConvPadding FromInt64(long both) => FromSize2(both);

    /// <summary>(height, width) amounts from a tuple.</summary>
    public static ConvPadding FromValueTuple((long Height, long Width) pair) => FromSize2(pair);

    /// <summary>Explicit padding of <paramref name="amount"/> on each side.</summary>
    public static implicit operator ConvPadding(Size2 amount) => FromSize2(amount);

    /// <summary>The same amount for height and width.</summary>
    public static implicit operator ConvPadding(int both) => FromSize2(both);

    /// <summary>The same amount for height and width.</summary>
    public static implicit operator ConvPadding(long both) => FromSize2(both);

    /// <summary>(height, width) amounts.</summary>
    public static implicit operator ConvPadding((int Height, int Width) pair) => FromSize2(pair);

    /// <summary>(height, width) amounts.</summary>
    public static implicit operator ConvPadding((long Height, long Width) pair) => FromSize2(pair);

    /// <summary><c>"same"</c> or <c>"valid"</c> (checked by the convolution).</summary>
    public static implicit operator ConvPadding(string mode) => FromString(mode);

    /// <summary>
    /// The (before, after) zero padding of one spatial dimension: the explicit amount on both sides, 0 for "valid",
    /// and for "same" a total of dilation·(kernel - 1) split with the odd one after (PyTorch's rule).
    /// </summary>
    internal void Validate(string op, string paramName = "padding")
    {
        if (Mode is not (null or "same" or "valid"))
            throw new ArgumentException($"{op}: invalid padding string '{Mode}'; use \"same\" or \"valid\", a number, or a (height, width) pair.", paramName);
        if (Mode is null && (Amount.Height < 0 || Amount.Width < 0))
            throw new ArgumentException($"{op}: padding {Amount} must be non-negative.", paramName);
    }

    internal (long Before, long After) Resolve(bool height, long kernel, long dilation)
    {
        if (Mode is null)
        {
            long p = height ? Amount.Height : Amount.Width;
            return (p, p);
        }
        if (Mode == "valid") return (0, 0);
        long total = dilation * (kernel - 1);
        return (total / 2, total - total / 2);
    }

    /// <summary>The padding as PyTorch prints it: <c>(1, 1)</c>, <c>same</c> or <c>valid</c>.</summary>
    public override string ToString() => Mode ?? Amount.ToString();
}

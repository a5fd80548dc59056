namespace CudaTensor.NN;

/// <summary>
/// What every convolution layer shares, as PyTorch's <c>_ConvNd</c>: the channel counts and groups, the
/// <see cref="Weight"/> and optional <see cref="Bias"/> (registered in that order as <c>"weight"</c> and <c>"bias"</c>)
/// with PyTorch's initialisation — Kaiming-uniform with a = √5, and the bias U(-1/√fan_in, 1/√fan_in), where fan_in is
/// the weight's second dimension times the kernel size (in_channels / groups for a convolution, out_channels / groups
/// for a transposed one).
/// </summary>
public abstract class ConvNd : Module
{
    private readonly string _layer;

    // Checks the channels first, as every convolution's constructor does; the derived constructor checks its own sizes
    // and then creates the parameters with InitializeParameters.
    private protected ConvNd(string layer, long inChannels, long outChannels, int groups)
    {
        if (inChannels <= 0 || outChannels <= 0 || groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException(
                $"{layer}: in_channels ({inChannels}) and out_channels ({outChannels}) must be positive and divisible by groups ({groups}).");
        _layer = layer;
        InChannels = inChannels;
        OutChannels = outChannels;
        Groups = groups;
    }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }

    /// <summary>Output channels.</summary>
    public long OutChannels { get; }

    /// <summary>Number of channel groups convolved separately.</summary>
    public int Groups { get; }

    /// <summary>
    /// The kernels: [out_channels, in_channels / groups, *kernel] for a convolution, [in_channels, out_channels / groups,
    /// *kernel] (PyTorch's layout) for a transposed one.
    /// </summary>
    public Tensor Weight { get; private set; } = null!;

    /// <summary>The bias, [out_channels], or null.</summary>
    public Tensor? Bias { get; private set; }

    /// <summary>Creates, initialises and registers <see cref="Weight"/> and then (when <paramref name="bias"/>) <see cref="Bias"/>.</summary>
    private protected void InitializeParameters(long[] kernel, bool transposed, bool bias, Device? device, DType? dtype, Generator? generator)
    {
        long[] channels = transposed ? [InChannels, OutChannels / Groups] : [OutChannels, InChannels / Groups];
        var w = Tensor.Empty([.. channels, .. kernel], dtype, device);
        Init.KaimingUniform(w, a: Math.Sqrt(5), generator: generator);
        Weight = RegisterParameter("weight", w);
        if (bias)
        {
            long fanIn = channels[1];
            foreach (long k in kernel) fanIn *= k;
            double bound = 1 / Math.Sqrt(fanIn);
            var b = Tensor.Empty([OutChannels], dtype, device);
            Init.Uniform(b, -bound, bound, generator);
            Bias = RegisterParameter("bias", b);
        }
    }

    /// <summary>
    /// <paramref name="input"/> padded by <paramref name="pads"/> (PyTorch's <c>F.pad</c> order: last dimension first)
    /// in <paramref name="paddingMode"/> ("reflect", "replicate" or "circular"), for a convolution with
    /// <paramref name="spatialDims"/> spatial dimensions; <paramref name="expected"/> names the input layout in the error.
    /// </summary>
    private protected Tensor PadInput(Tensor input, long[] pads, string paddingMode, int spatialDims, string expected)
    {
        if (input.Dim != spatialDims + 1 && input.Dim != spatialDims + 2)
            throw new ArgumentException($"{_layer}: expected {expected}, got shape {Functional.Fmt(input.Shape)}.", nameof(input));
        return ConvPaddingMode.Pad(input, pads, paddingMode, batchedRank: spatialDims + 2);
    }

    /// <summary>The end of PyTorch's repr shared by every convolution: groups, bias and padding mode where not the defaults.</summary>
    private protected string ReprTail(string paddingMode = "zeros")
        => (Groups != 1 ? $", groups={Groups}" : "") +
           (Bias is null ? ", bias=False" : "") +
           (paddingMode != "zeros" ? $", padding_mode={paddingMode}" : "");
}

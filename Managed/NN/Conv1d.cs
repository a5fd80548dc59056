namespace CudaTensor.NN;

/// <summary>
/// 1-D convolution over [N, C, L] inputs (see <see cref="Functional.Conv1d"/>), with <see cref="ConvNd.Weight"/>
/// [out_channels, in_channels / groups, k] and optional <see cref="ConvNd.Bias"/> [out_channels], initialised as PyTorch:
/// Kaiming-uniform with a = √5 and the bias U(-1/√fan_in, 1/√fan_in), fan_in = in_channels / groups · k.
/// <see cref="PaddingMode"/> is PyTorch's padding_mode: "zeros" (default), "reflect", "replicate" or "circular".
/// </summary>
public sealed class Conv1d : ConvNd
{
    /// <summary>Creates the layer and initialises it from <paramref name="generator"/> (default: the global generator).</summary>
    /// <remarks><paramref name="padding"/> is an amount on each side (default 0), <c>"valid"</c> or <c>"same"</c> (stride 1 only),
    /// as PyTorch. <paramref name="paddingMode"/> comes last (after the generator) here, where PyTorch has it after bias.</remarks>
    /// <exception cref="ArgumentException">Channels are not divisible by <paramref name="groups"/>, a size is not positive, the
    /// padding string or mode is unknown, or "same" is combined with a stride other than 1.</exception>
    public Conv1d(long inChannels, long outChannels, long kernelSize, long stride = 1, ConvPadding? padding = null, long dilation = 1,
        int groups = 1, bool bias = true, Device? device = null, DType? dtype = null, Generator? generator = null, string paddingMode = "zeros")
        : base(nameof(Conv1d), inChannels, outChannels, groups)
    {
        if (kernelSize <= 0 || stride <= 0 || dilation <= 0)
            throw new ArgumentException($"Conv1d: kernel size ({kernelSize}), stride ({stride}) and dilation ({dilation}) must be positive.");
        KernelSize = kernelSize;
        Stride = stride;
        Padding = Functional.Padding1d(padding, nameof(Conv1d));
        if (Padding.Mode == "same" && stride != 1)
            throw new ArgumentException($"Conv1d: padding \"same\" is not supported for strided convolutions (stride {stride}); use stride 1, or an explicit padding.", nameof(padding));
        Dilation = dilation;
        PaddingMode = ConvPaddingMode.Validate(paddingMode, nameof(Conv1d));
        InitializeParameters([kernelSize], transposed: false, bias, device, dtype, generator);
    }

    /// <summary>Kernel length.</summary>
    public long KernelSize { get; }

    /// <summary>Step between windows.</summary>
    public long Stride { get; }

    /// <summary>Padding added on each side, or <c>"same"</c> / <c>"valid"</c>.</summary>
    public ConvPadding Padding { get; }

    /// <summary>Spacing between kernel elements.</summary>
    public long Dilation { get; }

    /// <summary>How the padding is filled: "zeros", "reflect", "replicate" or "circular".</summary>
    public string PaddingMode { get; }

    /// <summary>The convolution of <paramref name="input"/> [N, C, L] (or [C, L]).</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (PaddingMode == "zeros") return Functional.Conv1d(input, Weight, Bias, Stride, Padding, Dilation, Groups);
        var (left, right) = Padding.Resolve(height: false, KernelSize, Dilation);
        using var padded = PadInput(input, [left, right], PaddingMode, spatialDims: 1, "a 3-D input [N, C, L] (or 2-D [C, L])");
        return Functional.Conv1d(padded, Weight, Bias, Stride, 0, Dilation, Groups);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr()
        => $"{InChannels}, {OutChannels}, kernel_size=({KernelSize},), stride=({Stride},)" +
           (Padding != 0 ? $", padding={(Padding.Mode ?? $"({Padding.Amount.Width},)")}" : "") +
           (Dilation != 1 ? $", dilation=({Dilation},)" : "") + ReprTail(PaddingMode);
}

namespace CudaTensor.NN;

/// <summary>
/// 2-D convolution over [N, C, H, W] inputs (see <see cref="Functional.Conv2d"/>), with <see cref="ConvNd.Weight"/>
/// [out_channels, in_channels / groups, kh, kw] and optional <see cref="ConvNd.Bias"/> [out_channels], initialised as
/// PyTorch: Kaiming-uniform with a = √5 (U(-1/√fan_in, 1/√fan_in)) and the bias U(-1/√fan_in, 1/√fan_in), where
/// fan_in = in_channels / groups · kh · kw. <see cref="PaddingMode"/> is PyTorch's padding_mode: "zeros" (default),
/// "reflect", "replicate" or "circular".
/// </summary>
public sealed class Conv2d : ConvNd
{
    /// <summary>Creates the layer and initialises it from <paramref name="generator"/> (default: the global generator).</summary>
    /// <remarks><paramref name="padding"/> is an amount on each side (default 0), <c>"valid"</c> or <c>"same"</c> (stride 1 only), as PyTorch.
    /// <paramref name="paddingMode"/> comes last (after the generator) here, where PyTorch has it after bias.</remarks>
    /// <exception cref="ArgumentException">Channels are not divisible by <paramref name="groups"/>, a size is not positive, the
    /// padding string is neither "same" nor "valid", or "same" is combined with a stride other than 1.</exception>
    public Conv2d(long inChannels, long outChannels, Size2 kernelSize, Size2? stride = null, ConvPadding? padding = null, Size2? dilation = null,
        int groups = 1, bool bias = true, Device? device = null, DType? dtype = null, Generator? generator = null, string paddingMode = "zeros")
        : base(nameof(Conv2d), inChannels, outChannels, groups)
    {
        if (kernelSize.Height <= 0 || kernelSize.Width <= 0)
            throw new ArgumentException($"Conv2d: the kernel size must be positive, got {kernelSize}.", nameof(kernelSize));
        KernelSize = kernelSize;
        Stride = stride ?? 1;
        Padding = padding ?? 0;
        Padding.Validate(nameof(Conv2d));
        if (Padding.Mode == "same" && Stride != new Size2(1, 1))
            throw new ArgumentException($"Conv2d: padding \"same\" is not supported for strided convolutions (stride {Stride}); use stride 1, or an explicit padding.", nameof(padding));
        Dilation = dilation ?? 1;
        PaddingMode = ConvPaddingMode.Validate(paddingMode, nameof(Conv2d));
        InitializeParameters([kernelSize.Height, kernelSize.Width], transposed: false, bias, device, dtype, generator);
    }

    /// <summary>Kernel (height, width).</summary>
    public Size2 KernelSize { get; }

    /// <summary>Step between windows.</summary>
    public Size2 Stride { get; }

    /// <summary>Zero padding added on each side, or <c>"same"</c> / <c>"valid"</c>.</summary>
    public ConvPadding Padding { get; }

    /// <summary>Spacing between kernel elements.</summary>
    public Size2 Dilation { get; }

    /// <summary>How the padding is filled: "zeros", "reflect", "replicate" or "circular".</summary>
    public string PaddingMode { get; }

    /// <summary>The convolution of <paramref name="input"/> [N, C, H, W] (or [C, H, W]).</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (PaddingMode == "zeros") return Functional.Conv2d(input, Weight, Bias, Stride, Padding, Dilation, Groups);
        var (top, bottom) = Padding.Resolve(height: true, KernelSize.Height, Dilation.Height);
        var (left, right) = Padding.Resolve(height: false, KernelSize.Width, Dilation.Width);
        using var padded = PadInput(input, [left, right, top, bottom], PaddingMode, spatialDims: 2, "a 4-D input [N, C, H, W] (or 3-D [C, H, W])");
        return Functional.Conv2d(padded, Weight, Bias, Stride, 0, Dilation, Groups);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr()
        => $"{InChannels}, {OutChannels}, kernel_size={KernelSize}, stride={Stride}" +
           (Padding != new Size2(0, 0) ? $", padding={Padding}" : "") +
           (Dilation != new Size2(1, 1) ? $", dilation={Dilation}" : "") + ReprTail(PaddingMode);
}

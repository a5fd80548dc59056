namespace CudaTensor.NN;

/// <summary>
/// 2-D transposed convolution over [N, C, H, W] inputs (see <see cref="Functional.ConvTranspose2d"/>), with
/// <see cref="ConvNd.Weight"/> [in_channels, out_channels / groups, kh, kw] (PyTorch's layout) and optional <see cref="ConvNd.Bias"/>
/// [out_channels], initialised as PyTorch: Kaiming-uniform with a = √5 and the bias U(-1/√fan_in, 1/√fan_in), where
/// fan_in = out_channels / groups · kh · kw (the weight's second dimension times the kernel size).
/// </summary>
public sealed class ConvTranspose2d : ConvNd
{
    /// <summary>Creates the layer and initialises it from <paramref name="generator"/> (default: the global generator).</summary>
    /// <exception cref="ArgumentException">Channels are not divisible by <paramref name="groups"/>, a size is not positive,
    /// or the output padding is not smaller than the stride or the dilation.</exception>
    public ConvTranspose2d(long inChannels, long outChannels, Size2 kernelSize, Size2? stride = null, Size2? padding = null, Size2? outputPadding = null,
        int groups = 1, bool bias = true, Size2? dilation = null, Device? device = null, DType? dtype = null, Generator? generator = null)
        : base(nameof(ConvTranspose2d), inChannels, outChannels, groups)
    {
        KernelSize = kernelSize;
        Stride = stride ?? 1;
        Padding = padding ?? 0;
        OutputPadding = outputPadding ?? 0;
        Dilation = dilation ?? 1;
        if (kernelSize.Height <= 0 || kernelSize.Width <= 0 || Stride.Height <= 0 || Stride.Width <= 0 || Dilation.Height <= 0 || Dilation.Width <= 0
            || Padding.Height < 0 || Padding.Width < 0)
            throw new ArgumentException($"ConvTranspose2d: kernel size {kernelSize}, stride {Stride} and dilation {Dilation} must be positive and padding {Padding} non-negative.");
        if ((OutputPadding.Height >= Stride.Height && OutputPadding.Height >= Dilation.Height) || (OutputPadding.Width >= Stride.Width && OutputPadding.Width >= Dilation.Width)
            || OutputPadding.Height < 0 || OutputPadding.Width < 0)
            throw new ArgumentException($"ConvTranspose2d: outputPadding {OutputPadding} must be non-negative and smaller than either the stride {Stride} or the dilation {Dilation}.", nameof(outputPadding));
        InitializeParameters([kernelSize.Height, kernelSize.Width], transposed: true, bias, device, dtype, generator);
    }

    /// <summary>Kernel (height, width).</summary>
    public Size2 KernelSize { get; }

    /// <summary>Step between the kernel's placements on the output (the stride of the convolution this is the adjoint of).</summary>
    public Size2 Stride { get; }

    /// <summary>Rows and columns removed from each side of the full output (dilation·(k - 1) - padding are added, as PyTorch).</summary>
    public Size2 Padding { get; }

    /// <summary>Rows and columns added on the bottom and right of the output.</summary>
    public Size2 OutputPadding { get; }

    /// <summary>Spacing between kernel elements.</summary>
    public Size2 Dilation { get; }

    /// <summary>The transposed convolution of <paramref name="input"/> [N, C, H, W] (or [C, H, W]).</summary>
    public override Tensor Forward(Tensor input)
        => Functional.ConvTranspose2d(input, Weight, Bias, Stride, Padding, OutputPadding, Groups, Dilation);

    /// <summary>
    /// The transposed convolution with the output padding chosen so that the output's spatial size is
    /// <paramref name="outputSize"/> ([H, W], or the full [N, C, H, W]), as PyTorch's <c>forward(input, output_size)</c>:
    /// a strided convolution maps several sizes to one, and this picks which one to invert to.
    /// </summary>
    /// <exception cref="ArgumentException">The size cannot be reached with this stride (the message gives the range).</exception>
    public Tensor Forward(Tensor input, long[] outputSize)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(outputSize);
        var op = ConvTransposeOutputPadding.Resolve(nameof(ConvTranspose2d), input.Shape, outputSize,
            [KernelSize.Height, KernelSize.Width], [Stride.Height, Stride.Width], [Padding.Height, Padding.Width], [Dilation.Height, Dilation.Width]);
        return Functional.ConvTranspose2d(input, Weight, Bias, Stride, Padding, new Size2(op[0], op[1]), Groups, Dilation);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr()
        => $"{InChannels}, {OutChannels}, kernel_size={KernelSize}, stride={Stride}" +
           (Padding != new Size2(0, 0) ? $", padding={Padding}" : "") +
           (OutputPadding != new Size2(0, 0) ? $", output_padding={OutputPadding}" : "") +
           (Dilation != new Size2(1, 1) ? $", dilation={Dilation}" : "") + ReprTail();
}

namespace CudaTensor.NN;

/// <summary>
/// 1-D transposed convolution over [N, C, L] inputs (see <see cref="Functional.ConvTranspose1d"/>), with
/// <see cref="ConvNd.Weight"/> [in_channels, out_channels / groups, k] (PyTorch's layout) and optional <see cref="ConvNd.Bias"/>
/// [out_channels], initialised as PyTorch (Kaiming-uniform with a = √5; bias U(-1/√fan_in, 1/√fan_in) with
/// fan_in = out_channels / groups · k).
/// </summary>
public sealed class ConvTranspose1d : ConvNd
{
    /// <summary>Creates the layer and initialises it from <paramref name="generator"/> (default: the global generator).</summary>
    /// <exception cref="ArgumentException">Channels are not divisible by <paramref name="groups"/>, a size is not positive,
    /// or the output padding is not smaller than the stride or the dilation.</exception>
    public ConvTranspose1d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, long outputPadding = 0,
        int groups = 1, bool bias = true, long dilation = 1, Device? device = null, DType? dtype = null, Generator? generator = null)
        : base(nameof(ConvTranspose1d), inChannels, outChannels, groups)
    {
        if (kernelSize <= 0 || stride <= 0 || dilation <= 0 || padding < 0)
            throw new ArgumentException($"ConvTranspose1d: kernel size ({kernelSize}), stride ({stride}) and dilation ({dilation}) must be positive and padding ({padding}) non-negative.");
        if (outputPadding < 0 || (outputPadding >= stride && outputPadding >= dilation))
            throw new ArgumentException($"ConvTranspose1d: outputPadding ({outputPadding}) must be non-negative and smaller than either the stride ({stride}) or the dilation ({dilation}).", nameof(outputPadding));
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        OutputPadding = outputPadding;
        Dilation = dilation;
        InitializeParameters([kernelSize], transposed: true, bias, device, dtype, generator);
    }

    /// <summary>Kernel length.</summary>
    public long KernelSize { get; }

    /// <summary>Step between the kernel's placements on the output.</summary>
    public long Stride { get; }

    /// <summary>Elements removed from each end of the full output.</summary>
    public long Padding { get; }

    /// <summary>Elements added at the end of the output.</summary>
    public long OutputPadding { get; }

    /// <summary>Spacing between kernel elements.</summary>
    public long Dilation { get; }

    /// <summary>The transposed convolution of <paramref name="input"/> [N, C, L] (or [C, L]).</summary>
    public override Tensor Forward(Tensor input)
        => Functional.ConvTranspose1d(input, Weight, Bias, Stride, Padding, OutputPadding, Groups, Dilation);

    /// <summary>The transposed convolution with the output length <paramref name="outputSize"/> ([L] or [N, C, L]), as PyTorch's <c>forward(input, output_size)</c>.</summary>
    /// <exception cref="ArgumentException">The length cannot be reached with this stride (the message gives the range).</exception>
    public Tensor Forward(Tensor input, long[] outputSize)
    {
        ArgumentNullException.ThrowIfNull(input);
        var op = ConvTransposeOutputPadding.Resolve(nameof(ConvTranspose1d), input.Shape, outputSize, [KernelSize], [Stride], [Padding], [Dilation]);
        return Functional.ConvTranspose1d(input, Weight, Bias, Stride, Padding, op[0], Groups, Dilation);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr()
        => $"{InChannels}, {OutChannels}, kernel_size=({KernelSize},), stride=({Stride},)" +
           (Padding != 0 ? $", padding=({Padding},)" : "") +
           (OutputPadding != 0 ? $", output_padding=({OutputPadding},)" : "") +
           (Dilation != 1 ? $", dilation=({Dilation},)" : "") + ReprTail();
}

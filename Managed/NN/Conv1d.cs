namespace CudaTensor.NN;

/// <summary>
/// 1-D convolution over [N, C, L] inputs (see <see cref="Functional.Conv1d"/>), with <see cref="Weight"/>
/// [out_channels, in_channels / groups, k] and optional <see cref="Bias"/> [out_channels], initialised as PyTorch:
/// Kaiming-uniform with a = √5 and the bias U(-1/√fan_in, 1/√fan_in), fan_in = in_channels / groups · k.
/// <see cref="PaddingMode"/> is PyTorch's padding_mode: "zeros" (default), "reflect", "replicate" or "circular".
/// </summary>
public sealed class Conv1d : Module
{
    /// <summary>Creates the layer and initialises it from <paramref name="generator"/> (default: the global generator).</summary>
    /// <remarks><paramref name="padding"/> is an amount on each side (default 0), <c>"valid"</c> or <c>"same"</c> (stride 1 only),
    /// as PyTorch. <paramref name="paddingMode"/> comes last (after the generator) here, where PyTorch has it after bias.</remarks>
    /// <exception cref="ArgumentException">Channels are not divisible by <paramref name="groups"/>, a size is not positive, the
    /// padding string or mode is unknown, or "same" is combined with a stride other than 1.</exception>
    public Conv1d(long inChannels, long outChannels, long kernelSize, long stride = 1, ConvPadding? padding = null, long dilation = 1,
        int groups = 1, bool bias = true, Device? device = null, DType? dtype = null, Generator? generator = null, string paddingMode = "zeros")
    {
        if (inChannels <= 0 || outChannels <= 0 || groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException(
                $"Conv1d: in_channels ({inChannels}) and out_channels ({outChannels}) must be positive and divisible by groups ({groups}).");
        if (kernelSize <= 0 || stride <= 0 || dilation <= 0)
            throw new ArgumentException($"Conv1d: kernel size ({kernelSize}), stride ({stride}) and dilation ({dilation}) must be positive.");
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = Functional.Padding1d(padding, nameof(Conv1d));
        if (Padding.Mode == "same" && stride != 1)
            throw new ArgumentException($"Conv1d: padding \"same\" is not supported for strided convolutions (stride {stride}); use stride 1, or an explicit padding.", nameof(padding));
        Dilation = dilation;
        Groups = groups;
        PaddingMode = ConvPaddingMode.Validate(paddingMode, nameof(Conv1d));
        var w = Tensor.Empty([outChannels, inChannels / groups, kernelSize], dtype, device);
        Init.KaimingUniform(w, a: Math.Sqrt(5), generator: generator);
        Weight = RegisterParameter("weight", w);
        if (bias)
        {
            double bound = 1 / Math.Sqrt(inChannels / groups * kernelSize);
            var b = Tensor.Empty([outChannels], dtype, device);
            Init.Uniform(b, -bound, bound, generator);
            Bias = RegisterParameter("bias", b);
        }
    }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }

    /// <summary>Output channels.</summary>
    public long OutChannels { get; }

    /// <summary>Kernel length.</summary>
    public long KernelSize { get; }

    /// <summary>Step between windows.</summary>
    public long Stride { get; }

    /// <summary>Padding added on each side, or <c>"same"</c> / <c>"valid"</c>.</summary>
    public ConvPadding Padding { get; }

    /// <summary>Spacing between kernel elements.</summary>
    public long Dilation { get; }

    /// <summary>Number of channel groups convolved separately.</summary>
    public int Groups { get; }

    /// <summary>How the padding is filled: "zeros", "reflect", "replicate" or "circular".</summary>
    public string PaddingMode { get; }

    /// <summary>The kernels, [out_channels, in_channels / groups, k].</summary>
    public Tensor Weight { get; }

    /// <summary>The bias, [out_channels], or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>The convolution of <paramref name="input"/> [N, C, L] (or [C, L]).</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (PaddingMode == "zeros") return Functional.Conv1d(input, Weight, Bias, Stride, Padding, Dilation, Groups);
        var (left, right) = Padding.Resolve(height: false, KernelSize, Dilation);
        if (input.Dim is not (2 or 3))
            throw new ArgumentException($"Conv1d: expected a 3-D input [N, C, L] (or 2-D [C, L]), got shape {Functional.Fmt(input.Shape)}.", nameof(input));
        using var padded = ConvPaddingMode.Pad(input, [left, right], PaddingMode, batchedRank: 3);
        return Functional.Conv1d(padded, Weight, Bias, Stride, 0, Dilation, Groups);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr()
        => $"{InChannels}, {OutChannels}, kernel_size=({KernelSize},), stride=({Stride},)" +
           (Padding != 0 ? $", padding={(Padding.Mode ?? $"({Padding.Amount.Width},)")}" : "") +
           (Dilation != 1 ? $", dilation=({Dilation},)" : "") +
           (Groups != 1 ? $", groups={Groups}" : "") +
           (Bias is null ? ", bias=False" : "") +
           (PaddingMode != "zeros" ? $", padding_mode={PaddingMode}" : "");
}

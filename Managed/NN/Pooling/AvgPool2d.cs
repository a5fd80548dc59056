namespace CudaTensor.NN;

/// <summary>2-D average pooling over [N, C, H, W] inputs (see <see cref="Functional.AvgPool2d"/>).</summary>
/// <param name="kernelSize">Window (height, width).</param>
/// <param name="stride">Step between windows (default: the kernel size).</param>
/// <param name="padding">Implicit zero padding on each side (at most half the kernel).</param>
/// <param name="ceilMode">Round the output size up instead of down.</param>
/// <param name="countIncludePad">Whether the padding counts in the divisor.</param>
/// <param name="divisorOverride">A divisor used for every window instead of its size.</param>
public sealed class AvgPool2d(Size2 kernelSize, Size2? stride = null, Size2? padding = null, bool ceilMode = false, bool countIncludePad = true,
    long? divisorOverride = null) : Module
{
    /// <summary>Window (height, width).</summary>
    public Size2 KernelSize { get; } = kernelSize;

    /// <summary>Step between windows.</summary>
    public Size2 Stride { get; } = stride ?? kernelSize;

    /// <summary>Implicit zero padding on each side.</summary>
    public Size2 Padding { get; } = padding ?? 0;

    /// <summary>Whether the output size is rounded up.</summary>
    public bool CeilMode { get; } = ceilMode;

    /// <summary>Whether the padding counts in the divisor.</summary>
    public bool CountIncludePad { get; } = countIncludePad;

    /// <summary>The divisor used instead of each window's size, if any.</summary>
    public long? DivisorOverride { get; } = divisorOverride;

    /// <summary>The mean of each window.</summary>
    public override Tensor Forward(Tensor input) => Functional.AvgPool2d(input, KernelSize, Stride, Padding, CeilMode, CountIncludePad, DivisorOverride);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"kernel_size={KernelSize}, stride={Stride}, padding={Padding}";
}

/// <summary>Adaptive 2-D average pooling to a fixed output size (see <see cref="Functional.AdaptiveAvgPool2d"/>).</summary>
/// <param name="outputSize">The output's (height, width).</param>
public sealed class AdaptiveAvgPool2d(Size2 outputSize) : Module
{
    /// <summary>The output's (height, width).</summary>
    public Size2 OutputSize { get; } = outputSize;

    /// <summary>The input averaged over adaptive windows.</summary>
    public override Tensor Forward(Tensor input) => Functional.AdaptiveAvgPool2d(input, OutputSize);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"output_size={OutputSize}";
}

/// <summary>Adaptive 2-D max pooling to a fixed output size (see <see cref="Functional.AdaptiveMaxPool2d"/>).</summary>
/// <param name="outputSize">The output's (height, width).</param>
/// <param name="returnIndices">Whether the layer is meant to give the maxima's positions too: call
/// <see cref="ForwardWithIndices"/> for them (<see cref="Forward"/> returns the output alone, as for <see cref="MaxPool2d"/>).</param>
public sealed class AdaptiveMaxPool2d(Size2 outputSize, bool returnIndices = false) : Module
{
    /// <summary>The output's (height, width).</summary>
    public Size2 OutputSize { get; } = outputSize;

    /// <summary>Whether the layer was created with <c>returnIndices: true</c>.</summary>
    public bool ReturnIndices { get; } = returnIndices;

    /// <summary>The maximum of each adaptive window.</summary>
    public override Tensor Forward(Tensor input) => Functional.AdaptiveMaxPool2d(input, OutputSize);

    /// <summary>The maximum of each window and its Int64 flat position h·W + w in its input plane.</summary>
    public (Tensor Output, Tensor Indices) ForwardWithIndices(Tensor input) => Functional.AdaptiveMaxPool2dWithIndices(input, OutputSize);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"output_size={OutputSize}" + (ReturnIndices ? ", return_indices=True" : "");
}

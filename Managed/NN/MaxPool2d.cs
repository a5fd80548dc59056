namespace CudaTensor.NN;

/// <summary>2-D max pooling over [N, C, H, W] inputs (see <see cref="Functional.MaxPool2d"/>).</summary>
/// <param name="kernelSize">Window (height, width).</param>
/// <param name="stride">Step between windows (default: the kernel size).</param>
/// <param name="padding">Implicit -inf padding on each side (at most half the kernel).</param>
/// <param name="dilation">Spacing between window elements.</param>
/// <param name="ceilMode">Round the output size up instead of down.</param>
public sealed class MaxPool2d(Size2 kernelSize, Size2? stride = null, Size2? padding = null, Size2? dilation = null, bool ceilMode = false) : Module
{
    /// <summary>Window (height, width).</summary>
    public Size2 KernelSize { get; } = kernelSize;

    /// <summary>Step between windows.</summary>
    public Size2 Stride { get; } = stride ?? kernelSize;

    /// <summary>Implicit -inf padding on each side.</summary>
    public Size2 Padding { get; } = padding ?? 0;

    /// <summary>Spacing between window elements.</summary>
    public Size2 Dilation { get; } = dilation ?? 1;

    /// <summary>Whether the output size is rounded up.</summary>
    public bool CeilMode { get; } = ceilMode;

    /// <summary>The maximum of each window.</summary>
    public override Tensor Forward(Tensor input) => Functional.MaxPool2d(input, KernelSize, Stride, Padding, Dilation, CeilMode);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"kernel_size={KernelSize}, stride={Stride}, padding={Padding}, dilation={Dilation}, ceil_mode={CeilMode}";
}

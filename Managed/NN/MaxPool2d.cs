namespace CudaTensor.NN;

/// <summary>2-D max pooling over [N, C, H, W] inputs (see <see cref="Functional.MaxPool2d"/>).</summary>
/// <param name="kernelSize">Window (height, width).</param>
/// <param name="stride">Step between windows (default: the kernel size).</param>
/// <param name="padding">Implicit -inf padding on each side (at most half the kernel).</param>
/// <param name="dilation">Spacing between window elements.</param>
/// <param name="returnIndices">Whether the layer is meant to give the maxima's positions too, as PyTorch's
/// <c>return_indices=True</c>: call <see cref="ForwardWithIndices"/> for them (a C# method returns one type, so
/// <see cref="Forward"/> always returns the output alone and a <see cref="Sequential"/> can hold the layer either way).</param>
/// <param name="ceilMode">Round the output size up instead of down.</param>
public sealed class MaxPool2d(Size2 kernelSize, Size2? stride = null, Size2? padding = null, Size2? dilation = null, bool returnIndices = false, bool ceilMode = false) : Module
{
    /// <summary>Window (height, width).</summary>
    public Size2 KernelSize { get; } = kernelSize;

    /// <summary>Step between windows.</summary>
    public Size2 Stride { get; } = stride ?? kernelSize;

    /// <summary>Implicit -inf padding on each side.</summary>
    public Size2 Padding { get; } = padding ?? 0;

    /// <summary>Spacing between window elements.</summary>
    public Size2 Dilation { get; } = dilation ?? 1;

    /// <summary>Whether the layer was created with <c>returnIndices: true</c> (shown in its description, as in PyTorch).</summary>
    public bool ReturnIndices { get; } = returnIndices;

    /// <summary>Whether the output size is rounded up.</summary>
    public bool CeilMode { get; } = ceilMode;

    /// <summary>The maximum of each window.</summary>
    public override Tensor Forward(Tensor input) => Functional.MaxPool2d(input, KernelSize, Stride, Padding, Dilation, CeilMode);

    /// <summary>
    /// The maximum of each window and its Int64 index, the flat position h·W + w within its input plane (see
    /// <see cref="Functional.MaxPool2dWithIndices"/>); available whatever <see cref="ReturnIndices"/> says.
    /// </summary>
    /// <exception cref="ArgumentException">The settings do not fit the input (the message says which).</exception>
    public (Tensor Output, Tensor Indices) ForwardWithIndices(Tensor input)
        => Functional.MaxPool2dWithIndices(input, KernelSize, Stride, Padding, Dilation, CeilMode);

    /// <inheritdoc/>
    protected override string ExtraRepr()
        => $"kernel_size={KernelSize}, stride={Stride}, padding={Padding}, dilation={Dilation}" +
           (ReturnIndices ? ", return_indices=True" : "") + $", ceil_mode={CeilMode}";
}

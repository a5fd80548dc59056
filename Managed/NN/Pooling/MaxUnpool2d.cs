namespace CudaTensor.NN;

/// <summary>
/// The partial inverse of <see cref="MaxPool2d"/> (see <see cref="Functional.MaxUnpool2d"/>): call
/// <c>Forward(input, indices)</c> with the output and indices of <see cref="MaxPool2d.ForwardWithIndices"/>.
/// </summary>
/// <param name="kernelSize">The pooling's window (height, width).</param>
/// <param name="stride">The pooling's stride (default: the kernel size).</param>
/// <param name="padding">The pooling's padding.</param>
public sealed class MaxUnpool2d(Size2 kernelSize, Size2? stride = null, Size2? padding = null) : Module
{
    /// <summary>The pooling's window (height, width).</summary>
    public Size2 KernelSize { get; } = kernelSize;

    /// <summary>The pooling's stride.</summary>
    public Size2 Stride { get; } = stride ?? kernelSize;

    /// <summary>The pooling's padding.</summary>
    public Size2 Padding { get; } = padding ?? 0;

    /// <summary>Zeros with each value of <paramref name="input"/> at the position its index names.</summary>
    /// <param name="input">Pooled values [N, C, H, W] or [C, H, W].</param>
    /// <param name="indices">Their flat positions, as max pooling returned them.</param>
    /// <param name="outputSize">The unpooled (height, width), when the default size is not the pooled input's.</param>
    public Tensor Forward(Tensor input, Tensor indices, Size2? outputSize = null)
        => Functional.MaxUnpool2d(input, indices, KernelSize, Stride, Padding, outputSize);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"kernel_size={KernelSize}, stride={Stride}, padding={Padding}";
}

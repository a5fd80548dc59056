using System.Globalization;

namespace CudaTensor.NN;

/// <summary>
/// Resizes [N, C, L] or [N, C, H, W] inputs to a size or by a scale factor (PyTorch's <c>nn.Upsample</c>; see
/// <see cref="Functional.Interpolate"/> for the modes and alignCorners).
/// </summary>
/// <param name="size">The output's spatial size (one value for all dimensions or one each).</param>
/// <param name="scaleFactor">The multiplier of the spatial size (one value or one each).</param>
/// <param name="mode"><c>"nearest"</c>, <c>"linear"</c> or <c>"bilinear"</c>.</param>
/// <param name="alignCorners">Linear modes only: map corner pixel centres onto each other.</param>
public sealed class Upsample(long[]? size = null, double[]? scaleFactor = null, string mode = "nearest", bool? alignCorners = null) : Module
{
    private readonly long[]? _size = size?.ToArray();
    private readonly double[]? _scaleFactor = scaleFactor?.ToArray();

    /// <summary>The output's spatial size, if given.</summary>
    public IReadOnlyList<long>? Size => _size;

    /// <summary>The scale factor, if given.</summary>
    public IReadOnlyList<double>? ScaleFactor => _scaleFactor;

    /// <summary>The interpolation mode.</summary>
    public string Mode { get; } = mode;

    /// <summary>Whether corner pixel centres are aligned (null: the default, false).</summary>
    public bool? AlignCorners { get; } = alignCorners;

    /// <summary>The resized input.</summary>
    public override Tensor Forward(Tensor input) => Functional.Interpolate(input, _size, _scaleFactor, Mode, AlignCorners);

    /// <inheritdoc/>
    protected override string ExtraRepr()
        => _size is not null
            ? $"size=({string.Join(", ", _size)}), mode='{Mode}'"
            : $"scale_factor=({string.Join(", ", _scaleFactor!.Select(s => s.ToString(CultureInfo.InvariantCulture)))}), mode='{Mode}'";
}

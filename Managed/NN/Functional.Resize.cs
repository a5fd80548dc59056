using System.Globalization;

namespace CudaTensor.NN;

// Resizing. Nearest interpolation picks one source position per output position along each spatial dimension
// (IndexSelect, whose backward adds each copy's gradient onto its source). Linear and bilinear interpolation are
// separable: a [out, in] matrix with two weights per row along each dimension, applied with MatMul. MaxUnpool2d scatters
// each value to the position its index names. All are differentiable tensor ops, so no gradient code of their own.
public static partial class Functional
{
    /// <summary>
    /// Resizes the spatial dimensions of <paramref name="input"/> [N, C, L] or [N, C, H, W] (PyTorch's
    /// <c>F.interpolate</c>) to <paramref name="size"/> or by <paramref name="scaleFactor"/> (one value for every
    /// spatial dimension or one each; output size ⌊in·scale⌋, and the source positions use 1/scale, as PyTorch without
    /// recompute_scale_factor). <paramref name="mode"/> is <c>"nearest"</c> (source ⌊out·in/size⌋), <c>"linear"</c>
    /// (3-D input) or <c>"bilinear"</c> (4-D input); <paramref name="alignCorners"/> (linear modes only, default false)
    /// maps the corner pixels' centres onto each other instead of their outer edges.
    /// </summary>
    /// <exception cref="ArgumentException">Both or neither of size and scaleFactor, a size or factor of the wrong
    /// length or not positive, an unknown mode or one that does not fit the input's rank, or alignCorners with nearest.</exception>
    public static Tensor Interpolate(Tensor input, long[]? size = null, double[]? scaleFactor = null, string mode = "nearest", bool? alignCorners = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(mode);
        const string op = nameof(Interpolate);
        if (input.Dim is not (3 or 4))
            throw new ArgumentException($"{op}: expected a 3-D [N, C, L] or 4-D [N, C, H, W] input, got shape {Fmt(input.Shape)}.", nameof(input));
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating-point input, got {input.DType.Name()}; convert it with .To(DType.Float32).", nameof(input));
        int spatial = input.Dim - 2;
        bool linear = mode switch
        {
            "nearest" => false,
            "linear" when spatial == 1 => true,
            "bilinear" when spatial == 2 => true,
            "linear" or "bilinear" => throw new ArgumentException(
                $"{op}: mode \"{mode}\" needs a {(mode == "linear" ? "3-D [N, C, L]" : "4-D [N, C, H, W]")} input, got shape {Fmt(input.Shape)}.", nameof(mode)),
            _ => throw new ArgumentException($"{op}: unknown mode '{mode}'; use \"nearest\", \"linear\" (3-D input) or \"bilinear\" (4-D input).", nameof(mode)),
        };
        if (!linear && alignCorners is not null)
            throw new ArgumentException($"{op}: alignCorners can only be set with the interpolating modes \"linear\" and \"bilinear\", not \"{mode}\".", nameof(alignCorners));
        var (outSizes, scales) = InterpolationSizes(op, input, spatial, size, scaleFactor);
        if (!linear) return NearestResize(input, outSizes, scales);
        bool corners = alignCorners ?? false;
        if (spatial == 1)
        {
            using var columns = LinearMatrix(input.Shape[2], outSizes[0], scales[0], corners, input);
            using var columnsT = columns.Transpose(0, 1);
            return Tensor.MatMul(input, columnsT);
        }
        using var rows = LinearMatrix(input.Shape[2], outSizes[0], scales[0], corners, input);
        using var cols = LinearMatrix(input.Shape[3], outSizes[1], scales[1], corners, input);
        return Separable(input, rows, cols);
    }

    private static (long[] Sizes, double?[] Scales) InterpolationSizes(string op, Tensor input, int spatial, long[]? size, double[]? scaleFactor)
    {
        if ((size is null) == (scaleFactor is null))
            throw new ArgumentException($"{op}: give exactly one of size and scaleFactor.", nameof(size));
        var sizes = new long[spatial];
        var scales = new double?[spatial];
        if (size is not null)
        {
            if (size.Length != 1 && size.Length != spatial)
                throw new ArgumentException($"{op}: size {Fmt(size)} must have 1 or {spatial} value(s) for an input of shape {Fmt(input.Shape)}.", nameof(size));
            for (int d = 0; d < spatial; d++) sizes[d] = size.Length == 1 ? size[0] : size[d];
        }
        else
        {
            if (scaleFactor!.Length != 1 && scaleFactor.Length != spatial)
                throw new ArgumentException($"{op}: scaleFactor must have 1 or {spatial} value(s) for an input of shape {Fmt(input.Shape)}, got {scaleFactor.Length}.", nameof(scaleFactor));
            for (int d = 0; d < spatial; d++)
            {
                double s = scaleFactor.Length == 1 ? scaleFactor[0] : scaleFactor[d];
                if (!(s > 0))
                    throw new ArgumentException($"{op}: scaleFactor must be positive, got {s.ToString(CultureInfo.InvariantCulture)}.", nameof(scaleFactor));
                scales[d] = s;
                sizes[d] = (long)Math.Floor(input.Shape[2 + d] * s);
            }
        }
        if (sizes.Any(s => s < 1))
            throw new ArgumentException($"{op}: the output size {Fmt(sizes)} must be positive (input shape {Fmt(input.Shape)}).", nameof(size));
        return (sizes, scales);
    }

    // PyTorch's nearest source index: min(⌊out·scale⌋, in - 1), the scale computed in float32 as its kernels do
    // (1/scaleFactor when given, else in/out).
    private static Tensor NearestResize(Tensor input, long[] outSizes, double?[] scales)
    {
        var current = input;
        try
        {
            for (int d = 0; d < outSizes.Length; d++)
            {
                long inSize = input.Shape[2 + d], outSize = outSizes[d];
                float scale = scales[d] is double s ? (float)(1.0 / s) : (float)inSize / outSize;
                var source = new long[outSize];
                for (long o = 0; o < outSize; o++)
                    source[o] = outSize == inSize ? o : Math.Min((long)MathF.Floor(o * scale), inSize - 1);
                using var index = Tensor.FromArray(source, input.Device);
                var next = current.IndexSelect(2 + d, index);
                if (!ReferenceEquals(current, input)) current.Dispose();
                current = next;
            }
            return current;
        }
        catch
        {
            if (!ReferenceEquals(current, input)) current.Dispose();
            throw;
        }
    }

    // [out, in] linear interpolation weights along one dimension, with PyTorch's source positions: align corners,
    // out·(in - 1)/(out - 1); otherwise (out + 0.5)·scale - 0.5 clamped at 0, with scale = 1/scaleFactor or in/out.
    private static Tensor LinearMatrix(long inSize, long outSize, double? scaleFactor, bool alignCorners, Tensor like)
    {
        double scale = alignCorners
            ? (outSize > 1 ? (double)(inSize - 1) / (outSize - 1) : 0)
            : scaleFactor is double s ? 1.0 / s : (double)inSize / outSize;
        var m = new double[outSize * inSize];
        for (long o = 0; o < outSize; o++)
        {
            double src = alignCorners ? scale * o : Math.Max(scale * (o + 0.5) - 0.5, 0);
            long i0 = Math.Min((long)src, inSize - 1), i1 = i0 + (i0 < inSize - 1 ? 1 : 0);
            double lambda1 = Math.Min(src - i0, 1), lambda0 = 1 - lambda1;
            m[o * inSize + i0] += lambda0;
            m[o * inSize + i1] += lambda1;
        }
        return MatrixLike(m, outSize, inSize, like);
    }

    /// <summary>
    /// The partial inverse of max pooling (PyTorch's <c>F.max_unpool2d</c>): an output of zeros in which each value of
    /// <paramref name="input"/> [N, C, H, W] (or [C, H, W]) is placed at the flat position h·W + w its Int64
    /// <paramref name="indices"/> (as <see cref="MaxPool2dWithIndices"/> returns them) names in its plane. The output
    /// size is (in - 1)·stride - 2·padding + kernel unless <paramref name="outputSize"/> gives it.
    /// </summary>
    /// <exception cref="ArgumentException">The indices are not Int64 or differ in shape from the input, or the input is not 3-/4-D.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index falls outside the output plane.</exception>
    public static Tensor MaxUnpool2d(Tensor input, Tensor indices, Size2 kernelSize, Size2? stride = null, Size2? padding = null, Size2? outputSize = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(indices);
        const string op = nameof(MaxUnpool2d);
        if (input.Dim == 3)
        {
            using var batched = input.Unsqueeze(0);
            using var batchedIndices = indices.Unsqueeze(0);
            using var y = MaxUnpool2d(batched, batchedIndices, kernelSize, stride, padding, outputSize);
            return y.Squeeze(0);
        }
        if (input.Dim != 4)
            throw new ArgumentException($"{op}: expected a 4-D input [N, C, H, W] (or 3-D [C, H, W]), got shape {Fmt(input.Shape)}.", nameof(input));
        if (indices.DType != DType.Int64 || !indices.Shape.SequenceEqual(input.Shape))
            throw new ArgumentException(
                $"{op}: the indices must be Int64 of the input's shape {Fmt(input.Shape)}, got {indices.DType.Name()} of shape {Fmt(indices.Shape)}.", nameof(indices));
        var s = stride ?? kernelSize;
        var p = padding ?? 0;
        long n = input.Shape[0], c = input.Shape[1], h = input.Shape[2], w = input.Shape[3];
        var size = outputSize ?? new Size2((h - 1) * s.Height - 2 * p.Height + kernelSize.Height, (w - 1) * s.Width - 2 * p.Width + kernelSize.Width);
        if (size.Height < 1 || size.Width < 1)
            throw new ArgumentException($"{op}: the output size {size} must be positive (input shape {Fmt(input.Shape)}).", nameof(outputSize));
        long plane = size.Height * size.Width;
        using var flatIndices = indices.Reshape(n, c, h * w);
        if (flatIndices.NumElements > 0)
        {
            using var min = flatIndices.Min();
            using var max = flatIndices.Max();
            long lo = (long)min.ToDouble(), hi = (long)max.ToDouble();
            if (lo < 0 || hi >= plane)
                throw new ArgumentOutOfRangeException(nameof(indices),
                    $"{op}: found an invalid max index {(lo < 0 ? lo : hi)} for an output plane of {size.Height} x {size.Width} (valid: 0..{plane - 1}); check kernelSize, stride, padding and outputSize.");
        }
        using var values = input.Reshape(n, c, h * w);
        using var zeros = Tensor.Zeros([n, c, plane], input.DType, input.Device);
        using var scattered = zeros.Scatter(2, flatIndices, values);
        return scattered.Reshape(n, c, size.Height, size.Width);
    }
}

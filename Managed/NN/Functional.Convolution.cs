using CudaTensor.Backends;

namespace CudaTensor.NN;

// 2-D convolution and max pooling over unfolded windows (Tensor.Unfold2d, im2col): a matrix product with the weight,
// or a max over each window's taps. Padding taps read 0 for convolution and -inf for pooling, so no padded copy of
// the input is made; the backward pass folds the columns' gradient back onto the images (col2im).
public static partial class Functional
{
    /// <summary>
    /// 2-D convolution (cross-correlation, as PyTorch) of <paramref name="input"/> [N, C, H, W] (or [C, H, W])
    /// with <paramref name="weight"/> [O, C / groups, kh, kw] and optional <paramref name="bias"/> [O].
    /// The output is [N, O, OH, OW] with OH = (H + 2·pad - dilation·(kh - 1) - 1) / stride + 1 (likewise OW).
    /// <paramref name="padding"/> is an amount of zero padding on each side (default 0) or, as in PyTorch, <c>"valid"</c>
    /// (none) or <c>"same"</c> (output size = input size, stride 1 only): a total of dilation·(k - 1) per dimension,
    /// split evenly with any odd one on the right and bottom.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes or settings do not fit together, an unknown padding string, or
    /// <c>"same"</c> with a stride other than 1 (the message says which).</exception>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, Size2? stride = null, ConvPadding? padding = null, Size2? dilation = null, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Dim != 4)
            throw new ArgumentException($"{nameof(Conv2d)}: the weight must be 4-D [out_channels, in_channels / groups, kh, kw], got shape {Fmt(weight.Shape)}.", nameof(weight));
        if (input.Dim == 3)
        {
            using var batched = input.Unsqueeze(0);
            using var result = Conv2d(batched, weight, bias, stride, padding, dilation, groups);
            return result.Squeeze(0);
        }
        if (input.Dim != 4)
            throw new ArgumentException($"{nameof(Conv2d)}: expected a 4-D input [N, C, H, W] (or 3-D [C, H, W]), got shape {Fmt(input.Shape)}.", nameof(input));
        if (groups < 1) throw new ArgumentOutOfRangeException(nameof(groups), groups, $"{nameof(Conv2d)}: groups must be positive.");
        long n = input.Shape[0], c = input.Shape[1], o = weight.Shape[0], cg = weight.Shape[1];
        if (c != cg * groups)
            throw new ArgumentException(
                $"{nameof(Conv2d)}: the input has {c} channels, but the weight {Fmt(weight.Shape)} with groups = {groups} expects {cg * groups}.", nameof(input));
        if (o % groups != 0)
            throw new ArgumentException($"{nameof(Conv2d)}: out_channels {o} must be divisible by groups {groups}.", nameof(weight));
        if (bias is not null && (bias.Dim != 1 || bias.Shape[0] != o))
            throw new ArgumentException($"{nameof(Conv2d)}: the bias must have shape [{o}], got {Fmt(bias.Shape)}.", nameof(bias));
        var kernel = new Size2(weight.Shape[2], weight.Shape[3]);
        Size2 step = stride ?? 1, spacing = dilation ?? 1;
        var pad = padding ?? 0;
        pad.Validate(nameof(Conv2d));
        if (pad.Mode == "same" && (step.Height != 1 || step.Width != 1))
            throw new ArgumentException(
                $"{nameof(Conv2d)}: padding \"same\" is not supported for strided convolutions (stride {step}); use stride 1, or an explicit padding.", nameof(padding));
        var (top, bottom) = pad.Resolve(height: true, kernel.Height, spacing.Height);
        var (left, right) = pad.Resolve(height: false, kernel.Width, spacing.Width);
        if (top != bottom || left != right)
        {
            // "same" with an odd total: the odd row and column go on the bottom and right (PyTorch pads the input there).
            using var padded = Pad(input, [0, right - left, 0, bottom - top]);
            return Conv2d(padded, weight, bias, step, new Size2(top, left), spacing, groups);
        }
        var geometry = Windows(nameof(Conv2d), input.Shape, kernel, step, new Size2(top, left), spacing, ceilMode: false);

        if (CanFuseConv2d(input, weight, bias, groups)) return Tensor.Conv2dSingleGroup(input, weight, bias, geometry);
        return ComposedConv2d(input, weight, bias, geometry, groups);
    }

    // The convolution primitive (a backend with IConvolution) takes one group of Float32 or Float64 data with the weight and bias in the input's dtype
    // and on its device; anything else (groups, promotion, a mismatch to report) takes the composed path.
    private static bool CanFuseConv2d(Tensor input, Tensor weight, Tensor? bias, int groups)
        => groups == 1 && (input.DType is DType.Float32 or DType.Float64) && input.NumElements > 0 && input.Backend is IConvolution
           && weight.DType == input.DType && weight.Device == input.Device
           && (bias is null || (bias.DType == input.DType && bias.Device == input.Device));

    /// <summary>
    /// Convolution composed from Unfold2d and a matrix product per group: the definition the primitive implements, kept
    /// for grouped convolutions, for the calls the primitive does not take, and as the tests' reference.
    /// </summary>
    internal static Tensor ComposedConv2d(Tensor input, Tensor weight, Tensor? bias, WindowGeometry geometry, int groups)
    {
        long n = input.Shape[0], o = weight.Shape[0], cg = weight.Shape[1];
        long k = geometry.Taps, l = geometry.Positions;
        using var cols = Tensor.Unfold2d(input, geometry, 0.0);           // [N, C, K·L]
        using var colsGrouped = cols.Reshape(n, groups, cg * k, l);      // row (g, cg, k) matches the weight's flattening
        using var w = weight.Reshape(groups, o / groups, cg * k);
        using var product = Tensor.MatMul(w, colsGrouped);               // [N, G, O/G, L]
        var output = product.Reshape(n, o, geometry.OutHeight, geometry.OutWidth);
        if (bias is null) return output;
        using (output)
        using (var b = bias.View(1, o, 1, 1))
            return output + b;
    }

    /// <summary>The windows of a sliding-window op over <paramref name="inputShape"/> [N, C, H, W], validated.</summary>
    internal static WindowGeometry Windows(string op, ReadOnlySpan<long> inputShape, Size2 kernel, Size2 stride, Size2 padding, Size2 dilation, bool ceilMode)
    {
        if (kernel.Height < 1 || kernel.Width < 1 || stride.Height < 1 || stride.Width < 1 || dilation.Height < 1 || dilation.Width < 1 || padding.Height < 0 || padding.Width < 0)
            throw new ArgumentException($"{op}: kernel size {kernel}, stride {stride} and dilation {dilation} must be positive and padding {padding} non-negative.");
        var g = WindowGeometry.Create(inputShape[2], inputShape[3], kernel.Height, kernel.Width, stride.Height, stride.Width,
            padding.Height, padding.Width, dilation.Height, dilation.Width, ceilMode);
        if (g.OutHeight < 1 || g.OutWidth < 1)
            throw new ArgumentException(
                $"{op}: the input of shape {Fmt(inputShape)} is too small for kernel {kernel} with padding {padding} and dilation {dilation}: " +
                $"the output would be {g.OutHeight} x {g.OutWidth}.");
        return g;
    }
}

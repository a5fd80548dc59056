namespace CudaTensor.NN;

// 2-D convolution and max pooling, built from one Gather (im2col) and a matrix product or a max. The gather
// reads every window position of the flattened image; positions in the padding read one extra element appended
// to each image (0 for convolution, -inf for pooling), so no padded copy is made and the backward pass is a
// single scatter-add.
public static partial class Functional
{
    /// <summary>
    /// 2-D convolution (cross-correlation, as PyTorch) of <paramref name="input"/> [N, C, H, W] (or [C, H, W])
    /// with <paramref name="weight"/> [O, C / groups, kh, kw] and optional <paramref name="bias"/> [O].
    /// The output is [N, O, OH, OW] with OH = (H + 2·pad - dilation·(kh - 1) - 1) / stride + 1 (likewise OW).
    /// </summary>
    /// <exception cref="ArgumentException">Shapes or settings do not fit together (the message says which).</exception>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, Size2? stride = null, Size2? padding = null, Size2? dilation = null, int groups = 1)
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
        var geometry = WindowGeometry.Create(nameof(Conv2d), input.Shape, kernel, stride ?? 1, padding ?? 0, dilation ?? 1, ceilMode: false);

        long k = kernel.Height * kernel.Width, l = geometry.OutHeight * geometry.OutWidth;
        using var cols = Im2Col(input, geometry, 0.0);                    // [N, C, K·L]
        using var colsGrouped = cols.Reshape(n, groups, cg * k, l);      // row (g, cg, k) matches the weight's flattening
        using var w = weight.Reshape(groups, o / groups, cg * k);
        using var product = Tensor.MatMul(w, colsGrouped);               // [N, G, O/G, L]
        var output = product.Reshape(n, o, geometry.OutHeight, geometry.OutWidth);
        if (bias is null) return output;
        using (output)
        using (var b = bias.View(1, o, 1, 1))
            return output + b;
    }

    /// <summary>
    /// 2-D max pooling of <paramref name="input"/> [N, C, H, W] (or [C, H, W]) over windows of
    /// <paramref name="kernelSize"/>, moving by <paramref name="stride"/> (default: the kernel size). Padding counts
    /// as -inf; the gradient goes to the first maximum of each window, as in PyTorch.
    /// </summary>
    /// <exception cref="ArgumentException">The settings do not fit the input (the message says which).</exception>
    public static Tensor MaxPool2d(Tensor input, Size2 kernelSize, Size2? stride = null, Size2? padding = null, Size2? dilation = null, bool ceilMode = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Dim == 3)
        {
            using var batched = input.Unsqueeze(0);
            using var result = MaxPool2d(batched, kernelSize, stride, padding, dilation, ceilMode);
            return result.Squeeze(0);
        }
        if (input.Dim != 4)
            throw new ArgumentException($"{nameof(MaxPool2d)}: expected a 4-D input [N, C, H, W] (or 3-D [C, H, W]), got shape {Fmt(input.Shape)}.", nameof(input));
        var pad = padding ?? 0;
        if (pad.Height * 2 > kernelSize.Height || pad.Width * 2 > kernelSize.Width)
            throw new ArgumentException($"{nameof(MaxPool2d)}: padding {pad} must be at most half of the kernel size {kernelSize}.", nameof(padding));
        var geometry = WindowGeometry.Create(nameof(MaxPool2d), input.Shape, kernelSize, stride ?? kernelSize, pad, dilation ?? 1, ceilMode);
        long n = input.Shape[0], c = input.Shape[1], k = kernelSize.Height * kernelSize.Width, l = geometry.OutHeight * geometry.OutWidth;
        using var cols = Im2Col(input, geometry, double.NegativeInfinity);   // [N, C, K·L]
        using var windows = cols.View(n, c, k, l);
        var (values, indices) = windows.Max(2);
        indices.Dispose();
        using (values) return values.Reshape(n, c, geometry.OutHeight, geometry.OutWidth);
    }

    /// <summary>
    /// Gathers every window of the (virtually padded) input: result [N, C, K·L] with element (k, l) = input value at
    /// kernel offset k of output position l, or <paramref name="padValue"/> outside the image.
    /// </summary>
    private static Tensor Im2Col(Tensor input, WindowGeometry g, double padValue)
    {
        long n = input.Shape[0], c = input.Shape[1], hw = g.Height * g.Width;
        using var flat = input.Reshape(n, c, hw);
        var index = g.GatherIndex();
        bool padded = index.AsSpan().Contains(hw);
        using var idx = Tensor.FromArray(index, [1, 1, index.LongLength], input.Device);
        using var expanded = idx.Expand(n, c, index.LongLength);
        if (!padded) return flat.Gather(2, expanded);
        using var fill = Tensor.Full([n, c, 1], padValue, input.DType, input.Device);
        using var source = Tensor.Cat([flat, fill], 2);
        return source.Gather(2, expanded);
    }

    /// <summary>Sizes of a sliding-window op and the flat source index of every (kernel offset, output position).</summary>
    private readonly record struct WindowGeometry(long Height, long Width, Size2 Kernel, Size2 Stride, Size2 Padding, Size2 Dilation, long OutHeight, long OutWidth)
    {
        public static WindowGeometry Create(string op, ReadOnlySpan<long> inputShape, Size2 kernel, Size2 stride, Size2 padding, Size2 dilation, bool ceilMode)
        {
            if (kernel.Height < 1 || kernel.Width < 1 || stride.Height < 1 || stride.Width < 1 || dilation.Height < 1 || dilation.Width < 1 || padding.Height < 0 || padding.Width < 0)
                throw new ArgumentException($"{op}: kernel size {kernel}, stride {stride} and dilation {dilation} must be positive and padding {padding} non-negative.");
            long h = inputShape[2], w = inputShape[3];
            long oh = OutSize(h, kernel.Height, stride.Height, padding.Height, dilation.Height, ceilMode);
            long ow = OutSize(w, kernel.Width, stride.Width, padding.Width, dilation.Width, ceilMode);
            if (oh < 1 || ow < 1)
                throw new ArgumentException(
                    $"{op}: the input of shape {Fmt(inputShape)} is too small for kernel {kernel} with padding {padding} and dilation {dilation}: " +
                    $"the output would be {oh} x {ow}.");
            return new WindowGeometry(h, w, kernel, stride, padding, dilation, oh, ow);
        }

        private static long OutSize(long size, long k, long s, long p, long d, bool ceil)
        {
            long span = size + 2 * p - d * (k - 1) - 1;
            if (span < 0) return 0;
            long o = (ceil ? (span + s - 1) / s : span / s) + 1;
            // In ceil mode the last window must start inside the input or the left padding (PyTorch's rule).
            if (ceil && (o - 1) * s >= size + p) o--;
            return o;
        }

        /// <summary>Index [K·L]: the flat position h·W + w read by kernel offset k at output l, or H·W for the padding.</summary>
        public long[] GatherIndex()
        {
            long k = Kernel.Height * Kernel.Width, l = OutHeight * OutWidth, pad = Height * Width;
            var index = new long[k * l];
            for (long i = 0; i < Kernel.Height; i++)
            for (long j = 0; j < Kernel.Width; j++)
            {
                long baseIndex = (i * Kernel.Width + j) * l;
                for (long oy = 0; oy < OutHeight; oy++)
                {
                    long y = oy * Stride.Height - Padding.Height + i * Dilation.Height;
                    for (long ox = 0; ox < OutWidth; ox++)
                    {
                        long x = ox * Stride.Width - Padding.Width + j * Dilation.Width;
                        bool inside = y >= 0 && y < Height && x >= 0 && x < Width;
                        index[baseIndex + oy * OutWidth + ox] = inside ? y * Width + x : pad;
                    }
                }
            }
            return index;
        }
    }
}

namespace CudaTensor.NN;

// Average and adaptive pooling. AvgPool2d sums the taps of the unfolded input (Tensor.Unfold2d, padding read as 0) and
// divides each window by its own divisor, so its gradient is Unfold2d's (a Fold2d). Adaptive pooling has windows of
// varying size: the average is separable, a product with a [out, in] averaging matrix on each side; the maximum gathers
// each window's positions through a [taps·positions] table (short windows repeat their first position, which changes
// neither the maximum nor which element is the first maximum) and reduces with Max.
public static partial class Functional
{
    /// <summary>
    /// 2-D average pooling of <paramref name="input"/> [N, C, H, W] (or [C, H, W]) (PyTorch's <c>F.avg_pool2d</c>):
    /// the mean of each <paramref name="kernelSize"/> window moving by <paramref name="stride"/> (default: the kernel
    /// size), with zero <paramref name="padding"/> on each side. With <paramref name="countIncludePad"/> the divisor
    /// counts the padding (but not the part of a ceil-mode window beyond it), otherwise only the elements inside the
    /// input; <paramref name="divisorOverride"/> replaces the divisor.
    /// </summary>
    /// <exception cref="ArgumentException">The input is not floating or not 3-/4-D, the padding exceeds half the
    /// kernel, the divisor override is 0, or the settings do not fit the input.</exception>
    public static Tensor AvgPool2d(Tensor input, Size2 kernelSize, Size2? stride = null, Size2? padding = null, bool ceilMode = false,
        bool countIncludePad = true, long? divisorOverride = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        const string op = nameof(AvgPool2d);
        if (input.Dim == 3)
        {
            using var batched = input.Unsqueeze(0);
            using var y = AvgPool2d(batched, kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride);
            return y.Squeeze(0);
        }
        CheckPoolingInput(op, input);
        var pad = padding ?? 0;
        if (pad.Height * 2 > kernelSize.Height || pad.Width * 2 > kernelSize.Width)
            throw new ArgumentException($"{op}: padding {pad} must be at most half of the kernel size {kernelSize}.", nameof(padding));
        if (divisorOverride == 0)
            throw new ArgumentException($"{op}: divisorOverride must not be 0.", nameof(divisorOverride));
        var g = Windows(op, input.Shape, kernelSize, stride ?? kernelSize, pad, 1, ceilMode);
        long n = input.Shape[0], c = input.Shape[1];
        using var cols = Tensor.Unfold2d(input, g, 0.0);
        using var windows = cols.View(n, c, g.Taps, g.Positions);
        using var sums = windows.Sum(2);
        using var divisors = Tensor.FromArray(AvgPoolDivisors(g, countIncludePad, divisorOverride), input.Device);
        using var typed = divisors.To(input.DType);
        using var means = sums / typed;
        return means.Reshape(n, c, g.OutHeight, g.OutWidth);
    }

    // PyTorch's divisor per window: the window clipped to the padded input (pool size) with countIncludePad, else the
    // window clipped to the input itself.
    private static double[] AvgPoolDivisors(Backends.WindowGeometry g, bool countIncludePad, long? divisorOverride)
    {
        var divisors = new double[g.Positions];
        for (long oh = 0; oh < g.OutHeight; oh++)
        for (long ow = 0; ow < g.OutWidth; ow++)
        {
            long hStart = oh * g.StrideH - g.PadH, wStart = ow * g.StrideW - g.PadW;
            long hEnd = Math.Min(hStart + g.KernelHeight, g.Height + g.PadH), wEnd = Math.Min(wStart + g.KernelWidth, g.Width + g.PadW);
            long poolSize = (hEnd - hStart) * (wEnd - wStart);
            long inside = (Math.Min(hEnd, g.Height) - Math.Max(hStart, 0)) * (Math.Min(wEnd, g.Width) - Math.Max(wStart, 0));
            divisors[oh * g.OutWidth + ow] = divisorOverride ?? (countIncludePad ? poolSize : inside);
        }
        return divisors;
    }

    /// <summary>
    /// Adaptive 2-D average pooling of <paramref name="input"/> [N, C, H, W] (or [C, H, W]) to <paramref name="outputSize"/>
    /// (PyTorch's <c>F.adaptive_avg_pool2d</c>): output row i averages input rows ⌊i·H/OH⌋ to ⌈(i+1)·H/OH⌉ - 1, and
    /// likewise for columns, so windows may overlap and differ in size when the sizes do not divide.
    /// </summary>
    /// <exception cref="ArgumentException">The input is not floating or not 3-/4-D, or an output size is not positive.</exception>
    public static Tensor AdaptiveAvgPool2d(Tensor input, Size2 outputSize)
    {
        ArgumentNullException.ThrowIfNull(input);
        const string op = nameof(AdaptiveAvgPool2d);
        if (input.Dim == 3)
        {
            using var batched = input.Unsqueeze(0);
            using var y = AdaptiveAvgPool2d(batched, outputSize);
            return y.Squeeze(0);
        }
        CheckPoolingInput(op, input);
        CheckOutputSize(op, input, outputSize);
        long h = input.Shape[2], w = input.Shape[3];
        using var rows = AveragingMatrix(h, outputSize.Height, input);
        using var columns = AveragingMatrix(w, outputSize.Width, input);
        return Separable(input, rows, columns);
    }

    /// <summary>
    /// Adaptive 2-D max pooling of <paramref name="input"/> [N, C, H, W] (or [C, H, W]) to <paramref name="outputSize"/>
    /// (PyTorch's <c>F.adaptive_max_pool2d</c>), over the windows of <see cref="AdaptiveAvgPool2d"/>; the gradient goes
    /// to the first maximum of each window.
    /// </summary>
    /// <exception cref="ArgumentException">The input is not floating or not 3-/4-D, or an output size is not positive.</exception>
    public static Tensor AdaptiveMaxPool2d(Tensor input, Size2 outputSize)
    {
        var (values, indices) = AdaptiveMaxPool2dWithIndices(input, outputSize);
        indices.Dispose();
        return values;
    }

    /// <summary>
    /// <see cref="AdaptiveMaxPool2d"/> that also returns the Int64 flat position h·W + w of each maximum within its
    /// input plane (PyTorch's <c>return_indices=True</c>); the indices carry no gradient.
    /// </summary>
    /// <exception cref="ArgumentException">The input is not floating or not 3-/4-D, or an output size is not positive.</exception>
    public static (Tensor Output, Tensor Indices) AdaptiveMaxPool2dWithIndices(Tensor input, Size2 outputSize)
    {
        ArgumentNullException.ThrowIfNull(input);
        const string op = nameof(AdaptiveMaxPool2d);
        if (input.Dim == 3)
        {
            using var batched = input.Unsqueeze(0);
            var (v, i) = AdaptiveMaxPool2dWithIndices(batched, outputSize);
            using (v)
            using (i)
                return (v.Squeeze(0), i.Squeeze(0));
        }
        CheckPoolingInput(op, input);
        CheckOutputSize(op, input, outputSize);
        long h = input.Shape[2], w = input.Shape[3], oh = outputSize.Height, ow = outputSize.Width;
        long kh = MaxAdaptiveWindow(h, oh), kw = MaxAdaptiveWindow(w, ow), taps = kh * kw, positions = oh * ow;
        var table = new long[taps * positions];
        for (long i = 0; i < oh; i++)
        for (long j = 0; j < ow; j++)
        {
            long hs = AdaptiveStart(i, h, oh), he = AdaptiveEnd(i, h, oh), ws = AdaptiveStart(j, w, ow), we = AdaptiveEnd(j, w, ow);
            long position = i * ow + j, tap = 0;
            for (long y = hs; y < he; y++)
            for (long x = ws; x < we; x++)
                table[tap++ * positions + position] = y * w + x;
            for (; tap < taps; tap++) table[tap * positions + position] = hs * w + ws;
        }
        return TablePoolMax(input, table, taps, oh, ow);
    }

    // Max over windows given as a [taps·positions] table of flat input positions, with the position of each maximum.
    private static (Tensor Values, Tensor Indices) TablePoolMax(Tensor input, long[] table, long taps, long outHeight, long outWidth)
    {
        long n = input.Shape[0], c = input.Shape[1], positions = outHeight * outWidth;
        using var planes = input.Reshape(n, c, input.Shape[2] * input.Shape[3]);
        using var lookup = Tensor.FromArray(table, input.Device);
        using var cols = planes.IndexSelect(2, lookup);
        using var windows = cols.View(n, c, taps, positions);
        var (values, tapIndex) = windows.Max(2);
        using (values)
        using (tapIndex)
        {
            var output = values.Reshape(n, c, outHeight, outWidth);
            try
            {
                using var noGrad = Autograd.NoGrad();
                using var tapRows = tapIndex * positions;
                using var columns = Tensor.Arange(positions, DType.Int64, input.Device);
                using var rows = tapRows + columns;
                using var flatRows = rows.Reshape(-1);
                using var picked = lookup.IndexSelect(0, flatRows);
                return (output, picked.Reshape(n, c, outHeight, outWidth));
            }
            catch
            {
                output.Dispose();
                throw;
            }
        }
    }

    private static long AdaptiveStart(long i, long inSize, long outSize) => i * inSize / outSize;

    private static long AdaptiveEnd(long i, long inSize, long outSize) => ((i + 1) * inSize + outSize - 1) / outSize;

    private static long MaxAdaptiveWindow(long inSize, long outSize)
    {
        long most = 0;
        for (long i = 0; i < outSize; i++) most = Math.Max(most, AdaptiveEnd(i, inSize, outSize) - AdaptiveStart(i, inSize, outSize));
        return most;
    }

    // [out, in]: row i averages the adaptive window of output i.
    private static Tensor AveragingMatrix(long inSize, long outSize, Tensor like)
    {
        var m = new double[outSize * inSize];
        for (long i = 0; i < outSize; i++)
        {
            long start = AdaptiveStart(i, inSize, outSize), end = AdaptiveEnd(i, inSize, outSize);
            for (long j = start; j < end; j++) m[i * inSize + j] = 1.0 / (end - start);
        }
        return MatrixLike(m, outSize, inSize, like);
    }

    private static Tensor MatrixLike(double[] values, long rows, long columns, Tensor like)
    {
        using var m = Tensor.FromArray(values, [rows, columns], like.Device);
        return m.To(like.DType);
    }

    // rows [OH, H] · x [N, C, H, W] · columnsᵀ [W, OW]: a separable resampling, differentiable through MatMul.
    private static Tensor Separable(Tensor input, Tensor rows, Tensor columns)
    {
        using var columnsT = columns.Transpose(0, 1);
        using var alongWidth = Tensor.MatMul(input, columnsT);
        return Tensor.MatMul(rows, alongWidth);
    }

    private static void CheckPoolingInput(string op, Tensor input)
    {
        if (input.Dim != 4)
            throw new ArgumentException($"{op}: expected a 4-D input [N, C, H, W] (or 3-D [C, H, W]), got shape {Fmt(input.Shape)}.", nameof(input));
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating-point input, got {input.DType.Name()}; convert it with .To(DType.Float32).", nameof(input));
    }

    private static void CheckOutputSize(string op, Tensor input, Size2 outputSize)
    {
        if (outputSize.Height < 1 || outputSize.Width < 1)
            throw new ArgumentException($"{op}: the output size {outputSize} must be positive (input shape {Fmt(input.Shape)}).", nameof(outputSize));
    }
}

namespace CudaTensor.NN;

// 2-D max pooling: the maximum over each window's taps of the unfolded input (Tensor.Unfold2d, padding read as -inf);
// the gradient flows through Max to the first maximum of each window. The indices PyTorch returns (a flat position
// h·W + w in each input plane) come from a table of each (tap, window) pair's input position.
public static partial class Functional
{
    /// <summary>
    /// 2-D max pooling of <paramref name="input"/> [N, C, H, W] (or [C, H, W]) over windows of
    /// <paramref name="kernelSize"/>, moving by <paramref name="stride"/> (default: the kernel size). Padding counts
    /// as -inf; the gradient goes to the first maximum of each window, as in PyTorch.
    /// </summary>
    /// <exception cref="ArgumentException">The settings do not fit the input (the message says which).</exception>
    public static Tensor MaxPool2d(Tensor input, Size2 kernelSize, Size2? stride = null, Size2? padding = null, Size2? dilation = null, bool ceilMode = false)
    {
        var (values, indices) = MaxPool2dCore(input, kernelSize, stride, padding, dilation, ceilMode, withIndices: false);
        indices?.Dispose();
        return values;
    }

    /// <summary>
    /// <see cref="MaxPool2d"/> that also returns where each maximum came from (PyTorch's
    /// <c>F.max_pool2d(..., return_indices=True)</c>, also <c>F.max_pool2d_with_indices</c>): Int64 indices of the
    /// output's shape, each the flat position h·W + w of the maximum within its input plane (the first maximum of the
    /// window; a window whose every element is -inf points at its first element inside the input, as PyTorch).
    /// The indices carry no gradient.
    /// </summary>
    /// <exception cref="ArgumentException">The settings do not fit the input (the message says which).</exception>
    public static (Tensor Output, Tensor Indices) MaxPool2dWithIndices(Tensor input, Size2 kernelSize, Size2? stride = null, Size2? padding = null,
        Size2? dilation = null, bool ceilMode = false)
    {
        var (values, indices) = MaxPool2dCore(input, kernelSize, stride, padding, dilation, ceilMode, withIndices: true);
        return (values, indices!);
    }

    private static (Tensor Values, Tensor? Indices) MaxPool2dCore(Tensor input, Size2 kernelSize, Size2? stride, Size2? padding, Size2? dilation,
        bool ceilMode, bool withIndices)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Dim == 3)
        {
            using var batched = input.Unsqueeze(0);
            var (v, i) = MaxPool2dCore(batched, kernelSize, stride, padding, dilation, ceilMode, withIndices);
            using (v)
            using (i)
                return (v.Squeeze(0), i?.Squeeze(0));
        }
        if (input.Dim != 4)
            throw new ArgumentException($"{nameof(MaxPool2d)}: expected a 4-D input [N, C, H, W] (or 3-D [C, H, W]), got shape {Fmt(input.Shape)}.", nameof(input));
        var pad = padding ?? 0;
        if (pad.Height * 2 > kernelSize.Height || pad.Width * 2 > kernelSize.Width)
            throw new ArgumentException($"{nameof(MaxPool2d)}: padding {pad} must be at most half of the kernel size {kernelSize}.", nameof(padding));
        var geometry = Windows(nameof(MaxPool2d), input.Shape, kernelSize, stride ?? kernelSize, pad, dilation ?? 1, ceilMode);
        long n = input.Shape[0], c = input.Shape[1], k = geometry.Taps, l = geometry.Positions;
        using var cols = Tensor.Unfold2d(input, geometry, double.NegativeInfinity);   // [N, C, K·L]
        using var windows = cols.View(n, c, k, l);
        var (values, taps) = windows.Max(2);
        using (values)
        using (taps)
        {
            var output = values.Reshape(n, c, geometry.OutHeight, geometry.OutWidth);
            if (!withIndices) return (output, null);
            try
            {
                using var noGrad = Autograd.NoGrad();
                // Row tap·L + position of the [K·L] table holds that tap's position in the input plane.
                using var table = Tensor.FromArray(InputPositions(geometry), input.Device);
                using var tapRows = taps * l;
                using var positions = Tensor.Arange(l, DType.Int64, input.Device);
                using var rows = tapRows + positions;
                using var flatRows = rows.Reshape(-1);
                using var picked = table.IndexSelect(0, flatRows);
                return (output, picked.Reshape(n, c, geometry.OutHeight, geometry.OutWidth));
            }
            catch
            {
                output.Dispose();
                throw;
            }
        }
    }

    // For every (tap, window) pair, the flat position h·W + w it reads; a padding tap stands for the window's first tap
    // inside the input, which is where PyTorch's kernel starts its search (so an all -inf window points there too).
    private static long[] InputPositions(Backends.WindowGeometry g)
    {
        long k = g.Taps, l = g.Positions;
        var table = new long[k * l];
        for (long oh = 0; oh < g.OutHeight; oh++)
        for (long ow = 0; ow < g.OutWidth; ow++)
        {
            long position = oh * g.OutWidth + ow, first = -1;
            for (long tap = 0; tap < k; tap++)
            {
                long h = oh * g.StrideH - g.PadH + tap / g.KernelWidth * g.DilationH;
                long w = ow * g.StrideW - g.PadW + tap % g.KernelWidth * g.DilationW;
                if (h >= 0 && h < g.Height && w >= 0 && w < g.Width && first < 0) first = h * g.Width + w;
            }
            for (long tap = 0; tap < k; tap++)
            {
                long h = oh * g.StrideH - g.PadH + tap / g.KernelWidth * g.DilationH;
                long w = ow * g.StrideW - g.PadW + tap % g.KernelWidth * g.DilationW;
                bool inside = h >= 0 && h < g.Height && w >= 0 && w < g.Width;
                table[tap * l + position] = inside ? h * g.Width + w : first;
            }
        }
        return table;
    }
}

using CudaTensor.Core;

namespace CudaTensor.Backends;

/// <summary>
/// Sliding windows over images [planes, Height, Width]: a KernelHeight x KernelWidth window moving by the stride,
/// its taps spaced by the dilation, over the image with Padding rows and columns added on each side; OutHeight x
/// OutWidth window positions. Tap (i, j) of the window at output (oy, ox) reads row oy·StrideH - PadH + i·DilationH
/// and column ox·StrideW - PadW + j·DilationW, or the padding when that falls outside the image.
/// </summary>
internal readonly record struct WindowGeometry(
    long Height, long Width,
    long KernelHeight, long KernelWidth,
    long StrideH, long StrideW,
    long PadH, long PadW,
    long DilationH, long DilationW,
    long OutHeight, long OutWidth)
{
    /// <summary>
    /// The geometry of a KernelHeight x KernelWidth window over [Height, Width] images, with the output size from the
    /// usual formula, (size + 2·pad - dilation·(kernel - 1) - 1) / stride + 1, rounded down or, in ceil mode, up, where
    /// (PyTorch's rule) the last window must still start inside the image or its left padding. Sizes are not validated.
    /// </summary>
    public static WindowGeometry Create(long height, long width, long kernelHeight, long kernelWidth, long strideH, long strideW,
        long padH, long padW, long dilationH, long dilationW, bool ceilMode = false)
        => new(height, width, kernelHeight, kernelWidth, strideH, strideW, padH, padW, dilationH, dilationW,
            OutSize(height, kernelHeight, strideH, padH, dilationH, ceilMode), OutSize(width, kernelWidth, strideW, padW, dilationW, ceilMode));

    private static long OutSize(long size, long k, long s, long p, long d, bool ceil)
    {
        long span = size + 2 * p - d * (k - 1) - 1;
        if (span < 0) return 0;
        long o = (ceil ? (span + s - 1) / s : span / s) + 1;
        if (ceil && (o - 1) * s >= size + p) o--;
        return o;
    }

    /// <summary>Taps per window: KernelHeight·KernelWidth.</summary>
    public long Taps => KernelHeight * KernelWidth;

    /// <summary>Window positions per image: OutHeight·OutWidth.</summary>
    public long Positions => OutHeight * OutWidth;

    /// <summary>
    /// Checks the operands of a window primitive: one dtype, image [planes, Height, Width] and cols [planes, Taps,
    /// Positions], both contiguous. The backends index them as flat arrays, so anything else would read or write out
    /// of bounds.
    /// </summary>
    public void Validate(string op, Strided cols, Strided image)
    {
        if (cols.DType != image.DType)
            throw new ArgumentException($"{op}: the columns and the image must share a dtype, got {cols.DType.Name()} and {image.DType.Name()}; convert one with To(dtype).");
        long planes = image.Rank == 3 ? image.Shape[0] : -1;
        bool shapes = planes >= 0 && cols.Rank == 3
            && image.Shape[1] == Height && image.Shape[2] == Width
            && cols.Shape[0] == planes && cols.Shape[1] == Taps && cols.Shape[2] == Positions;
        if (!shapes)
            throw new ArgumentException($"{op} needs image [planes, {Height}, {Width}] and cols [planes, {Taps}, {Positions}] for its geometry; got image {Shapes.Format(image.Shape)} and cols {Shapes.Format(cols.Shape)}.");
        if (!cols.IsContiguous || !image.IsContiguous)
            throw new ArgumentException($"{op} needs contiguous cols and image: make a contiguous copy first (Contiguous()).");
    }
}

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
    /// <summary>Taps per window: KernelHeight·KernelWidth.</summary>
    public long Taps => KernelHeight * KernelWidth;

    /// <summary>Window positions per image: OutHeight·OutWidth.</summary>
    public long Positions => OutHeight * OutWidth;
}

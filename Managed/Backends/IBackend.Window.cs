namespace CudaTensor.Backends;

// Sliding-window primitives (convolution and pooling as matrix products and reductions over unfolded windows). The op
// layer hands over contiguous operands of one dtype: images [planes, H, W] (planes = batch x channels) and columns
// [planes, taps, positions] (WindowGeometry.Taps, WindowGeometry.Positions).
internal partial interface IBackend
{
    /// <summary>
    /// Unfolds every window of <paramref name="image"/> [planes, H, W] into <paramref name="cols"/>
    /// [planes, taps, positions]: cols[p, i·KW + j, oy·OW + ox] = the pixel tap (i, j) of window (oy, ox) reads, or
    /// <paramref name="padValue"/> (rounded to the dtype) where it falls in the padding. Every dtype.
    /// </summary>
    void Im2Col(Strided cols, Strided image, in WindowGeometry g, double padValue);

    /// <summary>
    /// The adjoint of <see cref="Im2Col"/>: overwrites <paramref name="image"/> [planes, H, W] with, for each pixel, the
    /// sum of the <paramref name="cols"/> [planes, taps, positions] entries that read it (padding taps are dropped).
    /// Float32 and Float64. Deterministic: each pixel sums its taps in a fixed order.
    /// </summary>
    void Col2Im(Strided image, Strided cols, in WindowGeometry g);
}

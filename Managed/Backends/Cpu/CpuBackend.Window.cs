using System.Numerics;
using System.Runtime.Intrinsics;

namespace CudaTensor.Backends.Cpu;

// Sliding windows. Im2Col writes each column row (plane, tap) as one segment per output row: a contiguous copy when
// the window moves by one column (most convolutions), a strided read otherwise, the padding filled at the ends. Col2Im
// builds each image row from the column segments that read it, taps in order, so rows are independent (split across
// the cores without collisions) and every pixel's sum has the same order whatever the thread count, as on CUDA.
internal sealed unsafe partial class CpuBackend
{
    public void Im2Col(Strided cols, Strided image, in WindowGeometry g, double padValue)
    {
        using var alive = new OperandsAlive(image.Storage);
        g.Validate(nameof(Im2Col), cols, image);
        switch (image.DType)
        {
            case DType.Float32: Unfold(cols, image, g, (float)padValue); break;
            case DType.Float64: Unfold(cols, image, g, padValue); break;
            case DType.Int32: Unfold(cols, image, g, int.CreateSaturating(padValue)); break;
            case DType.Int64: Unfold(cols, image, g, long.CreateSaturating(padValue)); break;
            default: Unfold(cols, image, g, padValue != 0 ? (byte)1 : (byte)0); break;
        }
    }

    public void Col2Im(Strided image, Strided cols, in WindowGeometry g)
    {
        using var alive = new OperandsAlive(cols.Storage);
        g.Validate(nameof(Col2Im), cols, image);
        switch (image.DType)
        {
            case DType.Float32: Fold<float>(image, cols, g); break;
            case DType.Float64: Fold<double>(image, cols, g); break;
            default: throw Unsupported(nameof(Col2Im), image.DType);
        }
    }

    private static void Unfold<T>(Strided cols, Strided image, in WindowGeometry g, T pad) where T : unmanaged
    {
        long planes = image.NumElements / Math.Max(1, g.Height * g.Width), rows = planes * g.Taps;
        if (rows == 0 || g.Positions == 0) return;
        RowRange.Run(new Im2ColRows<T>((T*)Address(cols), (T*)Address(image), g, pad), rows, RowRange.Chunks(rows, g.Positions, 1));
    }

    private static void Fold<T>(Strided image, Strided cols, in WindowGeometry g) where T : unmanaged, INumber<T>
    {
        long rows = image.NumElements / Math.Max(1, g.Width);
        if (rows == 0 || g.Width == 0) return;
        RowRange.Run(new Col2ImRows<T>((T*)Address(image), (T*)Address(cols), g), rows, RowRange.Chunks(rows, g.Width * g.Taps, 1));
    }

    /// <summary>
    /// The window positions [first, end) along one axis whose tap at <paramref name="offset"/> (tap·dilation - padding)
    /// lands inside [0, <paramref name="size"/>): position·stride + offset ∈ [0, size).
    /// </summary>
    private static (int First, int End) Inside(long positions, long stride, long offset, long size)
    {
        long first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        long last = size - 1 - offset; // the largest position·stride still inside
        long end = last < 0 ? 0 : Math.Min(positions, last / stride + 1);
        first = Math.Min(first, positions);
        return ((int)first, (int)Math.Max(first, end));
    }

    // Rows (plane, tap) of the columns, each OutHeight segments of OutWidth. The taps' column ranges are found once per
    // range of rows and the row index is stepped, not divided: small images have many rows of a few elements, and a few
    // divisions per row cost more than its copy.
    private readonly struct Im2ColRows<T>(T* cols, T* image, WindowGeometry g, T pad) : IRowRangeKernel where T : unmanaged
    {
        public void Rows(long start, long end, int chunk)
        {
            int kw = (int)g.KernelWidth, ow = (int)g.OutWidth;
            Span<int> firsts = kw <= 256 ? stackalloc int[kw] : new int[kw], lasts = kw <= 256 ? stackalloc int[kw] : new int[kw];
            for (int jj = 0; jj < kw; jj++) (firsts[jj], lasts[jj]) = Inside(g.OutWidth, g.StrideW, jj * g.DilationW - g.PadW, g.Width);
            long hw = g.Height * g.Width;
            long plane = start / g.Taps, tap = start % g.Taps, i = tap / kw;
            int j = (int)(tap % kw);
            T* dst = cols + start * g.Positions;
            for (long r = start; r < end; r++)
            {
                long columnOffset = j * g.DilationW - g.PadW;
                int first = firsts[j], last = lasts[j];
                T* src = image + plane * hw;
                for (long oy = 0; oy < g.OutHeight; oy++, dst += ow)
                {
                    long y = oy * g.StrideH - g.PadH + i * g.DilationH;
                    if ((ulong)y >= (ulong)g.Height)
                    {
                        Fill(dst, 0, ow, pad);
                        continue;
                    }
                    Fill(dst, 0, first, pad);
                    Fill(dst, last, ow, pad);
                    T* s = src + y * g.Width + first * g.StrideW + columnOffset;
                    if (g.StrideW == 1 && last - first >= 16)
                    {
                        new ReadOnlySpan<T>(s, last - first).CopyTo(new Span<T>(dst + first, last - first));
                    }
                    else
                    {
                        // Short rows (small images, pooling windows) element by element: a library call per segment
                        // would cost more than the copy.
                        for (int k = first; k < last; k++, s += g.StrideW) dst[k] = *s;
                    }
                }
                if (++j == kw)
                {
                    j = 0;
                    if (++i == g.KernelHeight)
                    {
                        i = 0;
                        plane++;
                    }
                }
            }
        }

        private static void Fill(T* dst, int from, int to, T value)
        {
            if (to - from >= 16)
            {
                new Span<T>(dst + from, to - from).Fill(value);
                return;
            }
            for (int k = from; k < to; k++) dst[k] = value;
        }
    }

    // Rows (plane, y) of the image: zero, then add every column segment that reads the row, taps (i, j) in order. The
    // column ranges of the taps j do not depend on the row, so they are found once per range of rows: an image row is
    // often a few dozen elements, and divisions per segment would cost more than its additions.
    private readonly struct Col2ImRows<T>(T* image, T* cols, WindowGeometry g) : IRowRangeKernel where T : unmanaged, INumber<T>
    {
        public void Rows(long start, long end, int chunk)
        {
            int kw = (int)g.KernelWidth;
            // Kernel widths are small; a huge one takes the heap rather than the stack.
            Span<int> first = kw <= 256 ? stackalloc int[kw] : new int[kw], count = kw <= 256 ? stackalloc int[kw] : new int[kw];
            Span<long> x0 = kw <= 256 ? stackalloc long[kw] : new long[kw];
            for (int j = 0; j < kw; j++)
            {
                long columnOffset = j * g.DilationW - g.PadW;
                var (f, l) = Inside(g.OutWidth, g.StrideW, columnOffset, g.Width);
                (first[j], count[j], x0[j]) = (f, l - f, f * g.StrideW + columnOffset);
            }
            for (long r = start; r < end; r++)
            {
                long plane = r / g.Height, y = r % g.Height;
                T* row = image + r * g.Width;
                new Span<T>(row, (int)g.Width).Clear();
                for (long i = 0; i < g.KernelHeight; i++)
                {
                    // The output row whose tap row i reads image row y, if any.
                    long t = y + g.PadH - i * g.DilationH;
                    long oy = g.StrideH == 1 ? t : t / g.StrideH;
                    if (t < 0 || oy >= g.OutHeight || (g.StrideH != 1 && oy * g.StrideH != t)) continue;
                    T* tapRow = cols + ((plane * g.Taps + i * kw) * g.OutHeight + oy) * g.OutWidth;
                    for (int j = 0; j < kw; j++, tapRow += g.OutHeight * g.OutWidth)
                    {
                        if (count[j] == 0) continue;
                        T* src = tapRow + first[j];
                        if (g.StrideW == 1)
                        {
                            AddInto(row + x0[j], src, count[j]);
                        }
                        else
                        {
                            for (int k = 0; k < count[j]; k++) row[x0[j] + k * g.StrideW] += src[k];
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// dst[i] += src[i] for a short segment (an image row is often a few dozen elements): inline vector steps, since a
    /// library call per segment costs as much as the additions at these lengths.
    /// </summary>
    private static void AddInto<T>(T* dst, T* src, int n) where T : unmanaged, INumber<T>
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + Vector512<T>.Count <= n; i += Vector512<T>.Count)
                Vector512.Store(Vector512.Load(dst + i) + Vector512.Load(src + i), dst + i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<T>.Count <= n; i += Vector256<T>.Count)
                Vector256.Store(Vector256.Load(dst + i) + Vector256.Load(src + i), dst + i);
        }
        for (; i < n; i++) dst[i] += src[i];
    }
}

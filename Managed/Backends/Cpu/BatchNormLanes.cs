using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CudaTensor.Backends.Cpu;

/// <summary>
/// The loops of fused batch normalization over one contiguous run of a channel (a plane of an [N, C, S] tensor, or part
/// of one), as <see cref="Vector512{T}"/> loops with a scalar tail. Sums are two-level: each block of
/// <see cref="Block"/> elements is summed in the element type (two vector accumulators), and the block sums are added
/// in float64, as PyTorch's CPU kernel accumulates float32 in float64; over a channel of millions of float32 values
/// this keeps the statistics within a few ulps of a float64 computation at the cost of one conversion per block.
/// </summary>
internal static unsafe class BatchNormLanes<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Elements summed in the element type before the partial sum is added in float64.</summary>
    private const int Block = 4096;

    private static int Lanes => Vector512<T>.Count;

    private static double D(T v) => double.CreateTruncating(v);

    /// <summary>Adds Σ(x - k) to <paramref name="s1"/> and Σ(x - k)² to <paramref name="s2"/> (k: a shift near the mean, so no cancellation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ShiftedSums(T* x, long len, T k, ref double s1, ref double s2)
    {
        var vk = Vector512.Create(k);
        for (long start = 0; start < len; start += Block)
        {
            int n = (int)Math.Min(Block, len - start), j = 0;
            T* p = x + start;
            T t1 = T.Zero, t2 = T.Zero;
            if (Vector512.IsHardwareAccelerated && n >= Lanes)
            {
                Vector512<T> a1 = Vector512<T>.Zero, a2 = Vector512<T>.Zero, b1 = Vector512<T>.Zero, b2 = Vector512<T>.Zero;
                for (; j + 2 * Lanes <= n; j += 2 * Lanes)
                {
                    var d0 = Vector512.Load(p + j) - vk;
                    var d1 = Vector512.Load(p + j + Lanes) - vk;
                    a1 += d0;
                    a2 += d0 * d0;
                    b1 += d1;
                    b2 += d1 * d1;
                }
                for (; j + Lanes <= n; j += Lanes)
                {
                    var d0 = Vector512.Load(p + j) - vk;
                    a1 += d0;
                    a2 += d0 * d0;
                }
                t1 = Vector512.Sum(a1 + b1);
                t2 = Vector512.Sum(a2 + b2);
            }
            for (; j < n; j++)
            {
                T d = p[j] - k;
                t1 += d;
                t2 += d * d;
            }
            s1 += D(t1);
            s2 += D(t2);
        }
    }

    /// <summary>Adds Σdy to <paramref name="g1"/> and Σdy·(x - mean) to <paramref name="g2"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GradSums(T* dy, T* x, long len, T mean, ref double g1, ref double g2)
    {
        var vm = Vector512.Create(mean);
        for (long start = 0; start < len; start += Block)
        {
            int n = (int)Math.Min(Block, len - start), j = 0;
            T* pg = dy + start, px = x + start;
            T t1 = T.Zero, t2 = T.Zero;
            if (Vector512.IsHardwareAccelerated && n >= Lanes)
            {
                Vector512<T> a1 = Vector512<T>.Zero, a2 = Vector512<T>.Zero, b1 = Vector512<T>.Zero, b2 = Vector512<T>.Zero;
                for (; j + 2 * Lanes <= n; j += 2 * Lanes)
                {
                    var g0 = Vector512.Load(pg + j);
                    var g1v = Vector512.Load(pg + j + Lanes);
                    a1 += g0;
                    a2 += g0 * (Vector512.Load(px + j) - vm);
                    b1 += g1v;
                    b2 += g1v * (Vector512.Load(px + j + Lanes) - vm);
                }
                for (; j + Lanes <= n; j += Lanes)
                {
                    var g0 = Vector512.Load(pg + j);
                    a1 += g0;
                    a2 += g0 * (Vector512.Load(px + j) - vm);
                }
                t1 = Vector512.Sum(a1 + b1);
                t2 = Vector512.Sum(a2 + b2);
            }
            for (; j < n; j++)
            {
                t1 += pg[j];
                t2 += pg[j] * (px[j] - mean);
            }
            g1 += D(t1);
            g2 += D(t2);
        }
    }

    /// <summary>y = x·a + b (y may be x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Affine(T* x, T* y, long len, T a, T b)
    {
        long j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<T> va = Vector512.Create(a), vb = Vector512.Create(b);
            for (; j + 2 * Lanes <= len; j += 2 * Lanes)
            {
                (Vector512.Load(x + j) * va + vb).Store(y + j);
                (Vector512.Load(x + j + Lanes) * va + vb).Store(y + j + Lanes);
            }
            for (; j + Lanes <= len; j += Lanes) (Vector512.Load(x + j) * va + vb).Store(y + j);
        }
        for (; j < len; j++) y[j] = x[j] * a + b;
    }

    /// <summary>dx = dy·a + (x - m)·b + c (x - m formed first, so a mean large next to the spread costs no precision).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GradApply(T* dy, T* x, T* dx, long len, T m, T a, T b, T c)
    {
        long j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<T> vm = Vector512.Create(m), va = Vector512.Create(a), vb = Vector512.Create(b), vc = Vector512.Create(c);
            for (; j + Lanes <= len; j += Lanes)
                (Vector512.Load(dy + j) * va + ((Vector512.Load(x + j) - vm) * vb + vc)).Store(dx + j);
        }
        for (; j < len; j++) dx[j] = dy[j] * a + ((x[j] - m) * b + c);
    }

    // The [N, C] layout (one value per channel per row): the loops below run across a block of columns of every row
    // in memory order, a vector of lanes holding neighbouring channels. Sums are two-level as above: Block rows are
    // summed in the element type into per-column accumulators, which are then added in float64.

    /// <summary>
    /// For columns [0, width) of <paramref name="rows"/> rows <paramref name="stride"/> apart: adds Σ(x - k) to s1[j]
    /// and Σ(x - k)² to s2[j], k = <paramref name="shift"/>[j]; <paramref name="acc"/> is scratch for 2·width values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ColumnShiftedSums(T* x, long rows, long stride, long width, T* shift, T* acc, double* s1, double* s2)
    {
        T* a1 = acc, a2 = acc + width;
        for (long start = 0; start < rows; start += Block)
        {
            new Span<T>(acc, (int)(2 * width)).Clear();
            for (long r = start, end = Math.Min(rows, start + Block); r < end; r++)
            {
                T* row = x + r * stride;
                long j = 0;
                if (Vector512.IsHardwareAccelerated)
                {
                    for (; j + Lanes <= width; j += Lanes)
                    {
                        var d = Vector512.Load(row + j) - Vector512.Load(shift + j);
                        (Vector512.Load(a1 + j) + d).Store(a1 + j);
                        (Vector512.Load(a2 + j) + d * d).Store(a2 + j);
                    }
                }
                for (; j < width; j++)
                {
                    T d = row[j] - shift[j];
                    a1[j] += d;
                    a2[j] += d * d;
                }
            }
            for (long j = 0; j < width; j++)
            {
                s1[j] += D(a1[j]);
                s2[j] += D(a2[j]);
            }
        }
    }

    /// <summary>Adds Σdy to g1[j] and Σdy·(x - mean[j]) to g2[j] over the rows; <paramref name="acc"/> is scratch for 2·width values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ColumnGradSums(T* dy, T* x, long rows, long stride, long width, T* mean, T* acc, double* g1, double* g2)
    {
        T* a1 = acc, a2 = acc + width;
        for (long start = 0; start < rows; start += Block)
        {
            new Span<T>(acc, (int)(2 * width)).Clear();
            for (long r = start, end = Math.Min(rows, start + Block); r < end; r++)
            {
                T* pg = dy + r * stride, px = x + r * stride;
                long j = 0;
                if (Vector512.IsHardwareAccelerated)
                {
                    for (; j + Lanes <= width; j += Lanes)
                    {
                        var g = Vector512.Load(pg + j);
                        (Vector512.Load(a1 + j) + g).Store(a1 + j);
                        (Vector512.Load(a2 + j) + g * (Vector512.Load(px + j) - Vector512.Load(mean + j))).Store(a2 + j);
                    }
                }
                for (; j < width; j++)
                {
                    a1[j] += pg[j];
                    a2[j] += pg[j] * (px[j] - mean[j]);
                }
            }
            for (long j = 0; j < width; j++)
            {
                g1[j] += D(a1[j]);
                g2[j] += D(a2[j]);
            }
        }
    }

    /// <summary>y = x·a[j] + b[j] for columns [0, width) of every row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ColumnAffine(T* x, T* y, long rows, long stride, long width, T* a, T* b)
    {
        for (long r = 0; r < rows; r++)
        {
            T* xr = x + r * stride, yr = y + r * stride;
            long j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; j + Lanes <= width; j += Lanes)
                    (Vector512.Load(xr + j) * Vector512.Load(a + j) + Vector512.Load(b + j)).Store(yr + j);
            }
            for (; j < width; j++) yr[j] = xr[j] * a[j] + b[j];
        }
    }

    /// <summary>dx = dy·a[j] + ((x - m[j])·b[j] + c[j]) for columns [0, width) of every row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ColumnGradApply(T* dy, T* x, T* dx, long rows, long stride, long width, T* m, T* a, T* b, T* c)
    {
        for (long r = 0; r < rows; r++)
        {
            T* pg = dy + r * stride, px = x + r * stride, pd = dx + r * stride;
            long j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; j + Lanes <= width; j += Lanes)
                {
                    var d = Vector512.Load(px + j) - Vector512.Load(m + j);
                    (Vector512.Load(pg + j) * Vector512.Load(a + j) + (d * Vector512.Load(b + j) + Vector512.Load(c + j))).Store(pd + j);
                }
            }
            for (; j < width; j++) pd[j] = pg[j] * a[j] + ((px[j] - m[j]) * b[j] + c[j]);
        }
    }
}

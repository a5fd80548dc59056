using System.Runtime.CompilerServices;

namespace CudaTensor.Backends.Cpu;

// Packing copies the operands into the order the micro-kernel reads them, so that the kernel sees unit-stride data
// whatever the caller's strides were (this is how transposed views are multiplied without a copy by the caller).
internal static unsafe partial class Gemm
{
    /// <summary>
    /// Packs an <paramref name="mc"/> x <paramref name="kc"/> block of A into consecutive micro-panels of
    /// <paramref name="mr"/> rows (the last one may be shorter): panel <c>i</c> starts at <c>dst + i * kc</c> and
    /// holds, for each k, its <c>rows</c> values side by side.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA<T>(int mc, int kc, int mr, T* a, long rowStride, long colStride, T* dst)
        where T : unmanaged
    {
        for (int i = 0; i < mc; i += mr)
        {
            int rows = Math.Min(mr, mc - i);
            T* src = a + (i * rowStride);
            T* panel = dst + ((long)i * kc);
            if (rowStride == 1)
            {
                // A is column-major (a transposed view): each k already holds the rows side by side.
                for (int p = 0; p < kc; p++)
                {
                    T* s = src + (p * colStride);
                    T* d = panel + (p * rows);
                    for (int r = 0; r < rows; r++)
                    {
                        d[r] = s[r];
                    }
                }
            }
            else if (colStride == 1)
            {
                // Row-major A: stream each row once, scattering it with stride `rows`; the panel stays in L1.
                for (int r = 0; r < rows; r++)
                {
                    T* s = src + (r * rowStride);
                    T* d = panel + r;
                    int p = 0;
                    for (; p + 4 <= kc; p += 4)
                    {
                        d[0] = s[p];
                        d[rows] = s[p + 1];
                        d[2 * rows] = s[p + 2];
                        d[3 * rows] = s[p + 3];
                        d += 4 * rows;
                    }

                    for (; p < kc; p++)
                    {
                        *d = s[p];
                        d += rows;
                    }
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    T* s = src + (p * colStride);
                    T* d = panel + (p * rows);
                    for (int r = 0; r < rows; r++)
                    {
                        d[r] = s[r * rowStride];
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs columns [<paramref name="j0"/>, <paramref name="j1"/>) of a <paramref name="kc"/>-deep block of B
    /// into micro-panels of <c>2 * TOps.Count</c> columns, each <c>kc * nr</c> elements, zero-padded on the right
    /// so that the kernel never needs a column tail.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB<T, TVec, TOps>(int kc, int j0, int j1, T* b, long rowStride, long colStride, T* dst)
        where T : unmanaged
        where TVec : unmanaged
        where TOps : IGemmVectorOps<TVec, T>
    {
        int w = TOps.Count;
        int nr = 2 * w;
        for (int j = j0; j < j1; j += nr)
        {
            int cols = Math.Min(nr, j1 - j);
            T* src = b + (j * colStride);
            T* panel = dst;
            dst += (long)kc * nr;
            if (colStride == 1 && cols == nr)
            {
                for (int p = 0; p < kc; p++)
                {
                    T* s = src + (p * rowStride);
                    TOps.Store(TOps.Load(s), panel);
                    TOps.Store(TOps.Load(s + w), panel + w);
                    panel += nr;
                }

                continue;
            }

            new Span<T>(panel, kc * nr).Clear();
            if (rowStride == 1)
            {
                // B^T given as B: each column is contiguous in k.
                for (int jj = 0; jj < cols; jj++)
                {
                    T* s = src + (jj * colStride);
                    T* d = panel + jj;
                    for (int p = 0; p < kc; p++)
                    {
                        *d = s[p];
                        d += nr;
                    }
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    T* s = src + (p * rowStride);
                    T* d = panel + (p * nr);
                    for (int jj = 0; jj < cols; jj++)
                    {
                        d[jj] = s[jj * colStride];
                    }
                }
            }
        }
    }
}

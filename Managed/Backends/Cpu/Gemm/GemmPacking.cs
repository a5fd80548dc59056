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
    private static void PackA<T>(int mc, int kc, int mr, T* a, long rowStride, long colStride, T* dst, bool transposeInRegisters)
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
            else if (colStride == 1 && transposeInRegisters)
            {
                // Row-major A, a W x W block at a time (W = one zmm). Row groups go in decreasing order so that the
                // overrun of a short group's rows is overwritten by the full group below it.
                int w = 64 / sizeof(T);
                int p = 0;
                for (; p + w <= kc; p += w)
                {
                    for (int g = (rows - 1) / w * w; g >= 0; g -= w)
                    {
                        TransposeBlock(src + (g * rowStride) + p, rowStride, Math.Min(w, rows - g), panel + (p * rows) + g, rows);
                    }
                }

                for (; p < kc; p++)
                {
                    for (int r = 0; r < rows; r++)
                    {
                        panel[(p * rows) + r] = src[(r * rowStride) + p];
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
    private static void PackB<T, TVec, TOps>(int kc, int j0, int j1, T* b, long rowStride, long colStride, T* dst, bool transposeInRegisters)
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

            if (rowStride == 1 && cols == nr && transposeInRegisters)
            {
                // B^T given as B, full panel: W x W blocks (W = one zmm) transposed in registers.
                int vw = 64 / sizeof(T);
                int p = 0;
                for (; p + vw <= kc; p += vw)
                {
                    for (int g = 0; g < nr; g += vw)
                    {
                        TransposeBlock(src + (g * colStride) + p, colStride, vw, panel + (p * nr) + g, nr);
                    }
                }

                for (; p < kc; p++)
                {
                    for (int jj = 0; jj < nr; jj++)
                    {
                        panel[(p * nr) + jj] = src[(jj * colStride) + p];
                    }
                }

                continue;
            }

            new Span<T>(panel, kc * nr).Clear();
            if (rowStride == 1)
            {
                // B^T given as B: each column is contiguous in k. Go eight k at a time across all columns, so that
                // the written rows of the panel stay in L1 instead of sweeping the whole panel once per column.
                int p = 0;
                for (; p + 8 <= kc; p += 8)
                {
                    T* d = panel + ((long)p * nr);
                    for (int jj = 0; jj < cols; jj++)
                    {
                        T* s = src + (jj * colStride) + p;
                        d[jj] = s[0];
                        d[nr + jj] = s[1];
                        d[(2 * nr) + jj] = s[2];
                        d[(3 * nr) + jj] = s[3];
                        d[(4 * nr) + jj] = s[4];
                        d[(5 * nr) + jj] = s[5];
                        d[(6 * nr) + jj] = s[6];
                        d[(7 * nr) + jj] = s[7];
                    }
                }

                for (; p < kc; p++)
                {
                    T* d = panel + ((long)p * nr);
                    for (int jj = 0; jj < cols; jj++)
                    {
                        d[jj] = src[(jj * colStride) + p];
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

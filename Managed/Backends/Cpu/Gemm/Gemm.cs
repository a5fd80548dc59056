using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CudaTensor.Backends.Cpu;

/// <summary>
/// General matrix multiply on the CPU, BLIS style: B is packed in KC x NC blocks (kept in L3/L2), A in MC x KC
/// blocks (kept in L2), and a register-blocked micro-kernel computes MR x NR tiles from L1. One generic
/// implementation serves float and double, and 512-, 256- and 128-bit vectors.
/// </summary>
internal static unsafe partial class Gemm
{
    /// <summary>Depth of a packed block, in bytes of one row of it: 512 floats or 256 doubles (an A micro-panel stays in L1).</summary>
    private const int KcBytes = 2048;

    /// <summary>Micro-panels per packed A block: MC = 19 * MR = 228 rows for AVX-512 (MC x KC = 456 KiB of the 1 MiB L2).</summary>
    private const int McPanels = 19;

    /// <summary>Width of a packed B block, in bytes of one row of it: 4096 floats (KC x NC = 8 MiB, in L3).</summary>
    private const int NcBytes = 16384;

    /// <summary>B blocks up to this size are read in place when rows are contiguous: packing them costs more than it saves.</summary>
    private const long DirectBBytes = 512 * 1024;

    /// <summary>
    /// The widest row-major B (in columns) of depth <paramref name="k"/> whose blocks are read in place rather than packed:
    /// a caller that multiplies by the same B many times (a recurrent weight, once per time step) can split its columns to
    /// this width and skip the repacking.
    /// </summary>
    internal static long InPlaceBColumns(long k, int elementSize) => DirectBBytes / (Math.Max(1, Math.Min(k, KcBytes / elementSize)) * elementSize);

    /// <summary>Multiply-adds (m * n * k) from which a product is split across cores; below it the hand-off costs more than it gains.</summary>
    private const long ParallelMultiplyAdds = 64 * 64 * 64;

    /// <summary>
    /// Narrowest chunk of the split dimension beyond the first one per thread, in rows or columns: each chunk
    /// repacks the whole of the other operand, about one cycle per element against 1/32 cycle per multiply-add.
    /// </summary>
    private const int MinChunkLength = 512;

    /// <summary>Chunks per thread for large products: enough to rebalance when a thread is preempted, few enough that repacking stays negligible.</summary>
    private const int ChunksPerThread = 4;

    /// <summary>Test hook: the vector width to use (0 = widest accelerated, 256 or 128 to force a narrower path).</summary>
    internal static int ForcedVectorBits { get; set; }

    /// <summary>Test hook: the most threads one product may use (0 = one per core).</summary>
    internal static int MaxThreads { get; set; }

    /// <summary>Test hook: pack B even where it could be read in place.</summary>
    internal static bool AlwaysPackB { get; set; }

    /// <summary>
    /// Computes <c>C = alpha * A @ B + beta * C</c> for an m x k matrix A and a k x n matrix B given by element
    /// strides (so transposed views need no copy) and a row-major C with leading dimension <paramref name="ldc"/>.
    /// When <paramref name="beta"/> is zero C is write-only (NaN in it is not propagated). Shapes are not validated.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="k">Columns of A, rows of B.</param>
    /// <param name="a">Element (0, 0) of A; element (i, p) is at <c>a[i * aRowStride + p * aColStride]</c>.</param>
    /// <param name="aRowStride">Distance between rows of A, in elements.</param>
    /// <param name="aColStride">Distance between columns of A, in elements.</param>
    /// <param name="b">Element (0, 0) of B; element (p, j) is at <c>b[p * bRowStride + j * bColStride]</c>.</param>
    /// <param name="bRowStride">Distance between rows of B, in elements.</param>
    /// <param name="bColStride">Distance between columns of B, in elements.</param>
    /// <param name="c">Element (0, 0) of C; element (i, j) is at <c>c[i * ldc + j]</c>.</param>
    /// <param name="ldc">Distance between rows of C, in elements.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="beta">Scale of the existing C; zero means C is not read.</param>
    public static void Run<T>(
        int m, int n, int k,
        T* a, long aRowStride, long aColStride,
        T* b, long bRowStride, long bColStride,
        T* c, long ldc,
        T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Run(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, ldc, alpha, beta, null, 0);

    /// <summary>
    /// <see cref="Run{T}(int, int, int, T*, long, long, T*, long, long, T*, long, T, T)"/> with an epilogue applied to
    /// each block of C right after its last store, while the block is still in cache (no second pass over C): the
    /// epilogue (null for none) sees row 0 of C as row <c>epilogueRow0</c> (a batch's first row in the whole output).
    /// </summary>
    public static void Run<T>(
        int m, int n, int k,
        T* a, long aRowStride, long aColStride,
        T* b, long bRowStride, long bColStride,
        T* c, long ldc,
        T alpha, T beta, IGemmTileEpilogue<T>? epilogue, long epilogueRow0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(m >= 0 && n >= 0 && k >= 0, "dimensions must be non-negative");
        Debug.Assert(typeof(T) == typeof(float) || typeof(T) == typeof(double), "only float and double are supported");
        if (m <= 0 || n <= 0)
        {
            return;
        }

        if (k <= 0)
        {
            ScaleC(m, n, c, ldc, beta);
            epilogue?.Apply(c, ldc, epilogueRow0, 0, m, n);
            return;
        }

        // The threads reach the epilogue through a handle: the arguments are shared by pointer.
        var handle = epilogue is null ? default : GCHandle.Alloc(epilogue);
        try
        {
            RunBlocked(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, ldc, alpha, beta,
                epilogue is null ? 0 : GCHandle.ToIntPtr(handle), epilogueRow0);
        }
        finally
        {
            if (epilogue is not null) handle.Free();
        }
    }

    private static void RunBlocked<T>(
        int m, int n, int k,
        T* a, long aRowStride, long aColStride,
        T* b, long bRowStride, long bColStride,
        T* c, long ldc,
        T alpha, T beta, nint epilogue, long epilogueRow0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {

        var args = new Args<T>
        {
            M = m, N = n, K = k,
            A = a, ARowStride = aRowStride, AColStride = aColStride,
            B = b, BRowStride = bRowStride, BColStride = bColStride,
            C = c, Ldc = ldc, Alpha = alpha, Beta = beta,
            Epilogue = epilogue, EpilogueRow0 = epilogueRow0,
        };
        if (TrySmall(ref args))
        {
            return;
        }

        int bits = ForcedVectorBits;
        if (bits is 0 or 512 && Vector512.IsHardwareAccelerated)
        {
            Run<T, Vector512<T>, GemmOps512<T>>(ref args);
        }
        else if (bits is 0 or 512 or 256 && Vector256.IsHardwareAccelerated)
        {
            Run<T, Vector256<T>, GemmOps256<T>>(ref args);
        }
        else
        {
            Run<T, Vector128<T>, GemmOps128<T>>(ref args);
        }
    }

    private static void ScaleC<T>(int m, int n, T* c, long ldc, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<T>(c + (i * ldc), n);
            if (T.IsZero(beta))
            {
                row.Clear();
            }
            else
            {
                TensorPrimitives.Multiply(row, beta, row);
            }
        }
    }

    private static void Run<T, TVec, TOps>(ref Args<T> args)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TVec : unmanaged
        where TOps : IGemmVectorOps<TVec, T>
    {
        int threads = MaxThreads > 0 ? Math.Min(MaxThreads, CpuWorkers.MaxThreads) : CpuWorkers.MaxThreads;
        long multiplyAdds = (long)args.M * args.N * args.K;
        if (threads > 1 && multiplyAdds >= ParallelMultiplyAdds)
        {
            // Split the dimension whose panels are more numerous; each chunk packs its own share of B (and all of
            // A, or the converse), which costs O(mk + kn) against O(mnk / chunks) of multiply-adds. Large products
            // get a few chunks per thread so that a preempted thread's share is picked up by the others.
            int nr = 2 * TOps.Count;
            int rowPanels = (args.M + 3) / 4;
            int colPanels = (args.N + nr - 1) / nr;
            args.SplitColumns = SplitColumnsIsCheaper(args.M, args.N, args.K, nr, threads, args.BColStride == 1 ? sizeof(T) : 0);
            int splitLength = args.SplitColumns ? args.N : args.M;
            int chunks = Math.Clamp(splitLength / MinChunkLength, threads, threads * ChunksPerThread);
            chunks = Math.Min(chunks, args.SplitColumns ? colPanels : rowPanels);
            if (chunks > 1)
            {
                fixed (Args<T>* context = &args)
                {
                    if (CpuWorkers.TryRun(&RunChunk<T, TVec, TOps>, context, chunks))
                    {
                        return;
                    }
                }
            }
        }

        Macro<T, TVec, TOps>(ref args, 0, args.M, 0, args.N);
    }

    /// <summary>
    /// Compares the slowest thread's cycles for a split of the columns (panels of <paramref name="nr"/>; every
    /// thread repacks A) and of the rows (in quads; every thread repacks B unless it is read in place).
    /// </summary>
    private static bool SplitColumnsIsCheaper(int m, int n, int k, int nr, int threads, int rowMajorBElementSize)
    {
        const double MultiplyAddsPerCycle = 32; // one core's two 16-lane FMA units
        const double PackCyclesPerElement = 0.5;
        long colsPerThread = ((n + nr - 1) / nr + threads - 1) / threads * (long)nr;
        long rowsPerThread = ((m + 3) / 4 + threads - 1) / threads * 4L;
        double columnSplit = ((double)m * Math.Min(n, colsPerThread) * k / MultiplyAddsPerCycle) + (PackCyclesPerElement * m * k);
        bool bInPlace = rowMajorBElementSize > 0 && (long)k * n * rowMajorBElementSize <= DirectBBytes;
        double rowSplit = ((double)Math.Min(m, rowsPerThread) * n * k / MultiplyAddsPerCycle) + (bInPlace ? 0 : PackCyclesPerElement * k * n);
        return columnSplit < rowSplit;
    }

    private static void RunChunk<T, TVec, TOps>(void* context, int part, int parts)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TVec : unmanaged
        where TOps : IGemmVectorOps<TVec, T>
    {
        ref Args<T> args = ref Unsafe.AsRef<Args<T>>(context);
        if (args.SplitColumns)
        {
            int nr = 2 * TOps.Count;
            int panels = (args.N + nr - 1) / nr;
            int j0 = (int)((long)panels * part / parts) * nr;
            int j1 = Math.Min(args.N, (int)((long)panels * (part + 1) / parts) * nr);
            if (j0 < j1)
            {
                Macro<T, TVec, TOps>(ref args, 0, args.M, j0, j1);
            }
        }
        else
        {
            // Rows need not split on micro-panel boundaries (leftover rows have dedicated kernels), so split them
            // evenly in quads: 128 rows become 64 + 64 rather than 72 + 56.
            int quads = (args.M + 3) / 4;
            int i0 = (int)((long)quads * part / parts) * 4;
            int i1 = Math.Min(args.M, (int)((long)quads * (part + 1) / parts) * 4);
            if (i0 < i1)
            {
                Macro<T, TVec, TOps>(ref args, i0, i1, 0, args.N);
            }
        }
    }

    /// <summary>The blocked loops over C[m0..m1, n0..n1) on the calling thread, with its own packing buffers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Macro<T, TVec, TOps>(ref Args<T> args, int m0, int m1, int n0, int n1)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TVec : unmanaged
        where TOps : IGemmVectorOps<TVec, T>
    {
        int mr = TOps.MR;
        int nr = 2 * TOps.Count;
        int kcMax = KcBytes / sizeof(T);
        int mcMax = McPanels * mr;
        int ncMax = NcBytes / sizeof(T);
        int k = args.K;
        int kcTop = Math.Min(kcMax, k);
        int mcTop = Math.Min(mcMax, m1 - m0);
        int ncTop = Math.Min(ncMax, n1 - n0);
        int ncPadded = (ncTop + nr - 1) / nr * nr;
        var scratch = GemmScratch<T>.Get(((mcTop + mr - 1) / mr * mr * kcTop) + 16, ((long)kcTop * ncPadded) + 16, mr * nr);
        // The in-register transpose is tied to the 512-bit path so that the narrower (test-forced) paths keep
        // covering the element-wise packing.
        bool transpose = typeof(TVec) == typeof(Vector512<T>) && CanTransposeInRegisters;
        T* aPack = scratch.A;
        T* bPack = scratch.B;
        T* tile = scratch.Tile;
        var epilogue = Epilogue(ref args);

        long ars = args.ARowStride, acs = args.AColStride, brs = args.BRowStride, bcs = args.BColStride, ldc = args.Ldc;
        T alpha = args.Alpha;
        for (int jc = n0; jc < n1; jc += ncMax)
        {
            int nc = Math.Min(ncMax, n1 - jc);
            for (int pc = 0; pc < k; pc += kcMax)
            {
                int kc = Math.Min(kcMax, k - pc);
                bool first = pc == 0;
                bool betaZero = first && T.IsZero(args.Beta);
                T beta = first ? args.Beta : T.One;
                T* bBlock = args.B + (pc * brs) + (jc * bcs);
                bool direct = !AlwaysPackB && bcs == 1 && (long)kc * nc * sizeof(T) <= DirectBBytes;
                int fullCols = nc / nr * nr;
                if (!direct)
                {
                    PackB<T, TVec, TOps>(kc, 0, nc, bBlock, brs, bcs, bPack, transpose);
                }
                else if (fullCols < nc)
                {
                    // Only the ragged last panel is packed (zero-padded); full panels are read in place.
                    PackB<T, TVec, TOps>(kc, fullCols, nc, bBlock, brs, bcs, bPack, transpose);
                }

                for (int ic = m0; ic < m1; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, m1 - ic);
                    PackA(mc, kc, mr, args.A + (ic * ars) + (pc * acs), ars, acs, aPack, transpose);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int cols = Math.Min(nr, nc - jr);
                        T* bp;
                        long ldb;
                        if (direct)
                        {
                            bp = cols == nr ? bBlock + jr : bPack;
                            ldb = cols == nr ? brs : nr;
                        }
                        else
                        {
                            bp = bPack + ((long)jr * kc);
                            ldb = nr;
                        }

                        T* cPanel = args.C + (ic * ldc) + jc + jr;
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int rows = Math.Min(mr, mc - ir);
                            T* ap = aPack + ((long)ir * kc);
                            T* cp = cPanel + (ir * ldc);
                            if (cols == nr)
                            {
                                Tile<T, TVec, TOps>(rows, kc, ap, bp, ldb, cp, ldc, alpha, beta, betaZero);
                            }
                            else
                            {
                                // Ragged right edge: compute the full tile into scratch, then merge the valid columns.
                                Tile<T, TVec, TOps>(rows, kc, ap, bp, ldb, tile, nr, alpha, T.Zero, true);
                                MergeTile(rows, cols, tile, nr, cp, ldc, beta, betaZero);
                            }
                        }
                    }

                    // The block of C this thread just finished (mc rows, nc columns) is still in cache: the epilogue
                    // runs over its rows now, one row-kernel call per row and step, with no second pass over memory.
                    if (epilogue is not null && pc + kc == k)
                    {
                        epilogue.Apply(args.C + (ic * ldc) + jc, ldc, args.EpilogueRow0 + ic, jc, mc, nc);
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile<T, TVec, TOps>(int rows, int kc, T* a, T* b, long ldb, T* c, long ldc, T alpha, T beta, bool betaZero)
        where T : unmanaged
        where TVec : unmanaged
        where TOps : IGemmVectorOps<TVec, T>
    {
        switch (rows)
        {
            case 12: MicroKernel<T, TVec, TOps, GemmRows12>(kc, a, b, ldb, c, ldc, alpha, beta, betaZero); break;
            case 11: MicroKernel<T, TVec, TOps, GemmRows11>(kc, a, b, ldb, c, ldc, alpha, beta, betaZero); break;
            case 10: MicroKernel<T, TVec, TOps, GemmRows10>(kc, a, b, ldb, c, ldc, alpha, beta, betaZero); break;
            case 9: MicroKernel<T, TVec, TOps, GemmRows9>(kc, a, b, ldb, c, ldc, alpha, beta, betaZero); break;
            case 8: MicroKernel<T, TVec, TOps, GemmRows8>(kc, a, b, ldb, c, ldc, alpha, beta, betaZero); break;
            case 7: MicroKernel<T, TVec, TOps, GemmRows7>(kc, a, b, ldb, c, ldc, alpha, beta, betaZero); break;
            case 6: MicroKernel<T, TVec, TOps, GemmRows6>(kc, a, b, ldb, c, ldc, alpha, beta, betaZero); break;
            case 5: MicroKernel<T, TVec, TOps, GemmRows5>(kc, a, b, ldb, c, ldc, alpha, beta, betaZero); break;
            case 4: MicroKernel<T, TVec, TOps, GemmRows4>(kc, a, b, ldb, c, ldc, alpha, beta, betaZero); break;
            case 3: MicroKernel<T, TVec, TOps, GemmRows3>(kc, a, b, ldb, c, ldc, alpha, beta, betaZero); break;
            case 2: MicroKernel<T, TVec, TOps, GemmRows2>(kc, a, b, ldb, c, ldc, alpha, beta, betaZero); break;
            default: MicroKernel<T, TVec, TOps, GemmRows1>(kc, a, b, ldb, c, ldc, alpha, beta, betaZero); break;
        }
    }

    /// <summary>C[0..rows, 0..cols) = tile + beta * C (tile already scaled by alpha).</summary>
    private static void MergeTile<T>(int rows, int cols, T* tile, int ldt, T* c, long ldc, T beta, bool betaZero)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            T* t = tile + (r * ldt);
            T* cr = c + (r * ldc);
            for (int j = 0; j < cols; j++)
            {
                cr[j] = betaZero ? t[j] : t[j] + (beta * cr[j]);
            }
        }
    }

    /// <summary>The arguments of one product, shared by the threads that compute it.</summary>
    private struct Args<T>
        where T : unmanaged
    {
        public int M, N, K;
        public T* A, B, C;
        public long ARowStride, AColStride, BRowStride, BColStride, Ldc;
        public T Alpha, Beta;
        public bool SplitColumns;

        // A GCHandle of the IGemmTileEpilogue<T> (0 for none) and the row index it sees for row 0 of C.
        public nint Epilogue;
        public long EpilogueRow0;
    }

    /// <summary>The epilogue of a product, or null.</summary>
    private static IGemmTileEpilogue<T>? Epilogue<T>(ref Args<T> args)
        where T : unmanaged
        => args.Epilogue == 0 ? null : (IGemmTileEpilogue<T>?)GCHandle.FromIntPtr(args.Epilogue).Target;
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace CudaTensor.Backends.Cpu;

// The register-blocked micro-kernel. Rows are unrolled by hand (guarded by the compile-time row count TRows.N, so the
// JIT emits one dedicated kernel per leftover-row count), K by four. Accumulators are plain locals: the JIT keeps
// them in registers only when they are not passed by ref, so nothing here is factored into helpers that take them;
// that is why this file is long: it is the one place where the code is written out 12 rows x 4 steps.
internal static unsafe partial class Gemm
{
    /// <summary>
    /// Computes one TRows.N x (2 * TOps.Count) tile: <c>C = alpha * (A_packed @ B) + beta * C</c>, or
    /// <c>C = alpha * (A_packed @ B)</c> without reading C when <paramref name="betaZero"/> is set.
    /// </summary>
    /// <param name="kc">Depth of the product.</param>
    /// <param name="a">Packed A: for each k, TRows.N consecutive row values.</param>
    /// <param name="b">B: for each k, 2 * TOps.Count consecutive column values; rows <paramref name="ldb"/> apart.</param>
    /// <param name="ldb">Distance between consecutive k rows of B, in elements.</param>
    /// <param name="c">Top-left element of the C tile.</param>
    /// <param name="ldc">Distance between rows of C, in elements.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="beta">Scale of the existing C (ignored when <paramref name="betaZero"/>).</param>
    /// <param name="betaZero">Whether C is write-only.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MicroKernel<T, TVec, TOps, TRows>(int kc, T* a, T* b, long ldb, T* c, long ldc, T alpha, T beta, bool betaZero)
        where T : unmanaged
        where TVec : unmanaged
        where TOps : IGemmVectorOps<TVec, T>
        where TRows : IGemmRows
    {
        int w = TOps.Count;
        if (Sse.IsSupported)
        {
            // Touch the C tile now so that its lines arrive while the K loop runs (+1-4% measured).
            if (TRows.N > 0)
            {
                Sse.Prefetch0(c + 0 * ldc);
                Sse.Prefetch0(c + 0 * ldc + (2 * w) - 1);
            }

            if (TRows.N > 1)
            {
                Sse.Prefetch0(c + 1 * ldc);
                Sse.Prefetch0(c + 1 * ldc + (2 * w) - 1);
            }

            if (TRows.N > 2)
            {
                Sse.Prefetch0(c + 2 * ldc);
                Sse.Prefetch0(c + 2 * ldc + (2 * w) - 1);
            }

            if (TRows.N > 3)
            {
                Sse.Prefetch0(c + 3 * ldc);
                Sse.Prefetch0(c + 3 * ldc + (2 * w) - 1);
            }

            if (TRows.N > 4)
            {
                Sse.Prefetch0(c + 4 * ldc);
                Sse.Prefetch0(c + 4 * ldc + (2 * w) - 1);
            }

            if (TRows.N > 5)
            {
                Sse.Prefetch0(c + 5 * ldc);
                Sse.Prefetch0(c + 5 * ldc + (2 * w) - 1);
            }

            if (TRows.N > 6)
            {
                Sse.Prefetch0(c + 6 * ldc);
                Sse.Prefetch0(c + 6 * ldc + (2 * w) - 1);
            }

            if (TRows.N > 7)
            {
                Sse.Prefetch0(c + 7 * ldc);
                Sse.Prefetch0(c + 7 * ldc + (2 * w) - 1);
            }

            if (TRows.N > 8)
            {
                Sse.Prefetch0(c + 8 * ldc);
                Sse.Prefetch0(c + 8 * ldc + (2 * w) - 1);
            }

            if (TRows.N > 9)
            {
                Sse.Prefetch0(c + 9 * ldc);
                Sse.Prefetch0(c + 9 * ldc + (2 * w) - 1);
            }

            if (TRows.N > 10)
            {
                Sse.Prefetch0(c + 10 * ldc);
                Sse.Prefetch0(c + 10 * ldc + (2 * w) - 1);
            }

            if (TRows.N > 11)
            {
                Sse.Prefetch0(c + 11 * ldc);
                Sse.Prefetch0(c + 11 * ldc + (2 * w) - 1);
            }
        }

        TVec c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default, c90 = default, c91 = default, c100 = default, c101 = default, c110 = default, c111 = default;
        TVec b0, b1, av;
        int p = 0;
        for (; p + 4 <= kc; p += 4)
        {
            b0 = TOps.Load(b);
            b1 = TOps.Load(b + w);
            if (TRows.N > 0)
            {
                av = TOps.Broadcast(a[0]);
                c00 = TOps.Fma(av, b0, c00);
                c01 = TOps.Fma(av, b1, c01);
            }

            if (TRows.N > 1)
            {
                av = TOps.Broadcast(a[1]);
                c10 = TOps.Fma(av, b0, c10);
                c11 = TOps.Fma(av, b1, c11);
            }

            if (TRows.N > 2)
            {
                av = TOps.Broadcast(a[2]);
                c20 = TOps.Fma(av, b0, c20);
                c21 = TOps.Fma(av, b1, c21);
            }

            if (TRows.N > 3)
            {
                av = TOps.Broadcast(a[3]);
                c30 = TOps.Fma(av, b0, c30);
                c31 = TOps.Fma(av, b1, c31);
            }

            if (TRows.N > 4)
            {
                av = TOps.Broadcast(a[4]);
                c40 = TOps.Fma(av, b0, c40);
                c41 = TOps.Fma(av, b1, c41);
            }

            if (TRows.N > 5)
            {
                av = TOps.Broadcast(a[5]);
                c50 = TOps.Fma(av, b0, c50);
                c51 = TOps.Fma(av, b1, c51);
            }

            if (TRows.N > 6)
            {
                av = TOps.Broadcast(a[6]);
                c60 = TOps.Fma(av, b0, c60);
                c61 = TOps.Fma(av, b1, c61);
            }

            if (TRows.N > 7)
            {
                av = TOps.Broadcast(a[7]);
                c70 = TOps.Fma(av, b0, c70);
                c71 = TOps.Fma(av, b1, c71);
            }

            if (TRows.N > 8)
            {
                av = TOps.Broadcast(a[8]);
                c80 = TOps.Fma(av, b0, c80);
                c81 = TOps.Fma(av, b1, c81);
            }

            if (TRows.N > 9)
            {
                av = TOps.Broadcast(a[9]);
                c90 = TOps.Fma(av, b0, c90);
                c91 = TOps.Fma(av, b1, c91);
            }

            if (TRows.N > 10)
            {
                av = TOps.Broadcast(a[10]);
                c100 = TOps.Fma(av, b0, c100);
                c101 = TOps.Fma(av, b1, c101);
            }

            if (TRows.N > 11)
            {
                av = TOps.Broadcast(a[11]);
                c110 = TOps.Fma(av, b0, c110);
                c111 = TOps.Fma(av, b1, c111);
            }

            b += ldb;

            b0 = TOps.Load(b);
            b1 = TOps.Load(b + w);
            if (TRows.N > 0)
            {
                av = TOps.Broadcast(a[(TRows.N * 1) + 0]);
                c00 = TOps.Fma(av, b0, c00);
                c01 = TOps.Fma(av, b1, c01);
            }

            if (TRows.N > 1)
            {
                av = TOps.Broadcast(a[(TRows.N * 1) + 1]);
                c10 = TOps.Fma(av, b0, c10);
                c11 = TOps.Fma(av, b1, c11);
            }

            if (TRows.N > 2)
            {
                av = TOps.Broadcast(a[(TRows.N * 1) + 2]);
                c20 = TOps.Fma(av, b0, c20);
                c21 = TOps.Fma(av, b1, c21);
            }

            if (TRows.N > 3)
            {
                av = TOps.Broadcast(a[(TRows.N * 1) + 3]);
                c30 = TOps.Fma(av, b0, c30);
                c31 = TOps.Fma(av, b1, c31);
            }

            if (TRows.N > 4)
            {
                av = TOps.Broadcast(a[(TRows.N * 1) + 4]);
                c40 = TOps.Fma(av, b0, c40);
                c41 = TOps.Fma(av, b1, c41);
            }

            if (TRows.N > 5)
            {
                av = TOps.Broadcast(a[(TRows.N * 1) + 5]);
                c50 = TOps.Fma(av, b0, c50);
                c51 = TOps.Fma(av, b1, c51);
            }

            if (TRows.N > 6)
            {
                av = TOps.Broadcast(a[(TRows.N * 1) + 6]);
                c60 = TOps.Fma(av, b0, c60);
                c61 = TOps.Fma(av, b1, c61);
            }

            if (TRows.N > 7)
            {
                av = TOps.Broadcast(a[(TRows.N * 1) + 7]);
                c70 = TOps.Fma(av, b0, c70);
                c71 = TOps.Fma(av, b1, c71);
            }

            if (TRows.N > 8)
            {
                av = TOps.Broadcast(a[(TRows.N * 1) + 8]);
                c80 = TOps.Fma(av, b0, c80);
                c81 = TOps.Fma(av, b1, c81);
            }

            if (TRows.N > 9)
            {
                av = TOps.Broadcast(a[(TRows.N * 1) + 9]);
                c90 = TOps.Fma(av, b0, c90);
                c91 = TOps.Fma(av, b1, c91);
            }

            if (TRows.N > 10)
            {
                av = TOps.Broadcast(a[(TRows.N * 1) + 10]);
                c100 = TOps.Fma(av, b0, c100);
                c101 = TOps.Fma(av, b1, c101);
            }

            if (TRows.N > 11)
            {
                av = TOps.Broadcast(a[(TRows.N * 1) + 11]);
                c110 = TOps.Fma(av, b0, c110);
                c111 = TOps.Fma(av, b1, c111);
            }

            b += ldb;

            b0 = TOps.Load(b);
            b1 = TOps.Load(b + w);
            if (TRows.N > 0)
            {
                av = TOps.Broadcast(a[(TRows.N * 2) + 0]);
                c00 = TOps.Fma(av, b0, c00);
                c01 = TOps.Fma(av, b1, c01);
            }

            if (TRows.N > 1)
            {
                av = TOps.Broadcast(a[(TRows.N * 2) + 1]);
                c10 = TOps.Fma(av, b0, c10);
                c11 = TOps.Fma(av, b1, c11);
            }

            if (TRows.N > 2)
            {
                av = TOps.Broadcast(a[(TRows.N * 2) + 2]);
                c20 = TOps.Fma(av, b0, c20);
                c21 = TOps.Fma(av, b1, c21);
            }

            if (TRows.N > 3)
            {
                av = TOps.Broadcast(a[(TRows.N * 2) + 3]);
                c30 = TOps.Fma(av, b0, c30);
                c31 = TOps.Fma(av, b1, c31);
            }

            if (TRows.N > 4)
            {
                av = TOps.Broadcast(a[(TRows.N * 2) + 4]);
                c40 = TOps.Fma(av, b0, c40);
                c41 = TOps.Fma(av, b1, c41);
            }

            if (TRows.N > 5)
            {
                av = TOps.Broadcast(a[(TRows.N * 2) + 5]);
                c50 = TOps.Fma(av, b0, c50);
                c51 = TOps.Fma(av, b1, c51);
            }

            if (TRows.N > 6)
            {
                av = TOps.Broadcast(a[(TRows.N * 2) + 6]);
                c60 = TOps.Fma(av, b0, c60);
                c61 = TOps.Fma(av, b1, c61);
            }

            if (TRows.N > 7)
            {
                av = TOps.Broadcast(a[(TRows.N * 2) + 7]);
                c70 = TOps.Fma(av, b0, c70);
                c71 = TOps.Fma(av, b1, c71);
            }

            if (TRows.N > 8)
            {
                av = TOps.Broadcast(a[(TRows.N * 2) + 8]);
                c80 = TOps.Fma(av, b0, c80);
                c81 = TOps.Fma(av, b1, c81);
            }

            if (TRows.N > 9)
            {
                av = TOps.Broadcast(a[(TRows.N * 2) + 9]);
                c90 = TOps.Fma(av, b0, c90);
                c91 = TOps.Fma(av, b1, c91);
            }

            if (TRows.N > 10)
            {
                av = TOps.Broadcast(a[(TRows.N * 2) + 10]);
                c100 = TOps.Fma(av, b0, c100);
                c101 = TOps.Fma(av, b1, c101);
            }

            if (TRows.N > 11)
            {
                av = TOps.Broadcast(a[(TRows.N * 2) + 11]);
                c110 = TOps.Fma(av, b0, c110);
                c111 = TOps.Fma(av, b1, c111);
            }

            b += ldb;

            b0 = TOps.Load(b);
            b1 = TOps.Load(b + w);
            if (TRows.N > 0)
            {
                av = TOps.Broadcast(a[(TRows.N * 3) + 0]);
                c00 = TOps.Fma(av, b0, c00);
                c01 = TOps.Fma(av, b1, c01);
            }

            if (TRows.N > 1)
            {
                av = TOps.Broadcast(a[(TRows.N * 3) + 1]);
                c10 = TOps.Fma(av, b0, c10);
                c11 = TOps.Fma(av, b1, c11);
            }

            if (TRows.N > 2)
            {
                av = TOps.Broadcast(a[(TRows.N * 3) + 2]);
                c20 = TOps.Fma(av, b0, c20);
                c21 = TOps.Fma(av, b1, c21);
            }

            if (TRows.N > 3)
            {
                av = TOps.Broadcast(a[(TRows.N * 3) + 3]);
                c30 = TOps.Fma(av, b0, c30);
                c31 = TOps.Fma(av, b1, c31);
            }

            if (TRows.N > 4)
            {
                av = TOps.Broadcast(a[(TRows.N * 3) + 4]);
                c40 = TOps.Fma(av, b0, c40);
                c41 = TOps.Fma(av, b1, c41);
            }

            if (TRows.N > 5)
            {
                av = TOps.Broadcast(a[(TRows.N * 3) + 5]);
                c50 = TOps.Fma(av, b0, c50);
                c51 = TOps.Fma(av, b1, c51);
            }

            if (TRows.N > 6)
            {
                av = TOps.Broadcast(a[(TRows.N * 3) + 6]);
                c60 = TOps.Fma(av, b0, c60);
                c61 = TOps.Fma(av, b1, c61);
            }

            if (TRows.N > 7)
            {
                av = TOps.Broadcast(a[(TRows.N * 3) + 7]);
                c70 = TOps.Fma(av, b0, c70);
                c71 = TOps.Fma(av, b1, c71);
            }

            if (TRows.N > 8)
            {
                av = TOps.Broadcast(a[(TRows.N * 3) + 8]);
                c80 = TOps.Fma(av, b0, c80);
                c81 = TOps.Fma(av, b1, c81);
            }

            if (TRows.N > 9)
            {
                av = TOps.Broadcast(a[(TRows.N * 3) + 9]);
                c90 = TOps.Fma(av, b0, c90);
                c91 = TOps.Fma(av, b1, c91);
            }

            if (TRows.N > 10)
            {
                av = TOps.Broadcast(a[(TRows.N * 3) + 10]);
                c100 = TOps.Fma(av, b0, c100);
                c101 = TOps.Fma(av, b1, c101);
            }

            if (TRows.N > 11)
            {
                av = TOps.Broadcast(a[(TRows.N * 3) + 11]);
                c110 = TOps.Fma(av, b0, c110);
                c111 = TOps.Fma(av, b1, c111);
            }

            b += ldb;

            a += TRows.N * 4;
        }

        for (; p < kc; p++)
        {
            b0 = TOps.Load(b);
            b1 = TOps.Load(b + w);
            if (TRows.N > 0)
            {
                av = TOps.Broadcast(a[0]);
                c00 = TOps.Fma(av, b0, c00);
                c01 = TOps.Fma(av, b1, c01);
            }

            if (TRows.N > 1)
            {
                av = TOps.Broadcast(a[1]);
                c10 = TOps.Fma(av, b0, c10);
                c11 = TOps.Fma(av, b1, c11);
            }

            if (TRows.N > 2)
            {
                av = TOps.Broadcast(a[2]);
                c20 = TOps.Fma(av, b0, c20);
                c21 = TOps.Fma(av, b1, c21);
            }

            if (TRows.N > 3)
            {
                av = TOps.Broadcast(a[3]);
                c30 = TOps.Fma(av, b0, c30);
                c31 = TOps.Fma(av, b1, c31);
            }

            if (TRows.N > 4)
            {
                av = TOps.Broadcast(a[4]);
                c40 = TOps.Fma(av, b0, c40);
                c41 = TOps.Fma(av, b1, c41);
            }

            if (TRows.N > 5)
            {
                av = TOps.Broadcast(a[5]);
                c50 = TOps.Fma(av, b0, c50);
                c51 = TOps.Fma(av, b1, c51);
            }

            if (TRows.N > 6)
            {
                av = TOps.Broadcast(a[6]);
                c60 = TOps.Fma(av, b0, c60);
                c61 = TOps.Fma(av, b1, c61);
            }

            if (TRows.N > 7)
            {
                av = TOps.Broadcast(a[7]);
                c70 = TOps.Fma(av, b0, c70);
                c71 = TOps.Fma(av, b1, c71);
            }

            if (TRows.N > 8)
            {
                av = TOps.Broadcast(a[8]);
                c80 = TOps.Fma(av, b0, c80);
                c81 = TOps.Fma(av, b1, c81);
            }

            if (TRows.N > 9)
            {
                av = TOps.Broadcast(a[9]);
                c90 = TOps.Fma(av, b0, c90);
                c91 = TOps.Fma(av, b1, c91);
            }

            if (TRows.N > 10)
            {
                av = TOps.Broadcast(a[10]);
                c100 = TOps.Fma(av, b0, c100);
                c101 = TOps.Fma(av, b1, c101);
            }

            if (TRows.N > 11)
            {
                av = TOps.Broadcast(a[11]);
                c110 = TOps.Fma(av, b0, c110);
                c111 = TOps.Fma(av, b1, c111);
            }

            b += ldb;
            a += TRows.N;
        }

        TVec va = TOps.Broadcast(alpha);
        if (betaZero)
        {
            if (TRows.N > 0)
            {
                TOps.Store(TOps.Multiply(c00, va), c + (0 * ldc));
                TOps.Store(TOps.Multiply(c01, va), c + (0 * ldc) + w);
            }

            if (TRows.N > 1)
            {
                TOps.Store(TOps.Multiply(c10, va), c + (1 * ldc));
                TOps.Store(TOps.Multiply(c11, va), c + (1 * ldc) + w);
            }

            if (TRows.N > 2)
            {
                TOps.Store(TOps.Multiply(c20, va), c + (2 * ldc));
                TOps.Store(TOps.Multiply(c21, va), c + (2 * ldc) + w);
            }

            if (TRows.N > 3)
            {
                TOps.Store(TOps.Multiply(c30, va), c + (3 * ldc));
                TOps.Store(TOps.Multiply(c31, va), c + (3 * ldc) + w);
            }

            if (TRows.N > 4)
            {
                TOps.Store(TOps.Multiply(c40, va), c + (4 * ldc));
                TOps.Store(TOps.Multiply(c41, va), c + (4 * ldc) + w);
            }

            if (TRows.N > 5)
            {
                TOps.Store(TOps.Multiply(c50, va), c + (5 * ldc));
                TOps.Store(TOps.Multiply(c51, va), c + (5 * ldc) + w);
            }

            if (TRows.N > 6)
            {
                TOps.Store(TOps.Multiply(c60, va), c + (6 * ldc));
                TOps.Store(TOps.Multiply(c61, va), c + (6 * ldc) + w);
            }

            if (TRows.N > 7)
            {
                TOps.Store(TOps.Multiply(c70, va), c + (7 * ldc));
                TOps.Store(TOps.Multiply(c71, va), c + (7 * ldc) + w);
            }

            if (TRows.N > 8)
            {
                TOps.Store(TOps.Multiply(c80, va), c + (8 * ldc));
                TOps.Store(TOps.Multiply(c81, va), c + (8 * ldc) + w);
            }

            if (TRows.N > 9)
            {
                TOps.Store(TOps.Multiply(c90, va), c + (9 * ldc));
                TOps.Store(TOps.Multiply(c91, va), c + (9 * ldc) + w);
            }

            if (TRows.N > 10)
            {
                TOps.Store(TOps.Multiply(c100, va), c + (10 * ldc));
                TOps.Store(TOps.Multiply(c101, va), c + (10 * ldc) + w);
            }

            if (TRows.N > 11)
            {
                TOps.Store(TOps.Multiply(c110, va), c + (11 * ldc));
                TOps.Store(TOps.Multiply(c111, va), c + (11 * ldc) + w);
            }
        }
        else
        {
            TVec vb = TOps.Broadcast(beta);
            if (TRows.N > 0)
            {
                T* cr = c + (0 * ldc);
                TOps.Store(TOps.Fma(TOps.Load(cr), vb, TOps.Multiply(c00, va)), cr);
                TOps.Store(TOps.Fma(TOps.Load(cr + w), vb, TOps.Multiply(c01, va)), cr + w);
            }

            if (TRows.N > 1)
            {
                T* cr = c + (1 * ldc);
                TOps.Store(TOps.Fma(TOps.Load(cr), vb, TOps.Multiply(c10, va)), cr);
                TOps.Store(TOps.Fma(TOps.Load(cr + w), vb, TOps.Multiply(c11, va)), cr + w);
            }

            if (TRows.N > 2)
            {
                T* cr = c + (2 * ldc);
                TOps.Store(TOps.Fma(TOps.Load(cr), vb, TOps.Multiply(c20, va)), cr);
                TOps.Store(TOps.Fma(TOps.Load(cr + w), vb, TOps.Multiply(c21, va)), cr + w);
            }

            if (TRows.N > 3)
            {
                T* cr = c + (3 * ldc);
                TOps.Store(TOps.Fma(TOps.Load(cr), vb, TOps.Multiply(c30, va)), cr);
                TOps.Store(TOps.Fma(TOps.Load(cr + w), vb, TOps.Multiply(c31, va)), cr + w);
            }

            if (TRows.N > 4)
            {
                T* cr = c + (4 * ldc);
                TOps.Store(TOps.Fma(TOps.Load(cr), vb, TOps.Multiply(c40, va)), cr);
                TOps.Store(TOps.Fma(TOps.Load(cr + w), vb, TOps.Multiply(c41, va)), cr + w);
            }

            if (TRows.N > 5)
            {
                T* cr = c + (5 * ldc);
                TOps.Store(TOps.Fma(TOps.Load(cr), vb, TOps.Multiply(c50, va)), cr);
                TOps.Store(TOps.Fma(TOps.Load(cr + w), vb, TOps.Multiply(c51, va)), cr + w);
            }

            if (TRows.N > 6)
            {
                T* cr = c + (6 * ldc);
                TOps.Store(TOps.Fma(TOps.Load(cr), vb, TOps.Multiply(c60, va)), cr);
                TOps.Store(TOps.Fma(TOps.Load(cr + w), vb, TOps.Multiply(c61, va)), cr + w);
            }

            if (TRows.N > 7)
            {
                T* cr = c + (7 * ldc);
                TOps.Store(TOps.Fma(TOps.Load(cr), vb, TOps.Multiply(c70, va)), cr);
                TOps.Store(TOps.Fma(TOps.Load(cr + w), vb, TOps.Multiply(c71, va)), cr + w);
            }

            if (TRows.N > 8)
            {
                T* cr = c + (8 * ldc);
                TOps.Store(TOps.Fma(TOps.Load(cr), vb, TOps.Multiply(c80, va)), cr);
                TOps.Store(TOps.Fma(TOps.Load(cr + w), vb, TOps.Multiply(c81, va)), cr + w);
            }

            if (TRows.N > 9)
            {
                T* cr = c + (9 * ldc);
                TOps.Store(TOps.Fma(TOps.Load(cr), vb, TOps.Multiply(c90, va)), cr);
                TOps.Store(TOps.Fma(TOps.Load(cr + w), vb, TOps.Multiply(c91, va)), cr + w);
            }

            if (TRows.N > 10)
            {
                T* cr = c + (10 * ldc);
                TOps.Store(TOps.Fma(TOps.Load(cr), vb, TOps.Multiply(c100, va)), cr);
                TOps.Store(TOps.Fma(TOps.Load(cr + w), vb, TOps.Multiply(c101, va)), cr + w);
            }

            if (TRows.N > 11)
            {
                T* cr = c + (11 * ldc);
                TOps.Store(TOps.Fma(TOps.Load(cr), vb, TOps.Multiply(c110, va)), cr);
                TOps.Store(TOps.Fma(TOps.Load(cr + w), vb, TOps.Multiply(c111, va)), cr + w);
            }
        }
    }
}

using System.Numerics;
using CudaTensor.Backends.Cpu;
using NUnit.Framework;
using CudaTensor.Core;

namespace CudaTensor.Tests.Cpu;

/// <summary>Checks <see cref="Gemm"/> against a float64 triple loop over shapes, layouts, scalars and code paths.</summary>
[TestFixture]
[NonParallelizable] // the Gemm test hooks are process-wide
public sealed unsafe class GemmTests
{
    /// <summary>How an operand is laid out in memory.</summary>
    public enum Layout
    {
        /// <summary>Row-major with padded rows (column stride 1).</summary>
        RowMajor,

        /// <summary>A transposed view: column-major with padded columns (row stride 1).</summary>
        Transposed,

        /// <summary>Neither stride is 1 (e.g. a strided slice).</summary>
        Strided,
    }

    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (13, 17, 5), (33, 65, 129), (100, 1, 50), (1, 300, 7), (12, 32, 16), (24, 64, 3),
        (11, 31, 600), (257, 259, 515), (128, 256, 64), (5, 1000, 2), (240, 33, 520),
    ];

    private static IEnumerable<TestCaseData> ShapeCases()
    {
        foreach (var (m, n, k) in Shapes)
        {
            yield return new TestCaseData(m, n, k).SetArgDisplayNames($"{m}x{n}x{k}");
        }
    }

    private static IEnumerable<TestCaseData> LayoutCases()
    {
        foreach (Layout la in Enum.GetValues<Layout>())
        {
            foreach (Layout lb in Enum.GetValues<Layout>())
            {
                foreach (var (m, n, k) in new[] { (37, 45, 77), (130, 70, 530), (3, 129, 9) })
                {
                    yield return new TestCaseData(la, lb, m, n, k).SetArgDisplayNames($"{la},{lb},{m}x{n}x{k}");
                }
            }
        }
    }

    [TearDown]
    public void ResetHooks()
    {
        Gemm.ForcedVectorBits = 0;
        Gemm.MaxThreads = 0;
        Gemm.AlwaysPackB = false;
        Gemm.DisableSmall = false;
    }

    [TestCaseSource(nameof(ShapeCases))]
    public void FloatMatchesReference(int m, int n, int k) =>
        Check<float>(m, n, k, Layout.RowMajor, Layout.RowMajor, 1f, 0f, seed: m + n + k);

    [TestCaseSource(nameof(ShapeCases))]
    public void DoubleMatchesReference(int m, int n, int k) =>
        Check<double>(m, n, k, Layout.RowMajor, Layout.RowMajor, 1.0, 0.0, seed: m + n + k);

    [TestCaseSource(nameof(LayoutCases))]
    public void FloatLayoutsViaStrides(Layout la, Layout lb, int m, int n, int k) =>
        Check<float>(m, n, k, la, lb, 1f, 0f, seed: 7);

    [TestCaseSource(nameof(LayoutCases))]
    public void DoubleLayoutsViaStrides(Layout la, Layout lb, int m, int n, int k) =>
        Check<double>(m, n, k, la, lb, 1.0, 0.0, seed: 8);

    [TestCase(1.5f, 0.5f)]
    [TestCase(-2f, 1f)]
    [TestCase(0.25f, -3f)]
    [TestCase(1f, 1f)]
    public void FloatAlphaBeta(float alpha, float beta)
    {
        Check<float>(45, 70, 600, Layout.RowMajor, Layout.Transposed, alpha, beta, seed: 3);
        Check<float>(13, 17, 5, Layout.Transposed, Layout.RowMajor, alpha, beta, seed: 4);
    }

    [TestCase(1.5, 0.5)]
    [TestCase(-2.0, 1.0)]
    public void DoubleAlphaBeta(double alpha, double beta) =>
        Check<double>(45, 70, 300, Layout.Strided, Layout.RowMajor, alpha, beta, seed: 5);

    [Test]
    public void SmallProductsCoverEveryRowAndColumnRemainder([Values] Layout la, [Values] bool disableSmall)
    {
        // Products below 2^17 multiply-adds with row-major B skip packing (eight rows of C per register tile, a row's
        // partial last vector masked); the same shapes through the packed path must agree with the reference too.
        Gemm.DisableSmall = disableSmall;
        foreach (var (m, n, k) in new[] { (1, 16, 9), (7, 21, 33), (8, 32, 144), (9, 16, 144), (17, 5, 3), (32, 16, 144), (15, 48, 64) })
        {
            Check<float>(m, n, k, la, Layout.RowMajor, 1f, 0f, seed: m * n + k);
            Check<float>(m, n, k, la, Layout.RowMajor, -0.5f, 1.5f, seed: m + 3);
            Check<double>(m, n, k, la, Layout.RowMajor, 2.0, 0.0, seed: n + 5);
            Check<double>(m, n, k, la, Layout.RowMajor, 1.0, -1.0, seed: k + 7);
        }
    }

    [Test]
    public void BetaZeroIgnoresNaNInC()
    {
        // Check fills C with NaN whenever beta is zero.
        Check<float>(33, 65, 129, Layout.RowMajor, Layout.RowMajor, 2f, 0f, seed: 9);
        Check<float>(33, 65, 600, Layout.Transposed, Layout.Transposed, 1f, 0f, seed: 10);
        Check<double>(33, 65, 129, Layout.RowMajor, Layout.RowMajor, 1.0, 0.0, seed: 11);
    }

    [TestCase(0f)]
    [TestCase(2f)]
    public void KZeroScalesC(float beta)
    {
        const int M = 5, N = 7, Ldc = 9;
        float[] c = new float[M * Ldc];
        Array.Fill(c, beta == 0 ? float.NaN : 3f);
        float[] dummy = [1f];
        fixed (float* pc = c, pd = dummy)
        {
            Gemm.Run(M, N, 0, pd, 1, 1, pd, 1, 1, pc, Ldc, 1f, beta);
        }

        for (int i = 0; i < M; i++)
        {
            for (int j = 0; j < Ldc; j++)
            {
                float expected = j < N ? 3f * beta : (beta == 0 ? float.NaN : 3f);
                Assert.That(c[(i * Ldc) + j], Is.EqualTo(expected), $"c[{i},{j}]");
            }
        }
    }

    [Test]
    public void EmptyOutputWritesNothing()
    {
        float[] c = [42f];
        float[] a = [1f];
        fixed (float* pc = c, pa = a)
        {
            Gemm.Run(0, 1, 3, pa, 1, 1, pa, 1, 1, pc, 1, 1f, 0f);
            Gemm.Run(1, 0, 3, pa, 1, 1, pa, 1, 1, pc, 1, 1f, 0f);
        }

        Assert.That(c[0], Is.EqualTo(42f));
    }

    [TestCase(256)]
    [TestCase(128)]
    public void NarrowVectorFallback(int bits)
    {
        Gemm.ForcedVectorBits = bits;
        foreach (var (m, n, k) in new[] { (1, 1, 1), (13, 17, 5), (33, 65, 129), (100, 1, 50), (70, 90, 530) })
        {
            Check<float>(m, n, k, Layout.RowMajor, Layout.RowMajor, 1f, 0f, seed: bits + m);
            Check<double>(m, n, k, Layout.Transposed, Layout.Strided, 0.5, 2.0, seed: bits + n);
        }

        Check<float>(257, 259, 515, Layout.RowMajor, Layout.Transposed, 1f, 0f, seed: 12);
    }

    [Test]
    public void PackedRowMajorB()
    {
        Gemm.AlwaysPackB = true;
        Check<float>(33, 65, 129, Layout.RowMajor, Layout.RowMajor, 1f, 0f, seed: 19);
        Check<double>(130, 70, 530, Layout.Transposed, Layout.RowMajor, 1.0, 0.5, seed: 20);
    }

    [TestCase(1)]
    [TestCase(0)]
    public void ThreadCountsAgree(int maxThreads)
    {
        Gemm.MaxThreads = maxThreads;
        Check<float>(257, 259, 515, Layout.RowMajor, Layout.RowMajor, 1f, 0f, seed: 13);
        Check<float>(600, 70, 300, Layout.Transposed, Layout.RowMajor, 1f, 0.5f, seed: 14);
        Check<float>(40, 1100, 300, Layout.RowMajor, Layout.Transposed, 1f, 0f, seed: 15);
        Check<double>(300, 300, 300, Layout.RowMajor, Layout.RowMajor, 1.0, 0.0, seed: 16);
    }

    [Test]
    public void LargeMultiBlockProduct()
    {
        // Crosses the KC (512 floats), MC (228 rows) and NC (4096 floats) block boundaries.
        Check<float>(470, 4200, 1030, Layout.RowMajor, Layout.RowMajor, 1f, 0f, seed: 17, sampledRows: 23);
        Check<float>(470, 300, 1030, Layout.Transposed, Layout.Transposed, 1f, 1f, seed: 18, sampledRows: 23);
    }

    [Test]
    public void ConcurrentCallersGetCorrectResults()
    {
        var errors = new List<Exception>();
        Parallel.For(0, 8, i =>
        {
            try
            {
                Check<float>(150 + i, 200, 180, Layout.RowMajor, Layout.RowMajor, 1f, 0f, seed: 100 + i);
                Check<double>(20 + i, 30, 40, Layout.Transposed, Layout.RowMajor, 1.0, 0.0, seed: 200 + i);
            }
            catch (AssertionException e)
            {
                lock (errors)
                {
                    errors.Add(e);
                }
            }
        });
        Assert.That(errors, Is.Empty);
    }

    /// <summary>
    /// Runs one product on random data laid out as asked (with padding that must stay untouched) and compares
    /// it with a float64 triple loop. The tolerance scales with the sum of |terms| and sqrt(k).
    /// </summary>
    private static void Check<T>(int m, int n, int k, Layout la, Layout lb, T alpha, T beta, int seed, int sampledRows = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        (T[] a, long ars, long acs) = Make<T>(m, k, la, rng);
        (T[] b, long brs, long bcs) = Make<T>(k, n, lb, rng);
        long ldc = n + 3;
        var c = new T[(m * ldc) + 1];
        bool betaZero = T.IsZero(beta);
        for (int i = 0; i < c.Length; i++)
        {
            c[i] = betaZero ? T.NaN : T.CreateTruncating(rng.NextDouble() - 0.5);
        }

        T[] c0 = (T[])c.Clone();
        fixed (T* pa = a, pb = b, pc = c)
        {
            Gemm.Run(m, n, k, pa, ars, acs, pb, brs, bcs, pc, ldc, alpha, beta);
        }

        double relative = typeof(T) == typeof(float) ? 1e-5 : 1e-13;
        double tolScale = relative * Math.Sqrt(k + 1);
        double al = double.CreateTruncating(alpha), be = double.CreateTruncating(beta);
        for (int i = 0; i < m; i += sampledRows)
        {
            for (long j = 0; j < ldc; j++)
            {
                double got = double.CreateTruncating(c[(i * ldc) + j]);
                if (j >= n)
                {
                    Assert.That(got, Is.EqualTo(double.CreateTruncating(c0[(i * ldc) + j])), $"padding c[{i},{j}] was written");
                    continue;
                }

                double sum = 0, sumAbs = 0;
                for (int p = 0; p < k; p++)
                {
                    double term = double.CreateTruncating(a[(i * ars) + (p * acs)]) * double.CreateTruncating(b[(p * brs) + (j * bcs)]);
                    sum += term;
                    sumAbs += Math.Abs(term);
                }

                double old = betaZero ? 0 : double.CreateTruncating(c0[(i * ldc) + j]);
                double expected = (al * sum) + (betaZero ? 0 : be * old);
                double tol = (tolScale * ((Math.Abs(al) * sumAbs) + Math.Abs(be * old))) + 1e-30;
                if (!(Math.Abs(got - expected) <= tol))
                {
                    Assert.Fail($"{typeof(T).Name} {m}x{n}x{k} {la}/{lb} alpha={al} beta={be}: c[{i},{j}] = {got}, expected {expected} (tolerance {tol})");
                }
            }
        }

        Assert.That(double.CreateTruncating(c[^1]), Is.EqualTo(double.CreateTruncating(c0[^1])).Or.NaN, "element past C was written");
    }

    /// <summary>A random rows x cols matrix stored with padding in the given layout, and its (row, column) strides.</summary>
    private static (T[] Data, long RowStride, long ColStride) Make<T>(int rows, int cols, Layout layout, Random rng)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long rs, cs, length;
        switch (layout)
        {
            case Layout.RowMajor:
                rs = cols + 2;
                cs = 1;
                length = (rows * rs) + 1;
                break;
            case Layout.Transposed:
                rs = 1;
                cs = rows + 5;
                length = (cols * cs) + 1;
                break;
            default:
                rs = 2 * (cols + 1);
                cs = 2;
                length = (rows * rs) + 1;
                break;
        }

        var data = new T[length];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = T.CreateTruncating(rng.NextDouble() - 0.5);
        }

        return (data, rs, cs);
    }
}

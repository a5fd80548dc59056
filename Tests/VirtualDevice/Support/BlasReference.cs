namespace CudaTensor.Tests.VirtualDevice;

/// <summary>
/// The tests' own oracle for the BLAS emulator: a textbook column-major GEMM in double precision, and a tolerance
/// that bounds the rounding error of a float (or double) dot product of length k.
/// </summary>
internal static class BlasReference
{
    /// <summary>op(X)[r, c] of a column-major matrix with leading dimension ld (T and C alike: the data are real).</summary>
    public static double Op(double[] x, bool transposed, int ld, int r, int c) => transposed ? x[c + (r * ld)] : x[r + (c * ld)];

    /// <summary>C := alpha op(A) op(B) + beta C on the first m rows of each column; rows m..ldc-1 keep their values.</summary>
    public static double[] Gemm(bool transA, bool transB, int m, int n, int k, double alpha, double[] a, int lda,
        double[] b, int ldb, double beta, double[] c, int ldc)
    {
        var result = (double[])c.Clone();
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < m; i++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++) sum += Op(a, transA, lda, i, p) * Op(b, transB, ldb, p, j);
                result[i + (j * ldc)] = (alpha * sum) + (beta == 0 ? 0 : beta * c[i + (j * ldc)]);
            }
        }
        return result;
    }

    /// <summary>
    /// A bound on |computed - exact| for element (i, j): the classic k-term dot-product bound with a safety factor
    /// of 4, in units of the compute type's epsilon.
    /// </summary>
    public static double Tolerance(double epsilon, bool transA, bool transB, int k, double alpha, double[] a, int lda,
        double[] b, int ldb, double beta, double cij, int i, int j)
    {
        double magnitude = 0;
        for (int p = 0; p < k; p++) magnitude += Math.Abs(Op(a, transA, lda, i, p) * Op(b, transB, ldb, p, j));
        return 4 * (k + 2) * epsilon * ((Math.Abs(alpha) * magnitude) + Math.Abs(beta * cij)) + double.Epsilon;
    }

    /// <summary>n values uniform in [-1, 1), each exactly a float.</summary>
    public static double[] RandomFloats(Random random, int n)
    {
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = (float)((random.NextDouble() * 2) - 1);
        return values;
    }
}

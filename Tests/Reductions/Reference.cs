namespace CudaTensor.Tests.Reductions;

/// <summary>
/// Float64 reference computations over plain arrays, independent of the library: row-major walks of a strided
/// layout and naive reductions, used as oracles by the reduction, indexing and matmul tests.
/// </summary>
internal static class Reference
{
    /// <summary>Random values in [lo, hi), rounded to float when <paramref name="asFloat"/> (so float32 tensors hold them exactly).</summary>
    public static double[] RandomValues(int seed, long count, double lo = -2, double hi = 2, bool asFloat = true)
    {
        var rng = new System.Random(seed);
        var v = new double[count];
        for (long i = 0; i < count; i++)
        {
            double x = lo + ((hi - lo) * rng.NextDouble());
            v[i] = asFloat ? (float)x : x;
        }
        return v;
    }

    public static long Numel(long[] shape)
    {
        long n = 1;
        foreach (var s in shape) n *= s;
        return n;
    }

    public static long[] ContiguousStrides(long[] shape)
    {
        var st = new long[shape.Length];
        long acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            st[i] = acc;
            acc *= shape[i];
        }
        return st;
    }

    /// <summary>The values of a strided view of <paramref name="data"/>, row-major.</summary>
    public static double[] Materialize(double[] data, long[] shape, long[] strides, long offset = 0)
    {
        long n = Numel(shape);
        var result = new double[n];
        var idx = new long[shape.Length];
        for (long i = 0; i < n; i++)
        {
            long pos = offset;
            for (int d = 0; d < shape.Length; d++) pos += idx[d] * strides[d];
            result[i] = data[pos];
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
        return result;
    }

    /// <summary>Normalizes dims (negative allowed) against <paramref name="rank"/>; null means all.</summary>
    public static int[] Dims(int[]? dims, int rank)
        => dims is null ? [.. Enumerable.Range(0, rank)] : [.. dims.Select(d => d < 0 ? d + rank : d)];

    /// <summary>Shape after reducing <paramref name="dims"/>.</summary>
    public static long[] ReducedShape(long[] shape, int[] dims, bool keepDim)
    {
        var r = new List<long>();
        for (int i = 0; i < shape.Length; i++)
        {
            if (!dims.Contains(i)) r.Add(shape[i]);
            else if (keepDim) r.Add(1);
        }
        return [.. r];
    }

    /// <summary>Groups the elements of x by output position (reduced dims removed), each group in row-major order of the reduced dims.</summary>
    public static List<double>[] Groups(double[] x, long[] shape, int[] dims)
    {
        var outShape = ReducedShape(shape, dims, false);
        long outCount = Numel(outShape);
        var groups = new List<double>[outCount];
        for (long i = 0; i < outCount; i++) groups[i] = [];
        var idx = new long[shape.Length];
        for (long i = 0; i < x.Length; i++)
        {
            long o = 0;
            for (int d = 0; d < shape.Length; d++)
            {
                if (!dims.Contains(d)) o = (o * shape[d]) + idx[d];
            }
            groups[o].Add(x[i]);
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
        return groups;
    }

    public static double[] Reduce(double[] x, long[] shape, int[] dims, Func<List<double>, double> f)
        => [.. Groups(x, shape, dims).Select(f)];

    public static double Max(List<double> g) => g.Any(double.IsNaN) ? double.NaN : g.Max();
    public static double Min(List<double> g) => g.Any(double.IsNaN) ? double.NaN : g.Min();

    public static double Prod(List<double> g)
    {
        double p = 1;
        foreach (var v in g) p *= v;
        return p;
    }

    public static double Var(List<double> g, bool unbiased)
    {
        double mean = g.Average();
        double ss = g.Sum(v => (v - mean) * (v - mean));
        return ss / (g.Count - (unbiased ? 1 : 0));
    }

    /// <summary>Index of the first NaN, else of the first extreme.</summary>
    public static long ArgExtreme(List<double> g, bool max)
    {
        long best = 0;
        for (int i = 0; i < g.Count; i++)
        {
            if (double.IsNaN(g[i])) return i;
            if (max ? g[i] > g[(int)best] : g[i] < g[(int)best]) best = i;
        }
        return best;
    }

    /// <summary>Naive batched product c[b] = a[b] @ b[b] on row-major [B, m, k] and [B, k, n] arrays.</summary>
    public static double[] MatMul(double[] a, double[] b, long batch, long m, long k, long n)
    {
        var c = new double[batch * m * n];
        for (long q = 0; q < batch; q++)
        {
            for (long i = 0; i < m; i++)
            {
                for (long j = 0; j < n; j++)
                {
                    double acc = 0;
                    for (long p = 0; p < k; p++) acc += a[(q * m * k) + (i * k) + p] * b[(q * k * n) + (p * n) + j];
                    c[(q * m * n) + (i * n) + j] = acc;
                }
            }
        }
        return c;
    }
}

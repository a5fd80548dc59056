namespace CudaTensor.Data;

/// <summary>Random permutations and dataset splits drawn from the library's <see cref="Generator"/>.</summary>
public static class Sampling
{
    /// <summary>
    /// A uniformly random permutation of 0 .. <paramref name="n"/> - 1: a Fisher–Yates shuffle driven by <paramref name="n"/>
    /// float64 uniforms from <paramref name="generator"/> (default: the global generator), so it is reproducible
    /// from a seed.
    /// </summary>
    public static long[] RandomPermutation(long n, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var perm = Range(n);
        if (n < 2) return perm;
        double[] u;
        using (var draws = Tensor.Rand([n], DType.Float64, generator: generator)) u = draws.ToArray<double>();
        for (long i = n - 1; i > 0; i--)
        {
            long j = Math.Min((long)(u[i] * (i + 1)), i);
            (perm[i], perm[j]) = (perm[j], perm[i]);
        }
        return perm;
    }

    internal static long[] Range(long n)
    {
        var r = new long[n];
        for (long i = 0; i < n; i++) r[i] = i;
        return r;
    }

    /// <summary>
    /// Splits <paramref name="dataset"/> at random into subsets of the given <paramref name="lengths"/> (PyTorch's
    /// <c>random_split</c>). Lengths are sample counts summing to the dataset's size, or fractions summing to 1 (the
    /// remainder after rounding down goes one sample at a time to the first subsets).
    /// </summary>
    /// <exception cref="ArgumentException">The lengths neither sum to the dataset's size nor are fractions summing to 1.</exception>
    public static Subset[] RandomSplit(Dataset dataset, IReadOnlyList<double> lengths, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(lengths);
        long n = dataset.Count;
        long[] counts;
        if (Math.Abs(lengths.Sum() - 1) < 1e-9 && lengths.All(f => f >= 0 && f <= 1) && lengths.Sum() != n)
        {
            counts = lengths.Select(f => (long)Math.Floor(n * f)).ToArray();
            long remainder = n - counts.Sum();
            for (int i = 0; remainder > 0; i = (i + 1) % counts.Length, remainder--) counts[i]++;
        }
        else
        {
            if (lengths.Any(l => l < 0 || l != Math.Floor(l)) || lengths.Sum() != n)
                throw new ArgumentException(
                    $"RandomSplit: lengths [{string.Join(", ", lengths)}] must be sample counts summing to the dataset's {n} samples, or fractions summing to 1.", nameof(lengths));
            counts = lengths.Select(l => (long)l).ToArray();
        }
        var perm = RandomPermutation(n, generator);
        var result = new Subset[counts.Length];
        long offset = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            result[i] = new Subset(dataset, perm.Skip((int)offset).Take((int)counts[i]));
            offset += counts[i];
        }
        return result;
    }

    /// <summary>
    /// A seeded random train/test split of tensors that share dimension 0 (e.g. features and labels): the test part
    /// gets round(<paramref name="testFraction"/> · n) samples. Returns new tensors (the caller disposes them).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="testFraction"/> is not in (0, 1) or leaves a part empty.</exception>
    public static (Tensor[] Train, Tensor[] Test) TrainTestSplit(Tensor[] tensors, double testFraction, ulong seed)
    {
        var dataset = new TensorDataset(tensors);
        long n = dataset.Count;
        if (!(testFraction > 0 && testFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "TrainTestSplit: the test fraction must be between 0 and 1.");
        long testCount = (long)Math.Round(testFraction * n);
        if (testCount == 0 || testCount == n)
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, $"TrainTestSplit: a test fraction of {testFraction} of {n} samples leaves one part empty.");
        var parts = RandomSplit(dataset, [n - testCount, testCount], new Generator(seed));
        return (parts[0].ToTensors(), parts[1].ToTensors());
    }
}

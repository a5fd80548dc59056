using System.Diagnostics;
using NUnit.Framework;
using CudaTensor.RandomNumbers;
using CudaTensor.Backends.Cpu;

namespace CudaTensor.Tests.RandomNumbers;

[TestFixture]
public class RandomFillTests
{
    private const ulong Seed = 20240607UL;
    private const int Million = 1_000_000;

    private delegate void Filler<T>(Span<T> destination, ulong seed, ulong startBlock);

    private static readonly Filler<float> UniformF = (d, s, b) => CpuRandomFill.Uniform(d, s, b, -1f, 4f);
    private static readonly Filler<double> UniformD = (d, s, b) => CpuRandomFill.Uniform(d, s, b, -1.0, 4.0);
    private static readonly Filler<float> NormalF = (d, s, b) => CpuRandomFill.Normal(d, s, b, 2f, 3f);
    private static readonly Filler<double> NormalD = (d, s, b) => CpuRandomFill.Normal(d, s, b, 2.0, 3.0);
    private static readonly Filler<long> IntegersL = (d, s, b) => CpuRandomFill.Integers(d, s, b, -50L, 1L << 40);
    private static readonly Filler<int> IntegersI = (d, s, b) => CpuRandomFill.Integers(d, s, b, int.MinValue, int.MaxValue);
    private static readonly Filler<float> BernoulliF = (d, s, b) => CpuRandomFill.Bernoulli(d, s, b, 0.25);

    [TestCase((int)RandomKind.UniformFloat32, 4)]
    [TestCase((int)RandomKind.UniformFloat64, 2)]
    [TestCase((int)RandomKind.NormalFloat32, 4)]
    [TestCase((int)RandomKind.NormalFloat64, 2)]
    [TestCase((int)RandomKind.Integers, 2)]
    [TestCase((int)RandomKind.Bernoulli, 4)]
    public void BlocksForRoundsUp(int kindValue, int perBlock)
    {
        var kind = (RandomKind)kindValue;
        Assert.That(RandomFill.ValuesPerBlock(kind), Is.EqualTo(perBlock));
        Assert.That(RandomFill.BlocksFor(kind, 0), Is.EqualTo(0UL));
        Assert.That(RandomFill.BlocksFor(kind, 1), Is.EqualTo(1UL));
        Assert.That(RandomFill.BlocksFor(kind, perBlock), Is.EqualTo(1UL));
        Assert.That(RandomFill.BlocksFor(kind, perBlock + 1), Is.EqualTo(2UL));
        Assert.That(RandomFill.BlocksFor(kind, long.MaxValue), Is.EqualTo((ulong)((long.MaxValue / perBlock) + 1)));
    }

    [Test]
    public void KindsForElementTypes()
    {
        Assert.That(RandomFill.UniformKind<float>(), Is.EqualTo(RandomKind.UniformFloat32));
        Assert.That(RandomFill.UniformKind<double>(), Is.EqualTo(RandomKind.UniformFloat64));
        Assert.That(RandomFill.NormalKind<float>(), Is.EqualTo(RandomKind.NormalFloat32));
        Assert.That(RandomFill.NormalKind<double>(), Is.EqualTo(RandomKind.NormalFloat64));
        Assert.Throws<NotSupportedException>(() => RandomFill.UniformKind<Half>());
    }

    // ---------------------------------------------------------------- parallel == sequential, chunking

    [Test]
    public void ParallelFillEqualsSmallSequentialPieces()
    {
        Assert.Multiple(() =>
        {
            CheckPieces(UniformF, 4);
            CheckPieces(UniformD, 2);
            CheckPieces(NormalF, 4);
            CheckPieces(NormalD, 2);
            CheckPieces(IntegersL, 2);
            CheckPieces(IntegersI, 2);
            CheckPieces(BernoulliF, 4);
        });
    }

    private static void CheckPieces<T>(Filler<T> fill, int perBlock)
        where T : IEquatable<T>
    {
        // Large enough for the parallel path; odd length so the last block is partial.
        const int n = (1 << 20) + 3;
        const ulong start = 1000;
        var whole = new T[n];
        fill(whole, Seed, start);

        // Pieces far below the parallel threshold, so they take the single-threaded path.
        var pieces = new T[n];
        const int piece = 4096;
        for (int first = 0; first < n; first += piece)
        {
            int length = Math.Min(piece, n - first);
            fill(pieces.AsSpan(first, length), Seed, start + (ulong)(first / perBlock));
        }

        int mismatch = pieces.AsSpan().CommonPrefixLength(whole);
        Assert.That(mismatch, Is.EqualTo(n), $"{typeof(T).Name}: first difference at element {mismatch}");
    }

    [Test]
    public void FillingInTwoPartsEqualsFillingAtOnce()
    {
        Assert.Multiple(() =>
        {
            foreach (int k in SplitPoints)
            {
                CheckSplit(UniformF, 4, k);
                CheckSplit(UniformD, 2, k);
                CheckSplit(NormalF, 4, k);
                CheckSplit(NormalD, 2, k);
                CheckSplit(IntegersL, 2, k);
                CheckSplit(BernoulliF, 4, k);
            }
        });
    }

    private static readonly int[] SplitPoints = [0, 4, 8, 100, 1000];

    private static void CheckSplit<T>(Filler<T> fill, int perBlock, int k)
    {
        const int n = 1003;
        const ulong start = 77;
        var whole = new T[n];
        fill(whole, Seed, start);
        var parts = new T[n];
        fill(parts.AsSpan(0, k), Seed, start);
        fill(parts.AsSpan(k), Seed, start + (ulong)(k / perBlock));
        Assert.That(parts, Is.EqualTo(whole), $"{typeof(T).Name} k={k}");
    }

    [Test]
    public void PrefixOfALongerFillIsTheShorterFill()
    {
        var longer = new double[501];
        var shorter = new double[333];
        CpuRandomFill.Normal<double>(longer, Seed, 9, 0.0, 1.0);
        CpuRandomFill.Normal<double>(shorter, Seed, 9, 0.0, 1.0);
        Assert.That(longer.Take(333), Is.EqualTo(shorter));
    }

    [Test]
    public void DifferentStartBlocksGiveDifferentNumbers()
    {
        var a = new float[1000];
        var b = new float[1000];
        CpuRandomFill.Uniform<float>(a, Seed, 0, 0f, 1f);
        CpuRandomFill.Uniform<float>(b, Seed, 250, 0f, 1f); // b starts where a's 1000 values end
        Assert.That(a.Zip(b).Count(p => p.First == p.Second), Is.LessThan(3));
    }

    // ---------------------------------------------------------------- statistics (fixed seed: deterministic)

    [Test]
    public void UniformFloatStatistics()
    {
        var v = new float[Million];
        CpuRandomFill.Uniform<float>(v, Seed, 0, 0f, 1f);
        (double mean, double variance) = Moments(v.Select(x => (double)x));
        // SE(mean) = sqrt(1/12/n) = 2.9e-4; SE(var) = sqrt((1/80 - 1/144)/n) = 7.5e-5.
        Assert.That(mean, Is.EqualTo(0.5).Within(5 * 2.9e-4));
        Assert.That(variance, Is.EqualTo(1.0 / 12).Within(5 * 7.5e-5));
        Assert.That(v.Min(), Is.GreaterThanOrEqualTo(0f).And.LessThan(1e-5f));
        Assert.That(v.Max(), Is.LessThan(1f).And.GreaterThan(1f - 1e-5f));
    }

    [Test]
    public void UniformDoubleStatisticsAndRange()
    {
        var v = new double[Million];
        CpuRandomFill.Uniform<double>(v, Seed, 0, -3.0, 5.0);
        (double mean, double variance) = Moments(v);
        // Scaled by 8: SE(mean) = 8 * 2.9e-4, SE(var) = 64 * 7.5e-5.
        Assert.That(mean, Is.EqualTo(1.0).Within(5 * 8 * 2.9e-4));
        Assert.That(variance, Is.EqualTo(64.0 / 12).Within(5 * 64 * 7.5e-5));
        Assert.That(v.Min(), Is.GreaterThanOrEqualTo(-3.0).And.LessThan(-3.0 + 1e-4));
        Assert.That(v.Max(), Is.LessThan(5.0).And.GreaterThan(5.0 - 1e-4));
    }

    [Test]
    public void UniformWithEqualBoundsIsConstant()
    {
        var v = new float[37];
        CpuRandomFill.Uniform<float>(v, Seed, 0, 2.5f, 2.5f);
        Assert.That(v, Is.All.EqualTo(2.5f));
    }

    [Test]
    public void NormalFloatStatistics()
    {
        var v = new float[Million];
        CpuRandomFill.Normal<float>(v, Seed, 0, 0f, 1f);
        CheckStandardNormal(v.Select(x => (double)x).ToArray());
    }

    [Test]
    public void NormalDoubleStatistics()
    {
        var v = new double[Million];
        CpuRandomFill.Normal<double>(v, Seed, 0, 10.0, 2.0);
        CheckStandardNormal(v.Select(x => (x - 10.0) / 2.0).ToArray());
    }

    private static void CheckStandardNormal(double[] z)
    {
        (double mean, double variance) = Moments(z);
        // SE(mean) = 1e-3; SE(var) = sqrt(2/n) = 1.41e-3; SE(P(|z|<1)) = sqrt(.6827*.3173/n) = 4.7e-4.
        Assert.That(mean, Is.EqualTo(0.0).Within(5e-3));
        Assert.That(variance, Is.EqualTo(1.0).Within(5 * 1.41e-3));
        double inside = z.Count(x => Math.Abs(x) < 1) / (double)z.Length;
        Assert.That(inside, Is.EqualTo(0.682689).Within(5 * 4.7e-4));
        double third = z.Average(x => x * x * x); // skewness, SE sqrt(15/n) = 3.9e-3
        Assert.That(third, Is.EqualTo(0.0).Within(5 * 3.9e-3));
        Assert.That(z.All(double.IsFinite), Is.True);
        Assert.That(z.Max(x => Math.Abs(x)), Is.GreaterThan(4.0).And.LessThan(7.0));
    }

    [Test]
    public void IntegersHitEveryValueAndStayInRange()
    {
        var v = new int[100_000];
        CpuRandomFill.Integers<int>(v, Seed, 0, -3, 4);
        var counts = v.GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        Assert.That(counts.Keys.Order(), Is.EqualTo(new[] { -3, -2, -1, 0, 1, 2, 3 }));
        // Expected 14286 each, SD ~ 111.
        Assert.That(counts.Values, Is.All.InRange(14286 - 600, 14286 + 600));
    }

    [Test]
    public void IntegersOverTheFullSigned64BitRange()
    {
        var v = new long[10_000];
        CpuRandomFill.Integers<long>(v, Seed, 0, long.MinValue, long.MaxValue);
        Assert.That(v, Has.None.EqualTo(long.MaxValue));
        Assert.That(v.Count(x => x < 0), Is.InRange(4500, 5500));
        Assert.That(v.Distinct().Count(), Is.EqualTo(v.Length));
    }

    [Test]
    public void IntegersForUnsignedTypes()
    {
        var v = new byte[10_000];
        CpuRandomFill.Integers<byte>(v, Seed, 0, 250, 255);
        Assert.That(v.Distinct().Order(), Is.EqualTo(new byte[] { 250, 251, 252, 253, 254 }));
        var u = new ulong[1000];
        CpuRandomFill.Integers<ulong>(u, Seed, 0, ulong.MaxValue - 10, ulong.MaxValue);
        Assert.That(u, Is.All.InRange(ulong.MaxValue - 10, ulong.MaxValue - 1));
    }

    [Test]
    public void BernoulliFrequency()
    {
        var v = new float[Million];
        CpuRandomFill.Bernoulli<float>(v, Seed, 0, 0.25);
        Assert.That(v, Is.All.EqualTo(0f).Or.EqualTo(1f));
        // SE = sqrt(.25*.75/n) = 4.3e-4.
        Assert.That(v.Average(), Is.EqualTo(0.25).Within(5 * 4.3e-4));

        var zeros = new double[1000];
        var ones = new int[1000];
        CpuRandomFill.Bernoulli<double>(zeros, Seed, 0, 0.0);
        CpuRandomFill.Bernoulli<int>(ones, Seed, 0, 1.0);
        Assert.That(zeros, Is.All.EqualTo(0.0));
        Assert.That(ones, Is.All.EqualTo(1));
    }

    // ---------------------------------------------------------------- argument checks

    [Test]
    public void InvalidArgumentsAreRejected()
    {
        var f = new float[4];
        var l = new long[4];
        Assert.Throws<ArgumentException>(() => CpuRandomFill.Uniform<float>(f, 0, 0, 1f, 0f));
        Assert.Throws<ArgumentException>(() => CpuRandomFill.Uniform<float>(f, 0, 0, float.NaN, 1f));
        Assert.Throws<ArgumentException>(() => CpuRandomFill.Uniform<float>(f, 0, 0, -float.MaxValue, float.MaxValue));
        Assert.Throws<ArgumentException>(() => CpuRandomFill.Normal<float>(f, 0, 0, 0f, -1f));
        Assert.Throws<ArgumentException>(() => CpuRandomFill.Integers<long>(l, 0, 0, 5, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuRandomFill.Bernoulli<float>(f, 0, 0, 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuRandomFill.Bernoulli<float>(f, 0, 0, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => RandomFill.BlocksFor(RandomKind.Integers, -1));
        Assert.Throws<NotSupportedException>(() => CpuRandomFill.Uniform<Half>(new Half[4], 0, 0, Half.Zero, Half.One));
        Assert.Throws<NotSupportedException>(() => CpuRandomFill.Integers<Int128>(new Int128[4], 0, 0, 0, 5));
    }

    // ---------------------------------------------------------------- throughput (informational)

    [Test]
    public void Throughput()
    {
        var f = new float[1 << 24];
        CpuRandomFill.Normal<float>(f.AsSpan(0, 1 << 16), Seed, 0, 0f, 1f); // warm up
        CpuRandomFill.Uniform<float>(f.AsSpan(0, 1 << 16), Seed, 0, 0f, 1f);
        var sw = Stopwatch.StartNew();
        CpuRandomFill.Uniform<float>(f, Seed, 0, 0f, 1f);
        double uniform = sw.Elapsed.TotalSeconds;
        sw.Restart();
        CpuRandomFill.Normal<float>(f, Seed, 0, 0f, 1f);
        double normal = sw.Elapsed.TotalSeconds;
        TestContext.Out.WriteLine(
            $"{Environment.ProcessorCount} cores: uniform float {f.Length / uniform / 1e6:F0} M/s, normal float {f.Length / normal / 1e6:F0} M/s");
        Assert.That(uniform, Is.LessThan(30.0));
    }

    private static (double Mean, double Variance) Moments(IEnumerable<double> values)
    {
        double sum = 0, sumSq = 0;
        long n = 0;
        foreach (double x in values)
        {
            sum += x;
            sumSq += x * x;
            n++;
        }

        double mean = sum / n;
        return (mean, (sumSq / n) - (mean * mean));
    }
}

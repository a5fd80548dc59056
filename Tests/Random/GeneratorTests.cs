using System.Collections.Concurrent;
using NUnit.Framework;
using CudaTensor.RandomNumbers;
using CudaTensor.Backends.Cpu;

namespace CudaTensor.Tests.RandomNumbers;

[TestFixture]
public class GeneratorTests
{
    [Test]
    public void NewGeneratorStartsAtOffsetZero()
    {
        var g = new Generator();
        var h = new Generator(42);
        Assert.That(g.Seed, Is.EqualTo(0UL));
        Assert.That(g.Offset, Is.EqualTo(0UL));
        Assert.That(h.Seed, Is.EqualTo(42UL));
        Assert.That(h.Offset, Is.EqualTo(0UL));
    }

    [Test]
    public void DefaultGeneratorIsProcessWideWithDocumentedSeed()
    {
        Assert.That(Generator.DefaultSeed, Is.EqualTo(67280421310721UL));
        Generator first = Generator.Default;
        Assert.That(Generator.Default, Is.SameAs(first));
    }

    [Test]
    public void ReserveReturnsStartAndAdvances()
    {
        var g = new Generator(5);
        Assert.That(g.Reserve(3), Is.EqualTo(0UL));
        Assert.That(g.Reserve(0), Is.EqualTo(3UL));
        Assert.That(g.Reserve(10, out ulong seed), Is.EqualTo(3UL));
        Assert.That(seed, Is.EqualTo(5UL));
        Assert.That(g.Offset, Is.EqualTo(13UL));
    }

    [Test]
    public void ManualSeedResetsOffset()
    {
        var g = new Generator(5);
        g.Reserve(100);
        Assert.That(g.ManualSeed(9), Is.SameAs(g));
        Assert.That(g.GetState(), Is.EqualTo(new GeneratorState(9, 0)));
    }

    [Test]
    public void ReserveRefusesToWrapTheCounter()
    {
        var g = new Generator();
        g.SetState(new GeneratorState(1, ulong.MaxValue - 2));
        Assert.That(g.Reserve(2), Is.EqualTo(ulong.MaxValue - 2));
        Assert.Throws<InvalidOperationException>(() => g.Reserve(2));
        Assert.That(g.Offset, Is.EqualTo(ulong.MaxValue));
    }

    [Test]
    public void StateRoundTripResumesTheSameStream()
    {
        var g = new Generator(1234);
        _ = Draw(g, 1001);
        GeneratorState saved = g.GetState();
        float[] first = Draw(g, 999);

        var other = new Generator(1);
        other.SetState(saved);
        float[] second = Draw(other, 999);
        Assert.That(second, Is.EqualTo(first));
        Assert.That(other.GetState(), Is.EqualTo(g.GetState()));
    }

    [Test]
    public void SameSeedSameNumbersDifferentSeedDifferentNumbers()
    {
        float[] a = Draw(new Generator(77), 4096);
        float[] b = Draw(new Generator(77), 4096);
        float[] c = Draw(new Generator(78), 4096);
        float[] d = Draw(new Generator(77UL | (1UL << 40)), 4096); // differs only in the high key word
        Assert.That(b, Is.EqualTo(a));
        Assert.That(CountEqual(a, c), Is.LessThan(5));
        Assert.That(CountEqual(a, d), Is.LessThan(5));

        // Consecutive draws from one generator continue the stream rather than repeating it.
        var g = new Generator(77);
        float[] e = Draw(g, 4096);
        float[] f = Draw(g, 4096);
        Assert.That(e, Is.EqualTo(a));
        Assert.That(CountEqual(e, f), Is.LessThan(5));
    }

    [Test]
    public void ReserveIsAtomicUnderConcurrentCallers()
    {
        var g = new Generator(3);
        const int threads = 8;
        const int perThread = 20000;
        var ranges = new ConcurrentBag<(ulong Start, ulong Count)>();
        using var go = new ManualResetEventSlim(false);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            workers[t] = new Thread(() =>
            {
                go.Wait();
                for (int i = 0; i < perThread; i++)
                {
                    ulong count = (ulong)(((i + id) % 5) + 1);
                    ranges.Add((g.Reserve(count), count));
                }
            });
            workers[t].Start();
        }

        go.Set();
        foreach (Thread w in workers)
        {
            w.Join();
        }

        var sorted = ranges.OrderBy(r => r.Start).ToArray();
        Assert.That(sorted, Has.Length.EqualTo(threads * perThread));
        ulong expected = 0;
        foreach ((ulong start, ulong count) in sorted)
        {
            Assert.That(start, Is.EqualTo(expected));
            expected += count;
        }

        Assert.That(g.Offset, Is.EqualTo(expected));
    }

    private static float[] Draw(Generator g, int n)
    {
        var values = new float[n];
        ulong start = g.Reserve(RandomFill.BlocksFor(RandomKind.NormalFloat32, n), out ulong seed);
        CpuRandomFill.Normal<float>(values, seed, start, 0f, 1f);
        return values;
    }

    private static int CountEqual(float[] a, float[] b) => a.Zip(b).Count(p => p.First == p.Second);
}

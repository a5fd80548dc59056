using CudaTensor.Backends.Cpu;
using NUnit.Framework;

namespace CudaTensor.Tests.Cpu;

/// <summary>The CPU thread team: every chunk runs once, errors reach the caller, nested loops still complete.</summary>
[TestFixture]
[NonParallelizable]
public sealed class CpuWorkersTests
{
    private sealed class Counts(int chunks)
    {
        public readonly int[] Runs = new int[chunks];
        public int Total;
    }

    private readonly struct CountJob(Counts counts) : IChunkJob
    {
        public void Run(int chunk, int chunks)
        {
            Interlocked.Increment(ref counts.Runs[chunk]);
            Interlocked.Increment(ref counts.Total);
        }
    }

    private readonly struct FailingJob(int failAt) : IChunkJob
    {
        public void Run(int chunk, int chunks)
        {
            if (chunk == failAt) throw new InvalidDataException($"chunk {chunk} of {chunks}");
        }
    }

    private readonly struct NestedJob(Counts outer, Counts[] inner) : IChunkJob
    {
        public void Run(int chunk, int chunks)
        {
            // The team is held by the outer loop: the inner one runs on this thread alone.
            CpuWorkers.For(new CountJob(inner[chunk]), inner[chunk].Runs.Length);
            Interlocked.Increment(ref outer.Runs[chunk]);
        }
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(7)]
    [TestCase(1000)]
    public void EveryChunkRunsExactlyOnce(int chunks)
    {
        for (int repeat = 0; repeat < 50; repeat++)
        {
            var counts = new Counts(chunks);
            CpuWorkers.For(new CountJob(counts), chunks);
            Assert.That(counts.Total, Is.EqualTo(chunks));
            Assert.That(counts.Runs, Is.All.EqualTo(1));
        }
    }

    [TestCase(0)]
    [TestCase(5)]
    [TestCase(63)]
    public void TheFirstErrorReachesTheCallerUnwrapped(int failAt)
    {
        var ex = Assert.Throws<InvalidDataException>(() => CpuWorkers.For(new FailingJob(failAt), 64));
        Assert.That(ex!.Message, Is.EqualTo($"chunk {failAt} of 64"));
        // The team is free again afterwards.
        var counts = new Counts(16);
        CpuWorkers.For(new CountJob(counts), 16);
        Assert.That(counts.Runs, Is.All.EqualTo(1));
    }

    [Test]
    public void NestedLoopsComplete()
    {
        var outer = new Counts(8);
        var inner = Enumerable.Range(0, 8).Select(_ => new Counts(5)).ToArray();
        CpuWorkers.For(new NestedJob(outer, inner), 8);
        Assert.That(outer.Runs, Is.All.EqualTo(1));
        Assert.That(inner.Select(c => c.Total), Is.All.EqualTo(5));
    }
}

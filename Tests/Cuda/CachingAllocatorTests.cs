using System.Runtime.CompilerServices;
using CudaTensor.CudaRuntime.Memory;
using NUnit.Framework;

namespace CudaTensor.Tests.CudaBackend;

/// <summary>The caching allocator's policy, on a fake device (runs everywhere, no GPU needed).</summary>
[TestFixture]
public class CachingAllocatorTests
{
    private const ulong KiB = 1024, MiB = 1024 * 1024;
    private static readonly nint S1 = 0x100, S2 = 0x200;

    private static (CachingAllocator Pool, FakeDeviceMemory Raw) Create(ulong capacity = 1UL << 34, long? limit = null, Action<CachingAllocator>? gc = null)
    {
        var raw = new FakeDeviceMemory(capacity);
        return (new CachingAllocator(raw, Device.Cuda(0), limit, gc ?? (_ => { })), raw);
    }

    [TestCase(0UL, 512UL)]
    [TestCase(1UL, 512UL)]
    [TestCase(512UL, 512UL)]
    [TestCase(513UL, 1024UL)]
    [TestCase(1000UL, 1024UL)]
    [TestCase(1048576UL, 1048576UL)]
    public void SizesRoundTo512Bytes(ulong request, ulong rounded) => Assert.That(CachingAllocator.RoundSize(request), Is.EqualTo(rounded));

    [TestCase(512UL, 2097152UL)]
    [TestCase(1048576UL, 2097152UL)]          // 1 MiB is still small: a 2 MiB segment
    [TestCase(1049088UL, 2097152UL)]          // just above 1 MiB: large, rounded to 2 MiB
    [TestCase(2097664UL, 4194304UL)]          // 2 MiB + 512 B -> 4 MiB
    [TestCase(10485760UL, 10485760UL)]        // 10 MiB is a multiple of 2 MiB
    public void SegmentSizes(ulong rounded, ulong segment) => Assert.That(CachingAllocator.SegmentSize(rounded), Is.EqualTo(segment));

    [Test]
    public void SmallRequestsShareOneSegment()
    {
        var (pool, raw) = Create();
        var blocks = Enumerable.Range(0, 8).Select(_ => pool.Allocate(100 * KiB, S1)).ToList();
        Assert.That(raw.SegmentSizes, Is.EqualTo(new[] { 2 * MiB }), "8 x 100 KiB fit one 2 MiB segment");
        var addresses = blocks.Select(b => b.Address).Order().ToList();
        for (int i = 1; i < addresses.Count; i++) Assert.That(addresses[i] - addresses[i - 1], Is.EqualTo(CachingAllocator.RoundSize(100 * KiB)), "packed back to back");
        var stats = pool.Stats;
        Assert.That(stats.AllocatedBytes, Is.EqualTo(8 * (long)CachingAllocator.RoundSize(100 * KiB)));
        Assert.That(stats.ReservedBytes, Is.EqualTo((long)(2 * MiB)));
        Assert.That(stats.DriverAllocations, Is.EqualTo(1));
        blocks.ForEach(b => b.Dispose());
    }

    [Test]
    public void SmallAndLargePoolsAreSeparate()
    {
        var (pool, raw) = Create();
        using (pool.Allocate(3 * MiB, S1)) { }
        // A freed 4 MiB large segment is not used for a small request.
        using var small = pool.Allocate(4 * KiB, S1);
        Assert.That(raw.SegmentSizes, Is.EqualTo(new[] { 4 * MiB, 2 * MiB }));
    }

    [Test]
    public void FreedBlocksAreReusedWithoutDriverCalls()
    {
        var (pool, raw) = Create();
        var a = pool.Allocate(5 * MiB, S1);
        ulong address = a.Address;
        a.Dispose();
        using var b = pool.Allocate(5 * MiB, S1);
        Assert.That(b.Address, Is.EqualTo(address));
        Assert.That(pool.Stats.DriverAllocations, Is.EqualTo(1));
        Assert.That(raw.Segments, Has.Count.EqualTo(1));
    }

    [Test]
    public void SplitAndMergeRestoreTheWholeSegment()
    {
        var (pool, _) = Create();
        var a = pool.Allocate(512 * KiB, S1);
        var b = pool.Allocate(512 * KiB, S1);
        var c = pool.Allocate(512 * KiB, S1);
        Assert.That(b.Address - a.Address, Is.EqualTo(512 * KiB));
        Assert.That(pool.FreeBlockCount, Is.EqualTo(1), "the rest of the segment is one free block");
        b.Dispose(); // a hole between two allocated blocks
        Assert.That(pool.FreeBlockCount, Is.EqualTo(2));
        a.Dispose(); // merges with b's hole
        Assert.That(pool.FreeBlockCount, Is.EqualTo(2));
        c.Dispose(); // merges with both neighbours: the whole segment again
        Assert.That(pool.FreeBlockCount, Is.EqualTo(1));
        using var whole = pool.Allocate(1 * MiB, S1);
        Assert.That(whole.Address, Is.EqualTo(a.Address), "the merged block starts at the segment's start");
        Assert.That(pool.Stats.DriverAllocations, Is.EqualTo(1));
    }

    [Test]
    public void BestFitTakesTheSmallestBlockThatFits()
    {
        var (pool, _) = Create();
        // Three large segments of 4, 8 and 6 MiB, all freed.
        var four = pool.Allocate(4 * MiB, S1);
        var eight = pool.Allocate(8 * MiB, S1);
        var six = pool.Allocate(6 * MiB, S1);
        ulong fourAt = four.Address, sixAt = six.Address, eightAt = eight.Address;
        four.Dispose();
        eight.Dispose();
        six.Dispose();
        using var x = pool.Allocate(5 * MiB, S1);
        Assert.That(x.Address, Is.EqualTo(sixAt), "6 MiB is the best fit for 5 MiB");
        using var y = pool.Allocate(3 * MiB, S1);
        Assert.That(y.Address, Is.EqualTo(fourAt));
        using var z = pool.Allocate(7 * MiB, S1);
        Assert.That(z.Address, Is.EqualTo(eightAt));
        Assert.That(pool.Stats.DriverAllocations, Is.EqualTo(3));
    }

    [Test]
    public void LargeBlocksSplitOnlyWhenTheRestIsLarge()
    {
        var (pool, _) = Create();
        var big = pool.Allocate(10 * MiB, S1);
        big.Dispose();
        using var a = pool.Allocate(8 * MiB, S1); // rest 2 MiB > 1 MiB: split
        Assert.That(pool.FreeBlockCount, Is.EqualTo(1));
        using var b = pool.Allocate(1536 * KiB, S1); // 1.5 MiB from the 2 MiB rest; 0.5 MiB would be useless: not split
        Assert.That(b.Address, Is.EqualTo(a.Address + 8 * MiB));
        Assert.That(pool.FreeBlockCount, Is.Zero);
        Assert.That(pool.Stats.AllocatedBytes, Is.EqualTo((long)(10 * MiB)), "the unsplit rest counts as part of the block");
    }

    [Test]
    public void BlocksAreReusedOnlyOnTheirStream()
    {
        var (pool, raw) = Create();
        var a = pool.Allocate(64 * KiB, S1);
        a.Dispose();
        using var b = pool.Allocate(64 * KiB, S2);
        Assert.That(raw.Segments, Has.Count.EqualTo(2), "stream 2 gets its own segment");
        using var c = pool.Allocate(64 * KiB, S1);
        Assert.That(c.Address, Is.EqualTo(a.Address), "stream 1 reuses its block");
    }

    [Test]
    public void CrossStreamUseDelaysReuseUntilTheEventCompletes()
    {
        var (pool, raw) = Create();
        var a = pool.Allocate(64 * KiB, S1);
        ulong address = a.Address;
        a.RecordStream(S2);
        a.RecordStream(S2); // recorded once
        a.RecordStream(S1); // the owning stream needs no event
        a.Dispose();
        Assert.That(raw.Events, Has.Count.EqualTo(1));
        Assert.That(raw.Events.Values.Single().Stream, Is.EqualTo(S2), "the event is recorded on the other stream");
        Assert.That(pool.BlocksAwaitingEvents, Is.EqualTo(1));
        Assert.That(pool.Stats.AllocatedBytes, Is.Zero, "freed by its owner, but cached until the event completes");

        using (var b = pool.Allocate(64 * KiB, S1))
        {
            Assert.That(b.Address, Is.Not.EqualTo(address), "stream 2 may still be using the block");
        }
        raw.CompleteStream(S2);
        using var c = pool.Allocate(64 * KiB, S1);
        Assert.That(c.Address, Is.EqualTo(address), "reused once the event completed");
        Assert.That(raw.ReleasedEvents, Has.Count.EqualTo(1), "the event is handed back");
        Assert.That(pool.BlocksAwaitingEvents, Is.Zero);
    }

    [Test]
    public void EveryOtherStreamMustComplete()
    {
        var (pool, raw) = Create();
        var a = pool.Allocate(4 * MiB, S1);
        ulong address = a.Address;
        a.RecordStream(S2);
        a.RecordStream(0x300);
        a.Dispose();
        raw.CompleteStream(S2);
        using (var b = pool.Allocate(4 * MiB, S1)) Assert.That(b.Address, Is.Not.EqualTo(address));
        raw.CompleteStream(0x300);
        using var c = pool.Allocate(4 * MiB, S1);
        Assert.That(c.Address, Is.EqualTo(address));
    }

    [Test]
    public void EmptyCacheReleasesFreeSegmentsOnly()
    {
        var (pool, raw) = Create();
        var kept = pool.Allocate(100 * KiB, S1);
        var other = pool.Allocate(4 * MiB, S1);
        var freed = pool.Allocate(6 * MiB, S1);
        freed.Dispose();
        other.Dispose();
        pool.EmptyCache();
        Assert.That(raw.Segments.Keys, Is.EquivalentTo(new[] { kept.Address }), "the partly used small segment stays");
        var stats = pool.Stats;
        Assert.That(stats.ReservedBytes, Is.EqualTo((long)(2 * MiB)));
        Assert.That(stats.DriverFrees, Is.EqualTo(2));
        Assert.That(stats.DriverCalls, Is.EqualTo(5));
        kept.Dispose();
        pool.EmptyCache();
        Assert.That(raw.Segments, Is.Empty);
        Assert.That(pool.Stats.ReservedBytes, Is.Zero);
    }

    [Test]
    public void EmptyCacheWaitsForOutstandingEvents()
    {
        var (pool, raw) = Create();
        var a = pool.Allocate(4 * MiB, S1);
        a.RecordStream(S2);
        a.Dispose();
        pool.EmptyCache();
        Assert.That(raw.Segments, Is.Empty);
        Assert.That(raw.Events, Is.Empty);
    }

    [Test]
    public void StatisticsAndPeaks()
    {
        var (pool, _) = Create();
        var a = pool.Allocate(3 * MiB, S1);
        var b = pool.Allocate(1000, S1);
        var s = pool.Stats;
        Assert.That(s.AllocatedBytes, Is.EqualTo((long)(4 * MiB + 1024)), "3 MiB is its own 4 MiB segment, unsplit (1 MiB rest is not > 1 MiB)");
        Assert.That(s.ReservedBytes, Is.EqualTo((long)(6 * MiB)));
        Assert.That(s.Allocations, Is.EqualTo(2));
        Assert.That(s.ActiveBlocks, Is.EqualTo(2));
        a.Dispose();
        s = pool.Stats;
        Assert.That(s.AllocatedBytes, Is.EqualTo(1024));
        Assert.That(s.PeakAllocatedBytes, Is.EqualTo((long)(4 * MiB + 1024)));
        Assert.That(s.CachedBytes, Is.EqualTo((long)(6 * MiB) - 1024));
        pool.ResetPeak();
        s = pool.Stats;
        Assert.That(s.PeakAllocatedBytes, Is.EqualTo(1024));
        Assert.That(s.PeakReservedBytes, Is.EqualTo((long)(6 * MiB)));
        b.Dispose();
        Assert.That(pool.Stats.ActiveBlocks, Is.Zero);
    }

    [Test]
    public void DoubleDisposeIsHarmless()
    {
        var (pool, _) = Create();
        var a = pool.Allocate(1000, S1);
        a.Dispose();
        a.Dispose();
        Assert.That(pool.Stats.ActiveBlocks, Is.Zero);
        Assert.That(() => a.RecordStream(S2), Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public void PendingFreesFromAnotherThreadAreTakenBackByTheNextAllocation()
    {
        var (pool, raw) = Create();
        int testThread = Environment.CurrentManagedThreadId;
        var blocks = Enumerable.Range(0, 64).Select(_ => pool.Allocate(16 * KiB, S1)).ToList();
        var freeing = new Thread(() =>
        {
            foreach (var b in blocks) pool.EnqueuePendingFreeForTest(b);
        });
        freeing.Start();
        freeing.Join();
        Assert.That(pool.Stats.PendingFrees, Is.EqualTo(64));
        Assert.That(pool.Stats.AllocatedBytes, Is.EqualTo(64 * 16 * 1024), "not returned until drained");
        using var next = pool.Allocate(16 * KiB, S1);
        Assert.That(pool.Stats.PendingFrees, Is.Zero);
        Assert.That(pool.Stats.ActiveBlocks, Is.EqualTo(1));
        Assert.That(raw.Segments, Has.Count.EqualTo(1));
        Assert.That(raw.CallingThreads, Is.EquivalentTo(new[] { testThread }), "the raw allocator is only called by allocating threads");
    }

    [Test]
    public void FinalizedBlocksGoThroughThePendingQueue()
    {
        var (pool, raw) = Create();
        int testThread = Environment.CurrentManagedThreadId;
        AllocateAndForget(pool, 8);
        for (int i = 0; i < 10 && pool.Stats.PendingFrees < 8; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.That(pool.Stats.PendingFrees, Is.EqualTo(8), "the finalizer queued the blocks");
        pool.Collect();
        Assert.That(pool.Stats.AllocatedBytes, Is.Zero);
        Assert.That(raw.CallingThreads, Is.EquivalentTo(new[] { testThread }), "the finalizer thread never called the device");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AllocateAndForget(CachingAllocator pool, int count)
    {
        for (int i = 0; i < count; i++) _ = pool.Allocate(4096, S1);
    }

    [Test]
    public void OutOfMemoryReleasesTheCacheAndRetries()
    {
        var (pool, raw) = Create(capacity: 10 * MiB);
        var a = pool.Allocate(6 * MiB, S1);
        a.Dispose(); // cached, not returned
        using var b = pool.Allocate(8 * MiB, S1); // 6 + 8 > 10: must release the cached 6 MiB first
        Assert.That(raw.Segments.Values, Is.EqualTo(new[] { 8 * MiB }));
        var s = pool.Stats;
        Assert.That(s.DriverFrees, Is.EqualTo(1));
        Assert.That(s.ReservedBytes, Is.EqualTo((long)(8 * MiB)));
    }

    [Test]
    public void OutOfMemoryCollectsGarbageBeforeGivingUp()
    {
        DeviceMemory? forgotten = null;
        int collections = 0;
        var (pool, raw) = Create(capacity: 10 * MiB, gc: p =>
        {
            // What a GC does: the finalizer of a forgotten block queues it.
            collections++;
            if (forgotten is not null) p.EnqueuePendingFreeForTest(forgotten);
        });
        forgotten = pool.Allocate(8 * MiB, S1);
        using var b = pool.Allocate(8 * MiB, S1);
        Assert.That(collections, Is.EqualTo(1));
        Assert.That(b.Address, Is.EqualTo(forgotten.Address), "the forgotten block was reused");
        Assert.That(pool.Stats.OutOfMemoryRetries, Is.EqualTo(1));
        Assert.That(raw.Segments, Has.Count.EqualTo(1));
    }

    [Test]
    public void OutOfMemoryThrowsWithTheNumbers()
    {
        var (pool, _) = Create(capacity: 10 * MiB);
        using var a = pool.Allocate(6 * MiB, S1);
        var e = Assert.Throws<CudaOutOfMemoryException>(() => pool.Allocate(6 * MiB, S1))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.RequestedBytes, Is.EqualTo((long)(6 * MiB)));
            Assert.That(e.AllocatedBytes, Is.EqualTo((long)(6 * MiB)));
            Assert.That(e.CachedBytes, Is.Zero);
            Assert.That(e.FreeBytes, Is.EqualTo((long)(4 * MiB)));
            Assert.That(e.TotalBytes, Is.EqualTo((long)(10 * MiB)));
            Assert.That(e.Message, Does.Contain("cuda:0").And.Contain("tried to allocate 6.00 MiB").And.Contain("tensors hold 6.00 MiB")
                .And.Contain("4.00 MiB free of 10.00 MiB").And.Contain("dispose tensors"));
        });
        Assert.That(pool.Stats.OutOfMemoryRetries, Is.EqualTo(1));
        // The pool still works after the failure.
        using var small = pool.Allocate(1 * MiB, S1);
    }

    [Test]
    public void OutOfMemoryWaitsForEventsOfOtherStreams()
    {
        var (pool, raw) = Create(capacity: 8 * MiB);
        var a = pool.Allocate(6 * MiB, S1);
        a.RecordStream(S2);
        a.Dispose();
        using var b = pool.Allocate(6 * MiB, S2); // must wait for stream 2, release a's segment, then allocate
        Assert.That(raw.Events, Is.Empty);
        Assert.That(raw.Segments, Has.Count.EqualTo(1));
    }

    [Test]
    public void TheLimitCapsReservedMemory()
    {
        var (pool, raw) = Create(limit: (long)(4 * MiB));
        using var a = pool.Allocate(3 * MiB, S1);
        var e = Assert.Throws<CudaOutOfMemoryException>(() => pool.Allocate(1 * KiB, S1))!;
        Assert.That(e.LimitBytes, Is.EqualTo((long)(4 * MiB)));
        Assert.That(e.Message, Does.Contain(CudaTensor.Cuda.MemoryLimitVariable));
        Assert.That(raw.FailedAllocations, Is.Zero, "the limit is checked before calling the device");
        Assert.That(pool.Stats.LimitBytes, Is.EqualTo((long)(4 * MiB)));
    }

    [TestCase("", null)]
    [TestCase("1048576", 1048576L)]
    [TestCase("512B", 512L)]
    [TestCase("8G", 8589934592L)]
    [TestCase("8GiB", 8589934592L)]
    [TestCase("1.5m", 1572864L)]
    [TestCase("256 MB", 268435456L)]
    public void LimitParsing(string text, long? expected) => Assert.That(CachingAllocator.ParseLimit(text), Is.EqualTo(expected));

    [TestCase("lots")]
    [TestCase("8X")]
    [TestCase("-1G")]
    public void BadLimitsAreRejected(string text)
        => Assert.That(() => CachingAllocator.ParseLimit(text), Throws.TypeOf<FormatException>().With.Message.Contains("memory size"));

    [Test]
    public void ConcurrentAllocationsAndFrees()
    {
        var (pool, raw) = Create();
        Parallel.For(0, 8, t =>
        {
            var rng = new Random(t);
            var held = new List<DeviceMemory>();
            for (int i = 0; i < 2000; i++)
            {
                if (held.Count > 0 && rng.Next(2) == 0)
                {
                    int k = rng.Next(held.Count);
                    held[k].Dispose();
                    held.RemoveAt(k);
                }
                else
                {
                    held.Add(pool.Allocate((ulong)rng.Next(1, 3 << 20), S1));
                }
            }
            held.ForEach(h => h.Dispose());
        });
        var s = pool.Stats;
        Assert.That(s.AllocatedBytes, Is.Zero);
        Assert.That(s.ActiveBlocks, Is.Zero);
        pool.EmptyCache();
        Assert.That(raw.Segments, Is.Empty, "every block merged back into whole segments");
    }
}

using CudaTensor.CudaRuntime.Memory;
using NUnit.Framework;

namespace CudaTensor.Tests.CudaBackend;

/// <summary>
/// The pool with caching off (<see cref="Cuda.NoMemoryCachingVariable"/>): one driver allocation of exactly the requested
/// size per block, returned to the driver on release (after other streams' events), with the statistics still right.
/// On a fake device; runs everywhere.
/// </summary>
[TestFixture]
public class NoCachingAllocatorTests
{
    private const ulong KiB = 1024, MiB = 1024 * 1024;
    private static readonly nint S1 = 0x100, S2 = 0x200;

    private static (CachingAllocator Pool, FakeDeviceMemory Raw) Create(ulong capacity = 1UL << 34, long? limit = null)
    {
        var raw = new FakeDeviceMemory(capacity);
        return (new CachingAllocator(raw, Device.Cuda(0), limit, _ => { }, caching: false), raw);
    }

    [TestCase(null, false)]
    [TestCase("", false)]
    [TestCase("0", false)]
    [TestCase("false", false)]
    [TestCase("1", true)]
    [TestCase(" true ", true)]
    [TestCase("TRUE", true)]
    public void SwitchValues(string? value, bool off) => Assert.That(CachingAllocator.NoCachingRequested(value), Is.EqualTo(off));

    [Test]
    public void EveryBlockIsItsOwnExactDriverAllocation()
    {
        var (pool, raw) = Create();
        ulong[] sizes = [100 * KiB, 100 * KiB, 1000, 3 * MiB + 7];
        var blocks = sizes.Select(s => pool.Allocate(s, S1)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(pool.Caching, Is.False);
            Assert.That(raw.SegmentSizes, Is.EqualTo(sizes), "not rounded, not packed into segments");
            Assert.That(blocks.Select(b => raw.Segments[b.Address]), Is.EqualTo(sizes), "each block starts its own allocation");
            Assert.That(blocks.Select(b => b.Bytes), Is.EqualTo(sizes));
            var stats = pool.Stats;
            long total = sizes.Sum(s => (long)s);
            Assert.That(stats.AllocatedBytes, Is.EqualTo(total));
            Assert.That(stats.ReservedBytes, Is.EqualTo(total));
            Assert.That(stats.PeakAllocatedBytes, Is.EqualTo(total));
            Assert.That(stats.DriverAllocations, Is.EqualTo(4));
            Assert.That(stats.ActiveBlocks, Is.EqualTo(4));
        });

        ulong freedAddress = blocks[1].Address;
        blocks[1].Dispose();
        Assert.Multiple(() =>
        {
            Assert.That(raw.Segments.ContainsKey(freedAddress), Is.False, "released to the driver at once");
            Assert.That(pool.FreeBlockCount, Is.Zero, "nothing is cached");
            var stats = pool.Stats;
            Assert.That(stats.AllocatedBytes, Is.EqualTo(sizes.Sum(s => (long)s) - (long)(100 * KiB)));
            Assert.That(stats.ReservedBytes, Is.EqualTo(stats.AllocatedBytes));
            Assert.That(stats.DriverFrees, Is.EqualTo(1));
            Assert.That(stats.ActiveBlocks, Is.EqualTo(3));
        });

        using (var again = pool.Allocate(100 * KiB, S1))
        {
            Assert.That(pool.Stats.DriverAllocations, Is.EqualTo(5), "a request of a freed size still goes to the driver");
            Assert.That(raw.Segments[again.Address], Is.EqualTo(100 * KiB));
        }
        foreach (var b in blocks) b.Dispose();
        var end = pool.Stats;
        Assert.Multiple(() =>
        {
            Assert.That(raw.Segments, Is.Empty);
            Assert.That(raw.InUse, Is.Zero);
            Assert.That((end.AllocatedBytes, end.ReservedBytes, end.ActiveBlocks), Is.EqualTo((0L, 0L, 0L)));
            Assert.That((end.Allocations, end.DriverAllocations, end.DriverFrees), Is.EqualTo((5L, 5L, 5L)));
            Assert.That(end.PeakReservedBytes, Is.EqualTo(sizes.Sum(s => (long)s)));
        });
    }

    [Test]
    public void ZeroBytesTakeOneByte()
    {
        var (pool, raw) = Create();
        using var empty = pool.Allocate(0, S1);
        Assert.That(raw.SegmentSizes.Single(), Is.EqualTo(1UL), "the driver refuses 0-byte allocations");
    }

    [Test]
    public void UseOnAnotherStreamDelaysTheDriverFreeUntilItsEvent()
    {
        var (pool, raw) = Create();
        var a = pool.Allocate(4 * KiB, S1);
        ulong address = a.Address;
        a.RecordStream(S2);
        a.Dispose();
        Assert.Multiple(() =>
        {
            Assert.That(raw.Segments.ContainsKey(address), Is.True, "S2 may still use it");
            Assert.That(pool.BlocksAwaitingEvents, Is.EqualTo(1));
            Assert.That(pool.Stats.AllocatedBytes, Is.Zero);
            Assert.That(pool.Stats.ReservedBytes, Is.EqualTo((long)(4 * KiB)));
        });
        pool.Collect();
        Assert.That(raw.Segments.ContainsKey(address), Is.True, "the event has not completed");
        raw.CompleteStream(S2);
        pool.Collect();
        Assert.Multiple(() =>
        {
            Assert.That(raw.Segments, Is.Empty);
            Assert.That(pool.Stats.ReservedBytes, Is.Zero);
            Assert.That(pool.Stats.DriverFrees, Is.EqualTo(1));
            Assert.That(raw.ReleasedEvents, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public void FinalizedBlocksAreFreedToTheDriverByTheNextCall()
    {
        var (pool, raw) = Create();
        var a = pool.Allocate(8 * KiB, S1);
        pool.EnqueuePendingFreeForTest(a);
        Assert.That(raw.Segments, Has.Count.EqualTo(1), "the finalizer path never calls the driver");
        using var b = pool.Allocate(8 * KiB, S1);
        Assert.Multiple(() =>
        {
            Assert.That(raw.Segments.Keys, Is.EqualTo(new[] { b.Address }));
            Assert.That(pool.Stats.DriverFrees, Is.EqualTo(1));
            Assert.That(pool.Stats.AllocatedBytes, Is.EqualTo((long)(8 * KiB)));
        });
    }

    [Test]
    public void LimitCountsExactSizes()
    {
        var (pool, _) = Create(limit: 10_000);
        using var a = pool.Allocate(6_000, S1);
        Assert.That(() => pool.Allocate(5_000, S1), Throws.TypeOf<CudaOutOfMemoryException>());
        using var b = pool.Allocate(4_000, S1);
        Assert.That(pool.Stats.ReservedBytes, Is.EqualTo(10_000));
    }
}

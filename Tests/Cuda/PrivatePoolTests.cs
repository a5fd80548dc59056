using CudaTensor.CudaRuntime.Memory;
using NUnit.Framework;

namespace CudaTensor.Tests.CudaBackend;

/// <summary>The caching allocator's graph-private pools, on a fake device (runs everywhere, no GPU needed).</summary>
[TestFixture]
public class PrivatePoolTests
{
    private const ulong KiB = 1024, MiB = 1024 * 1024;
    private static readonly nint Origin = 0x100, CaptureStream = 0x200;

    private static (CachingAllocator Pool, FakeDeviceMemory Raw) Create(bool caching = true)
    {
        var raw = new FakeDeviceMemory(1UL << 34);
        return (new CachingAllocator(raw, Device.Cuda(0), null, _ => { }, caching), raw);
    }

    [Test]
    public void TheCaptureStreamIsServedFromReservedSegmentsWithoutTheDriver()
    {
        var (pool, raw) = Create();
        var graph = pool.BeginPrivate(CaptureStream, Origin, reserveBytes: 3 * MiB);
        Assert.That(raw.SegmentSizes, Is.EqualTo(new[] { 2 * MiB, 4 * MiB }), "one small segment, one large of at least 3 MiB, before the capture");
        int driverCalls = raw.SegmentSizes.Count;
        var small = pool.Allocate(100 * KiB, CaptureStream);
        var large = pool.Allocate(3 * MiB, CaptureStream);
        Assert.That(raw.SegmentSizes, Has.Count.EqualTo(driverCalls), "no cuMemAlloc during the capture");
        var shared = pool.Allocate(100 * KiB, Origin);
        Assert.That(raw.SegmentSizes, Has.Count.EqualTo(driverCalls + 1), "other streams use the shared pool");
        // The large block keeps its whole 4 MiB segment: a 1 MiB rest is not split off (the shared pool's rule).
        Assert.That(pool.Stats.AllocatedBytes, Is.EqualTo((long)(2 * CachingAllocator.RoundSize(100 * KiB) + 4 * MiB)));
        pool.EndPrivate(graph);
        foreach (var m in new[] { small, large, shared }) m.Dispose();
        pool.RetirePrivate(graph);
        pool.EmptyCache();
        Assert.That(pool.Stats.ReservedBytes, Is.Zero);
    }

    [Test]
    public void BlocksFreedDuringTheCaptureAreReusedOnlyByIt()
    {
        var (pool, _) = Create();
        var graph = pool.BeginPrivate(CaptureStream, Origin, 0);
        var temp = pool.Allocate(64 * KiB, CaptureStream);
        ulong freed = temp.Address;
        temp.Dispose();
        var again = pool.Allocate(64 * KiB, CaptureStream);
        Assert.That(again.Address, Is.EqualTo(freed), "the capture reuses its own freed block");
        again.Dispose();
        pool.EndPrivate(graph);
        var others = Enumerable.Range(0, 40).Select(_ => pool.Allocate(64 * KiB, Origin)).ToList();
        var otherStream = pool.Allocate(64 * KiB, CaptureStream);
        Assert.That(others.Select(o => o.Address).Append(otherStream.Address), Has.None.EqualTo(freed),
            "after the capture nothing is handed the graph's blocks");
        others.ForEach(o => o.Dispose());
        otherStream.Dispose();
        pool.RetirePrivate(graph);
    }

    [Test]
    public void SharedBlocksFreedDuringTheCaptureWaitForItsEnd([Values] bool caching)
    {
        var (pool, raw) = Create(caching);
        var before = pool.Allocate(64 * KiB, Origin);
        int segments = raw.Segments.Count;
        var graph = pool.BeginPrivate(CaptureStream, Origin, 0);
        before.Dispose();
        Assert.That(pool.Stats.AllocatedBytes, Is.EqualTo((long)(caching ? CachingAllocator.RoundSize(64 * KiB) : 64 * KiB)), "returned only when the capture ends");
        Assert.That(raw.Segments, Has.Count.EqualTo(segments + 1), "no cuMemFree during the capture");
        pool.EndPrivate(graph);
        Assert.That(pool.Stats.AllocatedBytes, Is.Zero);
        pool.RetirePrivate(graph);
        pool.EmptyCache();
        Assert.That(raw.Segments, Is.Empty);
    }

    [Test]
    public void WhollyFreeCachedSegmentsOfTheOriginStreamAreClaimed()
    {
        var (pool, raw) = Create();
        var warm = pool.Allocate(3 * MiB, Origin); // a 4 MiB large segment, then cached
        warm.Dispose();
        int segments = raw.SegmentSizes.Count;
        var graph = pool.BeginPrivate(CaptureStream, Origin, 0);
        var big = pool.Allocate(3 * MiB, CaptureStream);
        Assert.That(raw.SegmentSizes, Has.Count.EqualTo(segments + 1), "only the small reservation came from the driver");
        Assert.That(() => pool.Allocate(8 * MiB, CaptureStream), Throws.InstanceOf<CudaGraphCaptureException>()
            .With.Message.Contains("cuMemAlloc").And.Message.Contains("reserveBytes"));
        big.Dispose();
        pool.EndPrivate(graph);
        pool.RetirePrivate(graph);
        pool.EmptyCache();
        Assert.That(pool.Stats.ReservedBytes, Is.Zero, "a retired pool returns its segments, claimed ones included");
    }

    [Test]
    public void ARetiredPoolReleasesASegmentWhenItsLastBlockIsFreed()
    {
        var (pool, raw) = Create();
        var graph = pool.BeginPrivate(CaptureStream, Origin, 0);
        var kept = pool.Allocate(1 * KiB, CaptureStream);
        pool.EndPrivate(graph);
        pool.RetirePrivate(graph);
        Assert.That(raw.Segments, Has.Count.EqualTo(1), "a tensor of the graph keeps its segment");
        kept.Dispose();
        Assert.That(raw.Segments, Is.Empty);
        Assert.That(pool.Stats.ReservedBytes, Is.Zero);
    }
}

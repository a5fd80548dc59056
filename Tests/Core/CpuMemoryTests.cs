using System.Runtime.CompilerServices;
using NUnit.Framework;
using CpuPool = CudaTensor.Cpu;
using CudaTensor.Memory;

namespace CudaTensor.Tests.Core;

/// <summary>
/// The CPU memory pool: statistics checked by hand, forgotten tensors' memory coming back through the GC, and blocks
/// freed exactly once when disposal races with finalization.
/// </summary>
[TestFixture]
[NonParallelizable] // reads the process-wide pool statistics
public class CpuMemoryTests
{
    // float32 [524289] is 2,097,156 bytes: a 4 MiB block (the next power of two), too large for the per-thread caches,
    // and a size no other test here uses.
    private const long LargeElements = 524_289;
    private const long LargeBlock = 4L << 20;

    private static CpuMemoryStats Settle()
    {
        // Forgotten tensors of earlier tests come back now rather than in the middle of a measurement.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return CpuPool.MemoryStats();
    }

    private static unsafe nint Address(Tensor t) => (nint)((CpuStorage)t.Storage).Pointer;

    [Test]
    public void StatisticsFollowAllocationReuseAndEmptyCacheByHand()
    {
        Settle();
        CpuPool.EmptyCache();
        var s0 = CpuPool.MemoryStats();

        var a = Tensor.Empty([LargeElements]);
        var s1 = CpuPool.MemoryStats();
        Assert.Multiple(() =>
        {
            Assert.That(s1.AllocatedBytes - s0.AllocatedBytes, Is.EqualTo(LargeBlock), "the request rounds up to a power of two");
            Assert.That(s1.ReservedBytes - s0.ReservedBytes, Is.EqualTo(LargeBlock), "the cache was empty: a new block");
            Assert.That(s1.SystemAllocations - s0.SystemAllocations, Is.EqualTo(1));
            Assert.That(s1.Allocations - s0.Allocations, Is.EqualTo(1));
            Assert.That(s1.ActiveBlocks - s0.ActiveBlocks, Is.EqualTo(1));
            Assert.That(s1.PeakAllocatedBytes, Is.GreaterThanOrEqualTo(s1.AllocatedBytes));
        });
        nint first = Address(a);
        a.Dispose();

        var s2 = CpuPool.MemoryStats();
        Assert.Multiple(() =>
        {
            Assert.That(s2.AllocatedBytes, Is.EqualTo(s0.AllocatedBytes));
            Assert.That(s2.ReservedBytes, Is.EqualTo(s1.ReservedBytes), "a disposed block stays cached");
            Assert.That(s2.CachedBytes - s0.CachedBytes, Is.EqualTo(LargeBlock));
            Assert.That(s2.ActiveBlocks, Is.EqualTo(s0.ActiveBlocks));
        });

        CpuPool.ResetPeakMemoryStats();
        var b = Tensor.Empty([LargeElements]);
        var s3 = CpuPool.MemoryStats();
        Assert.Multiple(() =>
        {
            Assert.That(Address(b), Is.EqualTo(first), "the cached block is reused");
            Assert.That(s3.SystemAllocations, Is.EqualTo(s1.SystemAllocations));
            Assert.That(s3.ReusedBlocks - s0.ReusedBlocks, Is.EqualTo(1));
            Assert.That(s3.PeakAllocatedBytes, Is.EqualTo(s0.AllocatedBytes + LargeBlock), "the peak restarted from the current value");
        });
        b.Dispose();

        CpuPool.EmptyCache();
        var s4 = CpuPool.MemoryStats();
        Assert.Multiple(() =>
        {
            Assert.That(s4.ReservedBytes, Is.EqualTo(s0.ReservedBytes), "EmptyCache gives the idle block back to the system");
            Assert.That(s4.SystemFrees - s0.SystemFrees, Is.EqualTo(1));
            Assert.That(s4.PeakReservedBytes, Is.GreaterThanOrEqualTo(s0.ReservedBytes + LargeBlock));
        });
    }

    [Test]
    public void SmallTensorsTakeSixtyFourByteBlocksAndReuseThemOnTheSameThread()
    {
        var s0 = Settle();
        var one = Tensor.Ones([1]);                       // 4 bytes -> the smallest block, 64 bytes
        var row = Tensor.Ones([17], DType.Float64);       // 136 bytes -> 256
        var s1 = CpuPool.MemoryStats();
        Assert.That(s1.AllocatedBytes - s0.AllocatedBytes, Is.EqualTo(64 + 256));
        var storage = one.Storage;
        one.Dispose();
        row.Dispose();
        using var again = Tensor.Zeros([1]);
        var s2 = CpuPool.MemoryStats();
        Assert.Multiple(() =>
        {
            Assert.That(again.Storage, Is.SameAs(storage), "a small disposed storage is revived for the next tensor of its size");
            Assert.That(again.Storage.IsReleased, Is.False);
            Assert.That(again.Storage.Version, Is.Zero);
            Assert.That(again.Storage.ByteLength, Is.EqualTo(4));
            Assert.That(again.ToArray<float>(), Is.EqualTo(new[] { 0f }), "Zeros clears a reused block");
            Assert.That(s2.AllocatedBytes - s0.AllocatedBytes, Is.EqualTo(64));
            Assert.That(s2.SystemAllocations, Is.EqualTo(s1.SystemAllocations), "no new block for the reuse");
        });
    }

    // Not inlined, so that no stack slot of the test keeps the tensor alive.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nint CreateAndForget(long elements)
    {
        var t = Tensor.Full([elements], 5f);
        return Address(t);
    }

    [Test]
    public void ForgottenTensorIsReusedAfterAYoungCollection()
    {
        var s0 = Settle();
        CpuPool.EmptyCache();
        nint forgotten = CreateAndForget(LargeElements);
        var alive = CpuPool.MemoryStats();
        Assert.That(alive.AllocatedBytes - s0.AllocatedBytes, Is.EqualTo(LargeBlock), "the forgotten tensor still holds its block");

        // A young collection finds the storage (it never left generation 0), its finalizer hands the block back.
        GC.Collect(0);
        GC.WaitForPendingFinalizers();
        var after = CpuPool.MemoryStats();
        Assert.That(after.AllocatedBytes, Is.EqualTo(s0.AllocatedBytes), "the block came back");
        Assert.That(after.PendingFrees, Is.Zero, "MemoryStats took the pending block back");

        using var next = Tensor.Zeros([LargeElements]);
        var reused = CpuPool.MemoryStats();
        Assert.Multiple(() =>
        {
            Assert.That(Address(next), Is.EqualTo(forgotten), "the next tensor of that size gets the forgotten block");
            Assert.That(reused.SystemAllocations, Is.EqualTo(alive.SystemAllocations), "no system allocation");
            Assert.That(next.Sum().Item<float>(), Is.Zero, "and the reused block was cleared");
        });
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ForgetMany(Tensor x, int iterations)
    {
        for (int i = 0; i < iterations; i++)
        {
            var y = x * 2f;
            _ = y + 1f;
        }
    }

    [Test]
    public void AnUnscopedLoopKeepsThePoolBounded()
    {
        // 300 iterations of 4 MiB tensors nobody disposes: 1.2 GiB if nothing came back. The pool starts collections
        // itself, so what it holds stays within a few collection budgets (32 MiB each) of the live data.
        var s0 = Settle();
        CpuPool.ResetPeakMemoryStats();
        using var x = Tensor.Ones([LargeElements]);
        ForgetMany(x, 300);
        var s1 = Settle();
        Assert.Multiple(() =>
        {
            Assert.That(s1.Collections, Is.GreaterThan(s0.Collections), "the pool asked for collections");
            Assert.That(s1.PeakReservedBytes - s0.ReservedBytes, Is.LessThan(256L << 20));
            Assert.That(s1.AllocatedBytes - s0.AllocatedBytes, Is.EqualTo(LargeBlock), "only x is alive at the end");
        });
    }

    [Test]
    public void DisposeRacingWithFinalizationFreesEachBlockOnce([Values(1L, LargeElements)] long elements)
    {
        // Many threads each create tensors and release every storage from two threads at once: Dispose on one, the
        // finalizer's path on the other. Each block must come back exactly once: the allocated bytes return to where
        // they were, and blocks handed out afterwards are all distinct (a block freed twice sits twice in the pool).
        var s0 = Settle();
        const int threads = 4, rounds = 200;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            try
            {
                for (int r = 0; r < rounds; r++)
                {
                    var t = Tensor.Empty([elements]);
                    var storage = (CpuStorage)t.Storage;
                    using var start = new Barrier(2);
                    var finalizer = new Thread(() =>
                    {
                        start.SignalAndWait();
                        storage.ReleaseAsFinalizer();
                    });
                    finalizer.Start();
                    start.SignalAndWait();
                    t.Dispose();
                    finalizer.Join();
                }
            }
#pragma warning disable CA1031 // collected and reported by the test thread
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures.Enqueue(e);
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        Assert.That(failures, Is.Empty);

        var s1 = Settle();
        Assert.That(s1.AllocatedBytes, Is.EqualTo(s0.AllocatedBytes), "every block was given back once");
        Assert.That(s1.ActiveBlocks, Is.EqualTo(s0.ActiveBlocks));

        var live = Enumerable.Range(0, 64).Select(_ => Tensor.Empty([elements])).ToList();
        try
        {
            var addresses = live.Select(Address).ToList();
            Assert.That(addresses.Distinct().Count(), Is.EqualTo(addresses.Count), "no block is handed out twice");
        }
        finally
        {
            live.ForEach(t => t.Dispose());
        }
    }

    [Test]
    public void ATensorMadeOnAThreadThatEndedIsUsableAndFreedOnAnother()
    {
        var s0 = Settle();
        Tensor? made = null;
        var worker = new Thread(() =>
        {
            using (Tensor.Full([8], 1f)) { } // leaves a cached 64-byte storage in the thread's cache
            made = Tensor.Full([8], 2f);
        });
        worker.Start();
        worker.Join();
        Assert.That(made!.ToArray<float>(), Is.EqualTo(Enumerable.Repeat(2f, 8).ToArray()));
        made.Dispose();
        var s1 = Settle();
        Assert.That(s1.AllocatedBytes, Is.EqualTo(s0.AllocatedBytes), "neither the disposed tensor nor the ended thread's cached block is held");
    }
}

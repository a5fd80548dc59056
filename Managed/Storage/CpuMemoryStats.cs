namespace CudaTensor;

/// <summary>
/// A snapshot of the CPU memory pool (see <see cref="Cpu.MemoryStats"/>). Byte counts are of block sizes: every
/// request is rounded up to a power of two of at least 64 bytes.
/// </summary>
/// <param name="AllocatedBytes">Bytes in blocks that tensors hold now (a forgotten tensor holds its block until the
/// GC finalizes its storage).</param>
/// <param name="ReservedBytes">Bytes the pool holds from the system: allocated plus cached for reuse.</param>
/// <param name="PeakAllocatedBytes">Highest <paramref name="AllocatedBytes"/> since start or the last <see cref="Cpu.ResetPeakMemoryStats"/>.</param>
/// <param name="PeakReservedBytes">Highest <paramref name="ReservedBytes"/> since start or the last reset.</param>
/// <param name="Allocations">Blocks handed out since start (reused or new).</param>
/// <param name="ActiveBlocks">Blocks held now.</param>
/// <param name="SystemAllocations">Blocks the pool took from the system (aligned native allocations); <paramref name="Allocations"/>
/// minus this is how many requests a cached block served.</param>
/// <param name="SystemFrees">Blocks the pool gave back to the system (idle blocks beyond the cache limit, and <see cref="Cpu.EmptyCache"/>).</param>
/// <param name="PendingFrees">Blocks given back by finalizers (forgotten tensors) and not yet taken back by the pool;
/// <see cref="Cpu.MemoryStats"/> takes them back first, so a snapshot only shows those freed while it was taken.</param>
/// <param name="Collections">Garbage collections the pool started because forgotten tensors held too much memory.</param>
/// <param name="ThreadCachedBytes">Idle bytes in the per-thread caches of live threads (part of the cached bytes).</param>
/// <param name="CacheLimitBytes">The most idle bytes the shared lists keep; beyond it, returned blocks go back to the system.</param>
public readonly record struct CpuMemoryStats(
    long AllocatedBytes,
    long ReservedBytes,
    long PeakAllocatedBytes,
    long PeakReservedBytes,
    long Allocations,
    long ActiveBlocks,
    long SystemAllocations,
    long SystemFrees,
    long PendingFrees,
    long Collections,
    long ThreadCachedBytes,
    long CacheLimitBytes)
{
    /// <summary>Bytes the pool keeps for reuse: reserved but not allocated.</summary>
    public long CachedBytes => ReservedBytes - AllocatedBytes;

    /// <summary>Requests served by a cached block rather than a new system allocation.</summary>
    public long ReusedBlocks => Allocations - SystemAllocations;
}

namespace CudaTensor;

/// <summary>
/// A snapshot of one device's caching memory pool (see <see cref="Cuda.MemoryStats"/>). Byte counts are of
/// rounded block sizes (multiples of 512 B), as the pool hands them out.
/// </summary>
/// <param name="AllocatedBytes">Bytes in blocks that tensors hold now.</param>
/// <param name="ReservedBytes">Bytes the pool holds from the driver (allocated plus cached).</param>
/// <param name="PeakAllocatedBytes">Highest <paramref name="AllocatedBytes"/> since start or the last <see cref="Cuda.ResetPeakMemoryStats"/>.</param>
/// <param name="PeakReservedBytes">Highest <paramref name="ReservedBytes"/> since start or the last reset.</param>
/// <param name="Allocations">Number of blocks handed out since start.</param>
/// <param name="ActiveBlocks">Blocks held now.</param>
/// <param name="DriverAllocations">cuMemAlloc calls (new segments).</param>
/// <param name="DriverFrees">cuMemFree calls (segments released by EmptyCache or the out-of-memory path).</param>
/// <param name="OutOfMemoryRetries">Times an allocation failed, freed the cache and retried.</param>
/// <param name="PendingFrees">Blocks dropped by finalizers and not yet taken back by the pool.</param>
/// <param name="LimitBytes">The pool's limit (<see cref="Cuda.MemoryLimitVariable"/>), or null when unlimited.</param>
public readonly record struct CudaMemoryStats(
    long AllocatedBytes,
    long ReservedBytes,
    long PeakAllocatedBytes,
    long PeakReservedBytes,
    long Allocations,
    long ActiveBlocks,
    long DriverAllocations,
    long DriverFrees,
    long OutOfMemoryRetries,
    long PendingFrees,
    long? LimitBytes)
{
    /// <summary>Bytes the pool keeps for reuse: reserved but not allocated.</summary>
    public long CachedBytes => ReservedBytes - AllocatedBytes;

    /// <summary>Driver calls the pool made (allocations plus frees).</summary>
    public long DriverCalls => DriverAllocations + DriverFrees;
}

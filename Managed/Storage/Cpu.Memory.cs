using CudaTensor.Memory;

namespace CudaTensor;

// The memory half of the CPU device's public API (the type's documentation is on its other part, Backends/Cpu/Cpu.cs).
// CPU tensors live in 64-byte-aligned native memory from a pool, not on the GC heap. Disposing a tensor (or the scope it
// was created in) gives its block back at once; a forgotten tensor's block comes back when the GC finalizes its
// storage, and the pool starts a young collection itself when forgotten tensors hold too much (docs/memory.md).
public static partial class Cpu
{
    /// <summary>
    /// Statistics of the CPU memory pool: bytes held by tensors and cached, peaks, allocation counts. Blocks that
    /// finalizers gave back are taken back into the pool first. Thread-safe; the numbers are a snapshot that other
    /// threads may change at once.
    /// </summary>
    public static CpuMemoryStats MemoryStats() => CpuBufferPool.Stats();

    /// <summary>Sets <see cref="CpuMemoryStats.PeakAllocatedBytes"/> and <see cref="CpuMemoryStats.PeakReservedBytes"/> to the current values.</summary>
    public static void ResetPeakMemoryStats() => CpuBufferPool.ResetPeak();

    /// <summary>
    /// Returns the memory the pool caches but no tensor uses to the system: the shared lists and the calling thread's
    /// cache (other live threads keep their small per-thread caches, at most 16 blocks of each size up to 64 KiB).
    /// Tensors still alive, and forgotten tensors not yet collected, keep their blocks; to reclaim the latter call
    /// <c>GC.Collect(); GC.WaitForPendingFinalizers();</c> first.
    /// </summary>
    public static void EmptyCache() => CpuBufferPool.EmptyCache();
}

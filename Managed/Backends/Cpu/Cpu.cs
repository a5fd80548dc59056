using CudaTensor.Backends.Cpu;
using CudaTensor.Memory;

namespace CudaTensor;

/// <summary>
/// The CPU device: its thread count, like PyTorch's <c>torch.set_num_threads</c> / <c>torch.get_num_threads</c>, and
/// its memory pool's statistics and cache (as <see cref="Cuda"/>'s for a CUDA device).
/// </summary>
/// <remarks>
/// <para>
/// CPU tensors live in 64-byte-aligned native memory from a pool, not on the GC heap. Disposing a tensor (or the
/// <see cref="TensorScope"/> it was created in) gives its block back at once; a forgotten tensor's block comes back
/// when the GC finalizes its storage, and the pool starts a young collection itself when forgotten tensors hold too
/// much (see <c>docs/memory.md</c>). Scopes are therefore an optimization, not a requirement.
/// </para>
/// <para>
/// Results do not depend on the thread count: parallel loops split work only where each output element is computed
/// by one thread in a fixed order (elementwise ops, matrix products split by rows or columns, never along the
/// summed dimension), whole-tensor reductions combine fixed-size partials in a fixed order, and random fills give
/// each chunk its own Philox counter range. See <c>docs/determinism.md</c>.
/// </para>
/// </remarks>
public static class Cpu
{
    /// <summary>
    /// The environment variable that sets the initial thread count of programs one does not edit
    /// (<c>CUDATENSOR_NUM_THREADS=1 dotnet run ...</c>), read once when the first CPU op runs; a value that is not a
    /// positive integer is ignored with a warning on standard error.
    /// </summary>
    public const string NumThreadsVariable = CpuWorkers.ThreadsVariable;

    /// <summary>
    /// The number of threads CPU ops may use (the calling thread included): <see cref="NumThreadsVariable"/> when
    /// set, else the number of cores. Changed by <see cref="SetNumThreads"/>.
    /// </summary>
    public static int NumThreads => CpuWorkers.MaxThreads;

    /// <summary>
    /// Sets the number of threads CPU ops may use, the calling thread included (1 runs every op on the calling
    /// thread). Takes effect from the next op; more threads than cores is allowed but rarely faster.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is not positive.</exception>
    public static void SetNumThreads(int threads)
    {
        if (threads <= 0)
            throw new ArgumentOutOfRangeException(nameof(threads), threads,
                $"{nameof(Cpu)}.{nameof(SetNumThreads)}: the thread count must be positive, got {threads}. Pass 1 to run every op on the calling thread, or Environment.ProcessorCount for every core.");
        CpuWorkers.MaxThreads = threads;
    }

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

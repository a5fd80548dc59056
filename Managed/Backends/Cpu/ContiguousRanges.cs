namespace CudaTensor.Backends.Cpu;

/// <summary>A kernel over element range [start, end) of contiguous operands it holds pointers to.</summary>
internal interface IRangeKernel
{
    void Run(long start, long end);
}

/// <summary>
/// Runs a range kernel over n contiguous elements: on the calling thread below
/// <see cref="StridedLoop.ParallelThreshold"/> (the threshold every CPU loop uses), else in a few equal ranges per
/// core, claimed by the <see cref="CpuWorkers"/> team. Ranges start at multiples of <see cref="Granule"/> elements,
/// so each thread's vectors stay aligned as the buffers are and no two threads write one cache line.
/// </summary>
internal static class ContiguousRanges
{
    /// <summary>Elements per range boundary: 1024 float64 = 8 KiB, a whole number of cache lines and vectors.</summary>
    public const long Granule = 1024;

    public static void Run<TKernel>(TKernel kernel, long n) where TKernel : struct, IRangeKernel
    {
        if (n <= 0) return;
        int threads = CpuWorkers.MaxThreads;
        if (threads <= 1 || n < StridedLoop.ParallelThreshold)
        {
            kernel.Run(0, n);
            return;
        }
        long granules = (n + Granule - 1) / Granule;
        CpuWorkers.For(new RangeJob<TKernel>(kernel, n, granules), (int)Math.Min(threads * 4, granules));
    }

    // Range c of chunks, cut at granule boundaries.
    private readonly struct RangeJob<TKernel>(TKernel kernel, long n, long granules) : IChunkJob where TKernel : struct, IRangeKernel
    {
        public void Run(int chunk, int chunks)
            => kernel.Run(granules * chunk / chunks * Granule, Math.Min(n, granules * (chunk + 1) / chunks * Granule));
    }
}

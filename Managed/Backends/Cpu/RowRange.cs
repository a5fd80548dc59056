namespace CudaTensor.Backends.Cpu;

/// <summary>A kernel over a range of independent rows [start, end) of a contiguous matrix; chunk is the range's ordinal.</summary>
internal interface IRowRangeKernel
{
    void Rows(long start, long end, int chunk);
}

/// <summary>
/// Splits the rows of a fused row primitive into one contiguous range per core (run by the <see cref="CpuWorkers"/>
/// team), above the same work threshold as the elementwise loops (<see cref="StridedLoop.ParallelThreshold"/>), so
/// small matrices stay on the calling thread.
/// </summary>
internal static class RowRange
{
    /// <summary>How many ranges <see cref="Run"/> will use for <paramref name="rows"/> rows of <paramref name="len"/> elements.</summary>
    public static int Chunks(long rows, long len, double workPerElement)
    {
        int threads = CpuWorkers.MaxThreads;
        if (threads <= 1 || rows <= 1 || rows * len * workPerElement < StridedLoop.ParallelThreshold) return 1;
        return (int)Math.Min(threads, rows);
    }

    /// <summary>Runs <paramref name="kernel"/> over <paramref name="chunks"/> equal ranges of the rows (from <see cref="Chunks"/>).</summary>
    public static void Run<TKernel>(TKernel kernel, long rows, int chunks) where TKernel : struct, IRowRangeKernel
    {
        if (rows == 0) return;
        if (chunks <= 1)
        {
            kernel.Rows(0, rows, 0);
            return;
        }
        CpuWorkers.For(new Job<TKernel>(kernel, rows), chunks);
    }

    // Range c of the rows; c is also the kernel's ordinal for per-range partial results.
    private readonly struct Job<TKernel>(TKernel kernel, long rows) : IChunkJob where TKernel : struct, IRowRangeKernel
    {
        public void Run(int chunk, int chunks) => kernel.Rows(rows * chunk / chunks, rows * (chunk + 1) / chunks, chunk);
    }
}

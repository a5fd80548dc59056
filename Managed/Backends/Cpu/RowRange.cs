namespace CudaTensor.Backends.Cpu;

/// <summary>A kernel over a range of independent rows [start, end) of a contiguous matrix; chunk is the range's ordinal.</summary>
internal interface IRowRangeKernel
{
    void Rows(long start, long end, int chunk);
}

/// <summary>
/// Splits the rows of a fused row primitive into one contiguous range per core, above the same work threshold as the
/// elementwise loops (<see cref="StridedLoop.ParallelThreshold"/>): a hand-off costs ~5-20 µs, so small matrices stay
/// on the calling thread.
/// </summary>
internal static class RowRange
{
    /// <summary>How many ranges <see cref="Run"/> will use for <paramref name="rows"/> rows of <paramref name="len"/> elements.</summary>
    public static int Chunks(long rows, long len, double workPerElement)
    {
        int threads = Environment.ProcessorCount;
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
        try
        {
            Parallel.For(0, chunks, c => kernel.Rows(rows * c / chunks, rows * (c + 1) / chunks, c));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // The same exception whether or not the rows were split.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
    }
}

namespace CudaTensor.Backends.Cpu;

/// <summary>
/// A per-channel computation over a contiguous [N, C, S] tensor in two passes: sums over each channel's N·S elements,
/// then a per-channel finish (statistics, coefficients), then an elementwise pass with those coefficients. Elements
/// of a channel are numbered i = n·S + s over [0, N·S).
/// </summary>
internal interface IChannelPassKernel
{
    /// <summary>Adds the sums of elements [i0, i1) of channel <paramref name="c"/> to <paramref name="s1"/> and <paramref name="s2"/>.</summary>
    void Sums(long c, long i0, long i1, ref double s1, ref double s2);

    /// <summary>Takes channel <paramref name="c"/>'s total sums (zero when there was no sum pass) and sets its coefficients.</summary>
    void Finish(long c, double s1, double s2);

    /// <summary>The elementwise pass over elements [i0, i1) of channel <paramref name="c"/>.</summary>
    void Apply(long c, long i0, long i1);

    /// <summary>For S = 1: adds the sums of channels [c0, c1) over all <paramref name="n"/> rows to s1[c - c0] and s2[c - c0].</summary>
    unsafe void ColumnSums(long c0, long c1, long n, double* s1, double* s2);

    /// <summary>For S = 1: the elementwise pass over channels [c0, c1) of all <paramref name="n"/> rows.</summary>
    void ColumnApply(long c0, long c1, long n);
}

/// <summary>
/// Runs an <see cref="IChannelPassKernel"/> on the <see cref="CpuWorkers"/> team. With enough channels, each task owns
/// whole channels and runs sums, finish and the elementwise pass back to back, so the second pass re-reads the channel
/// from the core's cache (a channel of a [32, 64, 56, 56] batch is 392 KiB). With few channels, each channel's elements
/// are split among tasks: the partial sums are added per channel, finished on the calling thread, and the elementwise
/// pass runs split the same way. The [N, C] layout (S = 1) goes by blocks of columns instead, rows in memory order.
/// </summary>
internal static class ChannelPasses
{
    /// <summary>Fewest elements a split task handles, so that splitting a channel pays for its bookkeeping.</summary>
    private const long MinSplit = 16384;

    /// <summary>
    /// Runs <paramref name="kernel"/> over every channel of an [n, channels, s] tensor: the sum pass when
    /// <paramref name="sums"/>, the finish always, the elementwise pass when <paramref name="apply"/>.
    /// </summary>
    public static unsafe void Run<TKernel>(TKernel kernel, long n, long channels, long s, bool sums, bool apply, double workPerElement)
        where TKernel : struct, IChannelPassKernel
    {
        long perChannel = n * s;
        int threads = CpuWorkers.MaxThreads;
        bool parallel = threads > 1 && channels * perChannel * workPerElement >= StridedLoop.ParallelThreshold;
        if (s == 1)
        {
            // [N, C]: a channel's values lie C apart, so each task takes a block of columns and walks the rows in order.
            int columnChunks = parallel ? (int)Math.Clamp(channels / 16, 1, threads) : 1;
            CpuWorkers.For(new ColumnJob<TKernel>(kernel, n, channels, sums, apply), columnChunks);
            return;
        }
        if (!sums)
        {
            // Nothing to sum (evaluation): every channel's coefficients first, then the planes in memory order, which
            // streams the tensor instead of jumping between the planes of one channel.
            for (long c = 0; c < channels; c++) kernel.Finish(c, 0, 0);
            if (apply) CpuWorkers.For(new PlaneJob<TKernel>(kernel, n, channels, s), parallel ? (int)Math.Min(n * channels, 4L * threads) : 1);
            return;
        }
        if (!parallel || channels >= 2L * threads)
        {
            int chunks = parallel ? (int)Math.Min(channels, 4L * threads) : 1;
            CpuWorkers.For(new Job<TKernel>(kernel, channels, 1, perChannel, Phase.Whole, sums, apply, null), chunks);
            return;
        }
        // Few channels: split each into enough pieces for every thread, each of at least MinSplit elements.
        long splits = Math.Clamp((2L * threads + channels - 1) / channels, 1, Math.Max(1, perChannel / MinSplit));
        long tasks = channels * splits;
        var partial = new double[2 * tasks];
        fixed (double* p = partial)
        {
            if (sums) CpuWorkers.For(new Job<TKernel>(kernel, channels, splits, perChannel, Phase.Sums, sums, apply, p), (int)tasks);
            for (long c = 0; c < channels; c++)
            {
                double s1 = 0, s2 = 0;
                for (long t = c * splits; t < (c + 1) * splits; t++)
                {
                    s1 += p[2 * t];
                    s2 += p[2 * t + 1];
                }
                kernel.Finish(c, s1, s2);
            }
            if (apply) CpuWorkers.For(new Job<TKernel>(kernel, channels, splits, perChannel, Phase.Apply, sums, apply, p), (int)tasks);
        }
    }

    /// <summary>
    /// The run of consecutive elements starting at channel element <paramref name="i"/> (at most up to
    /// <paramref name="end"/>, never past the end of its plane): its offset in the [N, C, S] tensor, and its length.
    /// </summary>
    public static long Segment(long i, long end, long c, long channels, long s, out long offset)
    {
        long j = i % s;
        offset = ((i - j) / s * channels + c) * s + j;
        return Math.Min(s - j, end - i);
    }

    // Chunk k of `chunks` takes channels [k·C/chunks, (k+1)·C/chunks) of every row: sums, finish, elementwise pass.
    private readonly unsafe struct ColumnJob<TKernel>(TKernel kernel, long n, long channels, bool sums, bool apply) : IChunkJob
        where TKernel : struct, IChannelPassKernel
    {
        public void Run(int chunk, int chunks)
        {
            long c0 = channels * chunk / chunks, c1 = channels * (chunk + 1) / chunks, width = c1 - c0;
            var totals = new double[2 * width];
            fixed (double* t = totals)
            {
                if (sums) kernel.ColumnSums(c0, c1, n, t, t + width);
                for (long c = c0; c < c1; c++) kernel.Finish(c, t[c - c0], t[width + c - c0]);
                if (apply) kernel.ColumnApply(c0, c1, n);
            }
        }
    }

    // Chunk k of `chunks` takes planes [k·P/chunks, (k+1)·P/chunks) of the P = N·C planes, in memory order.
    private readonly struct PlaneJob<TKernel>(TKernel kernel, long n, long channels, long s) : IChunkJob
        where TKernel : struct, IChannelPassKernel
    {
        public void Run(int chunk, int chunks)
        {
            long planes = n * channels;
            for (long p = planes * chunk / chunks, end = planes * (chunk + 1) / chunks; p < end; p++)
            {
                long row = p / channels;
                kernel.Apply(p - row * channels, row * s, (row + 1) * s);
            }
        }
    }

    private enum Phase
    {
        Whole,
        Sums,
        Apply,
    }

    // Chunk k of `chunks` takes tasks [k·tasks/chunks, (k+1)·tasks/chunks); task t is piece t % splits of channel t / splits.
    private readonly unsafe struct Job<TKernel>(TKernel kernel, long channels, long splits, long perChannel, Phase phase, bool sums, bool apply, double* partial)
        : IChunkJob where TKernel : struct, IChannelPassKernel
    {
        public void Run(int chunk, int chunks)
        {
            long tasks = channels * splits;
            long first = tasks * chunk / chunks, last = tasks * (chunk + 1) / chunks;
            for (long t = first; t < last; t++)
            {
                long c = t / splits, piece = t % splits;
                long i0 = perChannel * piece / splits, i1 = perChannel * (piece + 1) / splits;
                double s1 = 0, s2 = 0;
                switch (phase)
                {
                    case Phase.Whole:
                        if (sums) kernel.Sums(c, 0, perChannel, ref s1, ref s2);
                        kernel.Finish(c, s1, s2);
                        if (apply) kernel.Apply(c, 0, perChannel);
                        break;
                    case Phase.Sums:
                        kernel.Sums(c, i0, i1, ref s1, ref s2);
                        partial[2 * t] = s1;
                        partial[2 * t + 1] = s2;
                        break;
                    default:
                        kernel.Apply(c, i0, i1);
                        break;
                }
            }
        }
    }
}

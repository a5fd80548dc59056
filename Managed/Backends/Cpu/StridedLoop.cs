using System.Runtime.CompilerServices;
using CudaTensor.Core;
using CudaTensor.Memory;

namespace CudaTensor.Backends.Cpu;

/// <summary>
/// A row of an elementwise loop: n elements; operand k starts at <c>ptr[k]</c> and steps
/// <c>stride[k]</c> bytes (0 for a broadcast operand). Kernels check for unit strides and use vectorized spans.
/// </summary>
internal unsafe interface IRowKernel
{
    void Row(long n, byte** ptr, long* stride);
}

/// <summary>
/// The general strided iterator of the CPU backend. It drops size-1 dimensions, merges dimensions that are
/// contiguous with their inner neighbour for every operand (so a contiguous tensor becomes one long row),
/// then walks the outer dimensions and hands rows to the kernel. Above <see cref="ParallelThreshold"/>
/// elements the index space is split into equal ranges that the cores claim (<see cref="CpuWorkers"/>); tiny
/// tensors never leave the calling thread, because per-op overhead matters more than throughput for them.
/// </summary>
internal static unsafe class StridedLoop
{
    public const int MaxOperands = 4;
    public const int MaxRank = 64;

    /// <summary>
    /// Elements below which an elementwise op stays on one thread. A hand-off to a second thread costs ~5-20 µs, and
    /// far more when the other core is busy; one core adds 2^18 floats in ~30-60 µs, so below that two threads lose
    /// (measured: Adam's updates of a 256x256 parameter ran 2-3x faster on one thread than split at 2^16).
    /// </summary>
    public static long ParallelThreshold { get; set; } = 1 << 18;

    /// <summary>
    /// Runs <paramref name="kernel"/> over <paramref name="shape"/>. <paramref name="ops"/> are the operands
    /// (destination first), each already broadcast to <paramref name="shape"/>. <paramref name="workPerElement"/>
    /// scales the threshold for costly formulas; <paramref name="allowParallel"/> is false for kernels whose
    /// rows may write the same element (scatter-add).
    /// </summary>
    public static void Run<TKernel>(TKernel kernel, long[] shape, ReadOnlySpan<Strided> ops, double workPerElement = 1, bool allowParallel = true)
        where TKernel : struct, IRowKernel
        => Run(kernel, shape, ops, workPerElement, allowParallel, chunkAlign: 1);

    /// <summary>
    /// As <see cref="Run{TKernel}(TKernel, long[], ReadOnlySpan{Strided}, double, bool)"/>, with parallel chunks that
    /// start at multiples of <paramref name="chunkAlign"/> elements in row-major order (which must divide the element
    /// count): a chunk then holds whole rows of the last dimension, for kernels whose writes collide only within a row.
    /// </summary>
    public static void Run<TKernel>(TKernel kernel, long[] shape, ReadOnlySpan<Strided> ops, double workPerElement, bool allowParallel, long chunkAlign)
        where TKernel : struct, IRowKernel
    {
        long numel = Shapes.NumElements(shape);
        if (numel == 0) return;
        int nops = ops.Length;
        if (shape.Length > MaxRank) throw new NotSupportedException($"Tensors of more than {MaxRank} dimensions are not supported.");

        // Layout in bytes, size-1 dims dropped, outermost first. Everything lives on the stack: a small op must not
        // allocate here (the per-op overhead of one-element ops is a benchmarked target).
        nint* bases = stackalloc nint[MaxOperands];
        for (int k = 0; k < nops; k++)
        {
            int es = ops[k].DType.ElementSize();
            bases[k] = (nint)(((CpuStorage)ops[k].Storage).Pointer + ops[k].Offset * es);
        }
        int rank = 0;
        Span<long> sizes = stackalloc long[shape.Length];
        Span<long> strides = stackalloc long[shape.Length * nops];
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1) continue;
            sizes[rank] = shape[d];
            for (int k = 0; k < nops; k++) strides[rank * nops + k] = ops[k].Strides[d] * ops[k].DType.ElementSize();
            rank++;
        }
        // Merge dimension d into its inner neighbour when every operand is contiguous across the pair.
        int merged = 0;
        for (int d = 0; d < rank; d++)
        {
            if (merged > 0)
            {
                int inner = merged - 1;
                bool mergeable = true;
                // d is inner to the previously kept dims; check whether kept[inner] (outer) can merge with d.
                for (int k = 0; k < nops; k++)
                {
                    if (strides[inner * nops + k] != strides[d * nops + k] * sizes[d]) { mergeable = false; break; }
                }
                if (mergeable)
                {
                    sizes[inner] *= sizes[d];
                    for (int k = 0; k < nops; k++) strides[inner * nops + k] = strides[d * nops + k];
                    continue;
                }
            }
            sizes[merged] = sizes[d];
            for (int k = 0; k < nops; k++) strides[merged * nops + k] = strides[d * nops + k];
            merged++;
        }
        rank = merged;

        int threads = CpuWorkers.MaxThreads;
        if (allowParallel && threads > 1 && numel * workPerElement >= ParallelThreshold)
        {
            // A few chunks per thread (a thread that starts late leaves its share to the others), each worth at least
            // 4096 elements of work: rows of a softmax count as their length, not as one element each.
            double units = Math.Max(1, numel * workPerElement / 4096);
            int chunks = (int)Math.Min(Math.Min(threads * 4, numel / chunkAlign), units);
            fixed (long* ps = sizes, pst = strides)
            {
                CpuWorkers.For(new RangeJob<TKernel>(kernel, nops, bases, rank, ps, pst, numel, chunkAlign), chunks);
            }
        }
        else
        {
            RunRange(kernel, nops, bases, rank, sizes, strides, 0, numel);
        }
        // The kernel ran on raw addresses: keep the storages reachable until here, or a forgotten operand's storage
        // could be finalized, and its block handed to another thread, while the kernel still reads it.
        for (int k = 0; k < nops; k++) GC.KeepAlive(ops[k].Storage);
    }

    // Chunk c of the merged layout's elements, its ends at multiples of align; the pointers are the caller's stack,
    // which outlives the job.
    private readonly struct RangeJob<TKernel>(TKernel kernel, int nops, nint* bases, int rank, long* sizes, long* strides, long numel, long align) : IChunkJob
        where TKernel : struct, IRowKernel
    {
        public void Run(int chunk, int chunks)
        {
            long units = numel / align;
            RunRange(kernel, nops, bases, rank, new ReadOnlySpan<long>(sizes, rank), new ReadOnlySpan<long>(strides, rank * nops),
                units * chunk / chunks * align, units * (chunk + 1) / chunks * align);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunRange<TKernel>(TKernel kernel, int nops, nint* bases, int rank, ReadOnlySpan<long> sizes, ReadOnlySpan<long> strides, long start, long end)
        where TKernel : struct, IRowKernel
    {
        byte** ptr = stackalloc byte*[MaxOperands];
        long* innerStride = stackalloc long[MaxOperands];
        for (int k = 0; k < nops; k++) ptr[k] = (byte*)bases[k];
        if (rank == 0)
        {
            for (int k = 0; k < nops; k++) innerStride[k] = 0;
            kernel.Row(1, ptr, innerStride);
            return;
        }
        Span<long> index = stackalloc long[rank];
        // Unravel the start position.
        long rem = start;
        for (int d = rank - 1; d >= 0; d--)
        {
            index[d] = rem % sizes[d];
            rem /= sizes[d];
            for (int k = 0; k < nops; k++) ptr[k] += index[d] * strides[d * nops + k];
        }
        int last = rank - 1;
        long innerSize = sizes[last];
        for (int k = 0; k < nops; k++) innerStride[k] = strides[last * nops + k];
        long remaining = end - start;
        while (remaining > 0)
        {
            long n = Math.Min(innerSize - index[last], remaining);
            kernel.Row(n, ptr, innerStride);
            remaining -= n;
            if (remaining == 0) break;
            // Step to the start of the next row, carrying into outer dimensions.
            for (int k = 0; k < nops; k++) ptr[k] -= index[last] * innerStride[k];
            index[last] = 0;
            for (int d = last - 1; d >= 0; d--)
            {
                index[d]++;
                for (int k = 0; k < nops; k++) ptr[k] += strides[d * nops + k];
                if (index[d] < sizes[d]) break;
                for (int k = 0; k < nops; k++) ptr[k] -= sizes[d] * strides[d * nops + k];
                index[d] = 0;
            }
        }
    }
}

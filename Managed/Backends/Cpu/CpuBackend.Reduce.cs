using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CudaTensor.Ops;
using CudaTensor.Core;

namespace CudaTensor.Backends.Cpu;

// Axis primitives. Each walks the output (the leading dimensions) with the strided loop, whose rows give
// n outputs at once; the kernel then handles the trailing axis/axes of each output.
internal sealed unsafe partial class CpuBackend
{
    public void Reduce(ReduceOp op, Strided dst, Strided src, int reducedDims)
    {
        using var alive = new OperandsAlive(src.Storage);
        switch (src.DType)
        {
            case DType.Float32: Reduce<float>(op, dst, src, reducedDims); break;
            case DType.Float64: Reduce<double>(op, dst, src, reducedDims); break;
            case DType.Int32: Reduce<int>(op, dst, src, reducedDims); break;
            case DType.Int64: Reduce<long>(op, dst, src, reducedDims); break;
            default: Reduce<byte>(op, dst, src, reducedDims); break;
        }
    }

    private static void Reduce<T>(ReduceOp op, Strided dst, Strided src, int reducedDims) where T : unmanaged, INumber<T>
    {
        switch (op)
        {
            case ReduceOp.Sum: Reduce<T, SumReducer<T>>(dst, src, reducedDims, T.Zero); break;
            case ReduceOp.Prod: Reduce<T, ProdReducer<T>>(dst, src, reducedDims, T.One); break;
            // Max and Min of nothing are rejected for numbers; only Bool Any (Max) and All (Min) reach an empty
            // extent, whose identities are false and true.
            case ReduceOp.Max: Reduce<T, MaxReducer<T>>(dst, src, reducedDims, T.Zero); break;
            default: Reduce<T, MinReducer<T>>(dst, src, reducedDims, T.One); break;
        }
    }

    private static void Reduce<T, TR>(Strided dst, Strided src, int reducedDims, T identity) where T : unmanaged, INumber<T> where TR : IReducer<T>
    {
        int keep = src.Rank - reducedDims;
        var inner = ReducedLayout.Collapse(src.Shape.AsSpan(keep), src.Strides.AsSpan(keep));
        if (inner.Count == 0)
        {
            // Reducing over an empty extent gives the identity (max/min of nothing is rejected above).
            Run(new ElementwiseRows.Fill<T>(identity), dst);
            return;
        }
        var outer = src.WithLayout(dst.Shape, src.Strides[..keep]);
        if (inner.IsUnitRow && inner.Count >= SplitRowThreshold && Environment.ProcessorCount > 1)
        {
            // Long contiguous rows (a whole-tensor sum, a few huge rows): each row is split across the cores, so the
            // outputs themselves are walked on this thread.
            StridedLoop.Run(new ReduceRows<T, TR>(inner, splitRows: true), dst.Shape, [dst, outer], allowParallel: false);
            return;
        }
        StridedLoop.Run(new ReduceRows<T, TR>(inner, splitRows: false), dst.Shape, [dst, outer], inner.Count);
    }

    /// <summary>
    /// Contiguous reduced extent from which one row is reduced on several threads. One core reads ~50-90 GB/s from
    /// cache and less from DRAM; a hand-off costs ~5-20 µs, so below 2^19 floats (2 MiB, ~25 µs) one thread wins.
    /// </summary>
    internal const long SplitRowThreshold = 1 << 19;

    /// <summary>
    /// Elements per partial result of a split row. Fixed (not derived from the thread count), and the partials are
    /// combined in chunk order, so a result does not depend on the number of cores or on which thread ran first.
    /// </summary>
    private const int SplitChunk = 1 << 16;

    private static T ReduceSplit<T, TR>(T* x, long len) where T : unmanaged, INumber<T> where TR : IReducer<T>
    {
        int chunks = (int)((len + SplitChunk - 1) / SplitChunk);
        // A whole-tensor sum of 2^20 floats has 16 partials: no heap array for those.
        Span<T> partial = chunks <= 1024 ? stackalloc T[chunks] : new T[chunks];
        fixed (T* pp = partial)
        {
            // A thread takes runs of consecutive chunks, so each reads a long sequential stream (what the hardware
            // prefetchers follow best), yet there are several runs per thread for balance.
            int runs = Math.Min(chunks, CpuWorkers.MaxThreads * 4);
            CpuWorkers.For(new SplitJob<T, TR>(x, len, pp, chunks), runs);
        }
        T acc = partial[0];
        for (int c = 1; c < chunks; c++) acc = TR.Combine(acc, partial[c]);
        return acc;
    }

    // Chunk c of a split row into partial[c].
    // Run r of runs: chunks [chunks·r/runs, chunks·(r+1)/runs), each into its own partial[c].
    private readonly struct SplitJob<T, TR>(T* x, long len, T* partial, int chunks) : IChunkJob where T : unmanaged, INumber<T> where TR : IReducer<T>
    {
        public void Run(int run, int runs)
        {
            for (int c = (int)((long)chunks * run / runs), end = (int)((long)chunks * (run + 1) / runs); c < end; c++)
            {
                long start = (long)c * SplitChunk;
                partial[c] = TR.Reduce(new ReadOnlySpan<T>(x + start, (int)Math.Min(SplitChunk, len - start)));
            }
        }
    }

    /// <summary>The reduced axes after merging contiguous neighbours: sizes/strides outermost first.</summary>
    internal sealed class ReducedLayout(long[] sizes, long[] strides)
    {
        public long[] Sizes { get; } = sizes;
        public long[] Strides { get; } = strides;
        public long Count { get; } = Shapes.NumElements(sizes);
        public bool IsUnitRow => Sizes.Length == 1 && Strides[0] == 1;

        public static ReducedLayout Collapse(ReadOnlySpan<long> shape, ReadOnlySpan<long> strides)
        {
            var sizes = new List<long>();
            var st = new List<long>();
            for (int d = 0; d < shape.Length; d++)
            {
                if (shape[d] == 0) return new ReducedLayout([0], [1]);
                if (shape[d] == 1) continue;
                if (sizes.Count > 0 && st[^1] == strides[d] * shape[d])
                {
                    sizes[^1] *= shape[d];
                    st[^1] = strides[d];
                    continue;
                }
                sizes.Add(shape[d]);
                st.Add(strides[d]);
            }
            if (sizes.Count == 0) return new ReducedLayout([1], [1]);
            return new ReducedLayout([.. sizes], [.. st]);
        }
    }

    private readonly struct ReduceRows<T, TR>(ReducedLayout inner, bool splitRows) : IRowKernel where T : unmanaged, INumber<T> where TR : IReducer<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Row(long n, byte** ptr, long* stride)
        {
            T* y = (T*)ptr[0];
            T* x = (T*)ptr[1];
            long sy = stride[0] / sizeof(T), sx = stride[1] / sizeof(T);
            if (splitRows)
            {
                for (long i = 0; i < n; i++) y[i * sy] = ReduceSplit<T, TR>(x + i * sx, inner.Count);
                return;
            }
            if (inner.IsUnitRow && inner.Count <= int.MaxValue)
            {
                // Each output reduces one contiguous run: vectorized whole-span reduce.
                int len = (int)inner.Count;
                for (long i = 0; i < n; i++) y[i * sy] = TR.Reduce(new ReadOnlySpan<T>(x + i * sx, len));
                return;
            }
            if (sy == 1 && sx == 1 && inner.Sizes.Length == 1 && n <= int.MaxValue)
            {
                // Outputs are contiguous and so are the inputs across outputs (e.g. summing a [N, C] matrix over N):
                // accumulate whole rows, vectorized across outputs.
                int m = (int)n;
                var acc = new Span<T>(y, m);
                long step = inner.Strides[0];
                new ReadOnlySpan<T>(x, m).CopyTo(acc);
                for (long r = 1; r < inner.Sizes[0]; r++) TR.Accumulate(new ReadOnlySpan<T>(x + r * step, m), acc);
                return;
            }
            for (long i = 0; i < n; i++) y[i * sy] = ReduceStrided(x + i * sx);
        }

        private T ReduceStrided(T* x)
        {
            var sizes = inner.Sizes;
            var strides = inner.Strides;
            int rank = sizes.Length, last = rank - 1;
            Span<long> index = stackalloc long[rank];
            T acc = x[0];
            bool first = true;
            T* p = x;
            while (true)
            {
                long len = sizes[last], s = strides[last];
                for (long j = first ? 1 : 0; j < len; j++) acc = TR.Combine(acc, p[j * s]);
                first = false;
                int d = last - 1;
                for (; d >= 0; d--)
                {
                    index[d]++;
                    p += strides[d];
                    if (index[d] < sizes[d]) break;
                    p -= sizes[d] * strides[d];
                    index[d] = 0;
                }
                if (d < 0) return acc;
            }
        }
    }

    public void ArgReduce(ReduceOp op, Strided values, Strided indices, Strided src)
    {
        using var alive = new OperandsAlive(src.Storage);
        switch (src.DType)
        {
            case DType.Float32: ArgReduce<float>(op, values, indices, src); break;
            case DType.Float64: ArgReduce<double>(op, values, indices, src); break;
            case DType.Int32: ArgReduce<int>(op, values, indices, src); break;
            case DType.Int64: ArgReduce<long>(op, values, indices, src); break;
            default: ArgReduce<byte>(op, values, indices, src); break;
        }
    }

    private static void ArgReduce<T>(ReduceOp op, Strided values, Strided indices, Strided src) where T : unmanaged, INumber<T>
    {
        int keep = src.Rank - 1;
        var outer = src.WithLayout(values.Shape, src.Strides[..keep]);
        var kernel = new ArgRows<T>(op == ReduceOp.Max, src.Shape[keep], src.Strides[keep]);
        StridedLoop.Run(kernel, values.Shape, [values, indices, outer], src.Shape[keep]);
    }

    private readonly struct ArgRows<T>(bool max, long length, long step) : IRowKernel where T : unmanaged, INumber<T>
    {
        public void Row(long n, byte** ptr, long* stride)
        {
            T* v = (T*)ptr[0];
            long* ix = (long*)ptr[1];
            T* x = (T*)ptr[2];
            long sv = stride[0] / sizeof(T), si = stride[1] / sizeof(long), sx = stride[2] / sizeof(T);
            for (long i = 0; i < n; i++)
            {
                T* row = x + i * sx;
                T best = row[0];
                long bestAt = 0;
                // The first NaN wins (it is the max and the min, as in PyTorch); otherwise the first extreme.
                if (!T.IsNaN(best))
                {
                    for (long j = 1; j < length; j++)
                    {
                        T e = row[j * step];
                        if (T.IsNaN(e)) { best = e; bestAt = j; break; }
                        if (max ? e > best : e < best) { best = e; bestAt = j; }
                    }
                }
                v[i * sv] = best;
                ix[i * si] = bestAt;
            }
        }
    }

    public void CumSum(Strided dst, Strided src)
    {
        using var alive = new OperandsAlive(src.Storage);
        switch (src.DType)
        {
            case DType.Float32: CumSum<float>(dst, src); break;
            case DType.Float64: CumSum<double>(dst, src); break;
            case DType.Int32: CumSum<int>(dst, src); break;
            case DType.Int64: CumSum<long>(dst, src); break;
            default: throw Unsupported("CumSum", src.DType);
        }
    }

    private static void CumSum<T>(Strided dst, Strided src) where T : unmanaged, INumber<T>
    {
        int keep = src.Rank - 1;
        long length = src.Shape[keep];
        if (length == 0) return;
        var outShape = src.Shape[..keep];
        var d = dst.WithLayout(outShape, dst.Strides[..keep]);
        var s = src.WithLayout(outShape, src.Strides[..keep]);
        StridedLoop.Run(new CumSumRows<T>(length, dst.Strides[keep], src.Strides[keep]), outShape, [d, s], length);
    }

    private readonly struct CumSumRows<T>(long length, long dstStep, long srcStep) : IRowKernel where T : unmanaged, INumber<T>
    {
        public void Row(long n, byte** ptr, long* stride)
        {
            T* y = (T*)ptr[0];
            T* x = (T*)ptr[1];
            long sy = stride[0] / sizeof(T), sx = stride[1] / sizeof(T);
            for (long i = 0; i < n; i++)
            {
                T acc = T.Zero;
                T* yr = y + i * sy, xr = x + i * sx;
                for (long j = 0; j < length; j++)
                {
                    acc += xr[j * srcStep];
                    yr[j * dstStep] = acc;
                }
            }
        }
    }

    public void Softmax(Strided dst, Strided src, bool log)
    {
        using var alive = new OperandsAlive(src.Storage);
        switch (src.DType)
        {
            case DType.Float32: Softmax<float>(dst, src, log); break;
            case DType.Float64: Softmax<double>(dst, src, log); break;
            default: throw Unsupported(log ? "LogSoftmax" : "Softmax", src.DType);
        }
    }

    private static void Softmax<T>(Strided dst, Strided src, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int keep = src.Rank - 1;
        long length = src.Shape[keep];
        if (length == 0) return;
        var outShape = src.Shape[..keep];
        var d = dst.WithLayout(outShape, dst.Strides[..keep]);
        var s = src.WithLayout(outShape, src.Strides[..keep]);
        StridedLoop.Run(new SoftmaxRows<T>(length, dst.Strides[keep], src.Strides[keep], log), outShape, [d, s], length * 4);
    }

    private readonly struct SoftmaxRows<T>(long length, long dstStep, long srcStep, bool log) : IRowKernel where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Row(long n, byte** ptr, long* stride)
        {
            T* y = (T*)ptr[0];
            T* x = (T*)ptr[1];
            long sy = stride[0] / sizeof(T), sx = stride[1] / sizeof(T);
            for (long i = 0; i < n; i++)
            {
                T* yr = y + i * sy, xr = x + i * sx;
                if (dstStep == 1 && srcStep == 1 && length <= int.MaxValue) ContiguousRow(new ReadOnlySpan<T>(xr, (int)length), new Span<T>(yr, (int)length));
                else StridedRow(xr, yr);
            }
        }

        private void ContiguousRow(ReadOnlySpan<T> x, Span<T> y)
        {
            // Subtracting the max keeps exp from overflowing; an all -inf row gives NaN, as in PyTorch.
            T max = System.Numerics.Tensors.TensorPrimitives.Max(x);
            if (typeof(T) == typeof(float) && FloatExp.IsSupported)
            {
                FloatRow(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y), Unsafe.As<T, float>(ref max));
                return;
            }
            System.Numerics.Tensors.TensorPrimitives.Subtract(x, max, y);
            if (log)
            {
                System.Numerics.Tensors.TensorPrimitives.Subtract(y, T.Log(SumExp(y)), y);
            }
            else
            {
                ExpOp<T>.Invoke(y, y, T.Zero, T.Zero);
                System.Numerics.Tensors.TensorPrimitives.Multiply(y, T.One / System.Numerics.Tensors.TensorPrimitives.Sum(y), y);
            }
        }

        // Float32 rows: exp, shift and sum in one pass; the normalization multiplies by 1/sum, as PyTorch's CPU kernel.
        private void FloatRow(ReadOnlySpan<float> x, Span<float> y, float max)
        {
            if (log)
            {
                float lse = MathF.Log(FloatExp.ExpShiftedSum(x, max, default));
                System.Numerics.Tensors.TensorPrimitives.Subtract(x, max, y);
                System.Numerics.Tensors.TensorPrimitives.Subtract(y, lse, y);
            }
            else
            {
                float sum = FloatExp.ExpShiftedSum(x, max, y);
                System.Numerics.Tensors.TensorPrimitives.Multiply(y, 1 / sum, y);
            }
        }

        // Σ e^y over a row whose values must stay, through a small stack buffer (x may be y itself).
        private static T SumExp(ReadOnlySpan<T> y)
        {
            const int Block = 256;
            Span<T> buffer = stackalloc T[Block];
            T sum = T.Zero;
            for (int i = 0; i < y.Length; i += Block)
            {
                var part = buffer[..Math.Min(Block, y.Length - i)];
                ExpOp<T>.Invoke(y.Slice(i, part.Length), part, T.Zero, T.Zero);
                sum += System.Numerics.Tensors.TensorPrimitives.Sum<T>(part);
            }
            return sum;
        }

        private void StridedRow(T* x, T* y)
        {
            T max = x[0];
            for (long j = 1; j < length; j++) max = T.Max(max, x[j * srcStep]);
            T sum = T.Zero;
            for (long j = 0; j < length; j++) sum += T.Exp(x[j * srcStep] - max);
            if (log)
            {
                T lse = T.Log(sum);
                for (long j = 0; j < length; j++) y[j * dstStep] = x[j * srcStep] - max - lse;
            }
            else
            {
                for (long j = 0; j < length; j++) y[j * dstStep] = T.Exp(x[j * srcStep] - max) / sum;
            }
        }
    }
}

using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace CudaTensor.Backends.Cpu;

// Fused scaled dot-product attention, blocked: each batch-and-head slice is cut into blocks of QueryBlock query rows;
// a block's scores [rows, keys] live in a per-thread scratch that stays in cache, so the [L, S] matrix of a slice never
// exists in memory. The products of a block (q·kᵀ, p·v and, backward, dO·vᵀ, ds·k, dsᵀ·q, pᵀ·dO) are GEMM calls on
// strided pointers (transposes without copies); softmax rows use TensorPrimitives. Slices are spread over the CPU
// workers; a slice's dk and dv accumulate over its query blocks on one thread, so nothing races. Under the causal
// mask a block reads only the keys up to its last row.
internal sealed unsafe partial class CpuBackend : IFusedAttention
{
    /// <summary>Query rows per block: 64 rows of a 256-key score block take 64 KiB of float32.</summary>
    private const int QueryBlock = 64;

    public bool SupportsAttention(DType dtype, long batch, long headDim, long valueDim)
        => dtype is DType.Float32 or DType.Float64;

    public void AttentionForward(Strided output, Strided logSumExp, Strided q, Strided k, Strided v, Strided? bias, bool causal, double scale)
    {
        using var alive = new OperandsAlive(q.Storage, k.Storage, v.Storage, bias?.Storage);
        switch (q.DType)
        {
            case DType.Float32: Attention<float>(new AttentionJob(output, logSumExp, q, k, v, bias, causal, scale, null, null, null, null, null)); break;
            case DType.Float64: Attention<double>(new AttentionJob(output, logSumExp, q, k, v, bias, causal, scale, null, null, null, null, null)); break;
            default: throw Unsupported("ScaledDotProductAttention", q.DType);
        }
    }

    public void AttentionBackward(Strided dq, Strided dk, Strided dv, Strided dOutput, Strided q, Strided k, Strided v, Strided logSumExp, Strided delta,
        Strided? bias, bool causal, double scale)
    {
        using var alive = new OperandsAlive(dOutput.Storage, q.Storage, k.Storage, v.Storage);
        using var aliveToo = new OperandsAlive(logSumExp.Storage, delta.Storage, bias?.Storage);
        var job = new AttentionJob(dOutput, logSumExp, q, k, v, bias, causal, scale, dq, dk, dv, delta, dOutput);
        switch (q.DType)
        {
            case DType.Float32: Attention<float>(job); break;
            case DType.Float64: Attention<double>(job); break;
            default: throw Unsupported("ScaledDotProductAttentionBackward", q.DType);
        }
    }

    /// <summary>The operands of one forward (Dq null) or backward call, as addresses.</summary>
    private readonly struct AttentionJob(Strided output, Strided lse, Strided q, Strided k, Strided v, Strided? bias, bool causal, double scale,
        Strided? dq, Strided? dk, Strided? dv, Strided? delta, Strided? dOutput)
    {
        public readonly nint Output = (nint)Address(output), Lse = (nint)Address(lse), Q = (nint)Address(q), K = (nint)Address(k), V = (nint)Address(v);
        public readonly nint Bias = bias is { } b ? (nint)Address(b) : 0;
        public readonly long BiasN2 = bias is { } b2 ? Math.Max(1, b2.Shape[1]) : 1, BiasS1 = bias?.Strides[0] ?? 0, BiasS2 = bias?.Strides[1] ?? 0,
            BiasSL = bias?.Strides[2] ?? 0, BiasSS = bias?.Strides[3] ?? 0;
        public readonly long N = q.Shape[0], L = q.Shape[1], S = k.Shape[1], E = q.Shape[2], Ev = v.Shape[2];
        public readonly bool Causal = causal, Backward = dq is not null;
        public readonly double Scale = scale;
        public readonly nint Dq = dq is { } a ? (nint)Address(a) : 0, Dk = dk is { } c ? (nint)Address(c) : 0, Dv = dv is { } d ? (nint)Address(d) : 0;
        public readonly nint Delta = delta is { } e ? (nint)Address(e) : 0, DOut = dOutput is { } f ? (nint)Address(f) : 0;
    }

    private static void Attention<T>(in AttentionJob job) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (job.N == 0) return;
        // Work per slice ~ L·S·(E + Ev) multiply-adds.
        int chunks = RowRange.Chunks(job.N, job.L * job.S * (job.E + job.Ev), 1);
        RowRange.Run(new AttentionSlices<T>(job), job.N, chunks);
    }

    private readonly struct AttentionSlices<T>(AttentionJob job) : IRowRangeKernel where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Rows(long start, long end, int chunk)
        {
            int block = (int)Math.Min(QueryBlock, Math.Max(job.L, 1));
            // Pooled: a step's calls reuse the same score blocks instead of allocating (doubles of 256 keys reach the large-object heap).
            var p = ArrayPool<T>.Shared.Rent((int)(block * job.S));
            var dp = job.Backward ? ArrayPool<T>.Shared.Rent((int)(block * job.S)) : null;
            try
            {
                fixed (T* pp = p, pdp = dp)
                {
                    for (long n = start; n < end; n++)
                    {
                        if (job.Backward) BackwardSlice(n, pp, pdp, block);
                        else ForwardSlice(n, pp, block);
                    }
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(p);
                if (dp is not null) ArrayPool<T>.Shared.Return(dp);
            }
        }

        private void ForwardSlice(long n, T* p, int block)
        {
            long l = job.L, s = job.S, e = job.E, ev = job.Ev;
            T* q = (T*)job.Q + n * l * e, k = (T*)job.K + n * s * e, v = (T*)job.V + n * s * ev, o = (T*)job.Output + n * l * ev, lse = (T*)job.Lse + n * l;
            for (long i0 = 0; i0 < l; i0 += block)
            {
                int rows = (int)Math.Min(block, l - i0);
                int keys = KeysOf(i0, rows);
                if (keys == 0)
                {
                    new Span<T>(o + i0 * ev, rows * (int)ev).Clear();
                    new Span<T>(lse + i0, rows).Fill(T.PositiveInfinity);
                    continue;
                }
                Scores(n, i0, rows, keys, q, k, p);
                for (int r = 0; r < rows; r++)
                {
                    var row = new Span<T>(p + r * keys, keys);
                    T m = TensorPrimitives.Max<T>(row);
                    if (m == T.NegativeInfinity)
                    {
                        row.Clear();
                        lse[i0 + r] = T.PositiveInfinity;
                        continue;
                    }
                    TensorPrimitives.Subtract(row, m, row);
                    TensorPrimitives.Exp<T>(row, row);
                    T sum = TensorPrimitives.Sum<T>(row);
                    TensorPrimitives.Multiply(row, T.One / sum, row);
                    lse[i0 + r] = m + T.Log(sum);
                }
                Gemm.Run<T>(rows, (int)ev, keys, p, keys, 1, v, ev, 1, o + i0 * ev, ev, T.One, T.Zero);
            }
        }

        private void BackwardSlice(long n, T* p, T* dp, int block)
        {
            long l = job.L, s = job.S, e = job.E, ev = job.Ev;
            T* q = (T*)job.Q + n * l * e, k = (T*)job.K + n * s * e, v = (T*)job.V + n * s * ev, lse = (T*)job.Lse + n * l, delta = (T*)job.Delta + n * l;
            T* g = (T*)job.DOut + n * l * ev, dq = (T*)job.Dq + n * l * e, dk = (T*)job.Dk + n * s * e, dv = (T*)job.Dv + n * s * ev;
            new Span<T>(dk, (int)(s * e)).Clear();
            new Span<T>(dv, (int)(s * ev)).Clear();
            T sc = T.CreateChecked(job.Scale);
            for (long i0 = 0; i0 < l; i0 += block)
            {
                int rows = (int)Math.Min(block, l - i0);
                int keys = KeysOf(i0, rows);
                if (keys == 0)
                {
                    new Span<T>(dq + i0 * e, rows * (int)e).Clear();
                    continue;
                }
                // p = exp(score - lse), recomputed; a row with lse = +inf (no key) gets p = 0.
                Scores(n, i0, rows, keys, q, k, p);
                for (int r = 0; r < rows; r++)
                {
                    var row = new Span<T>(p + r * keys, keys);
                    TensorPrimitives.Subtract(row, lse[i0 + r], row);
                    TensorPrimitives.Exp<T>(row, row);
                }
                // dp = dO·vᵀ, then ds = p ⊙ (dp - δ) in place.
                Gemm.Run<T>(rows, keys, (int)ev, g + i0 * ev, ev, 1, v, 1, ev, dp, keys, T.One, T.Zero);
                for (int r = 0; r < rows; r++)
                {
                    var row = new Span<T>(dp + r * keys, keys);
                    TensorPrimitives.Subtract(row, delta[i0 + r], row);
                    TensorPrimitives.Multiply(row, new ReadOnlySpan<T>(p + r * keys, keys), row);
                }
                Gemm.Run<T>(rows, (int)e, keys, dp, keys, 1, k, e, 1, dq + i0 * e, e, sc, T.Zero);
                Gemm.Run<T>(keys, (int)e, rows, dp, 1, keys, q + i0 * e, e, 1, dk, e, sc, T.One);
                Gemm.Run<T>(keys, (int)ev, rows, p, 1, keys, g + i0 * ev, ev, 1, dv, ev, T.One, T.One);
            }
        }

        // Keys a block of rows [i0, i0 + rows) reads: all, or under the causal mask those up to its last row.
        private int KeysOf(long i0, int rows) => (int)(job.Causal ? Math.Min(job.S, i0 + rows) : job.S);

        // p[r, j] = q_i·k_j·scale + bias (−∞ where the causal mask hides j) for the block's rows and its keys.
        private void Scores(long n, long i0, int rows, int keys, T* q, T* k, T* p)
        {
            long e = job.E;
            Gemm.Run<T>(rows, keys, (int)e, q + i0 * e, e, 1, k, 1, e, p, keys, T.CreateChecked(job.Scale), T.Zero);
            if (job.Bias != 0)
            {
                T* b = (T*)job.Bias + (n / job.BiasN2) * job.BiasS1 + (n % job.BiasN2) * job.BiasS2;
                for (int r = 0; r < rows; r++)
                {
                    T* br = b + (i0 + r) * job.BiasSL;
                    T* pr = p + r * keys;
                    if (job.BiasSS == 1) TensorPrimitives.Add(new ReadOnlySpan<T>(pr, keys), new ReadOnlySpan<T>(br, keys), new Span<T>(pr, keys));
                    else for (int j = 0; j < keys; j++) pr[j] += br[j * job.BiasSS];
                }
            }
            if (job.Causal)
            {
                for (int r = 0; r < rows; r++)
                {
                    long first = i0 + r + 1;
                    if (first < keys) new Span<T>(p + r * keys + first, keys - (int)first).Fill(T.NegativeInfinity);
                }
            }
        }
    }
}

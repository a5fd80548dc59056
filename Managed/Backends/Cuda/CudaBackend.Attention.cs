namespace CudaTensor.Backends.Cuda;

// Fused scaled dot-product attention (attention.cu). Grids are (row blocks, N): one block per 32 query rows (forward, dq)
// or 32 key rows (dk/dv) of one batch-and-head. The kernel bound D is the smallest compiled one that holds E and Ev.
internal sealed unsafe partial class CudaBackend : IFusedAttention
{
    public bool SupportsAttention(DType dtype, long batch, long headDim, long valueDim)
        => dtype is DType.Float32 or DType.Float64 && batch <= MaxGridY && Math.Max(headDim, valueDim) <= CudaKernels.AttentionHeadDims[^1];

    private const long MaxGridY = 65535;

    public void AttentionForward(Strided output, Strided logSumExp, Strided q, Strided k, Strided v, Strided? bias, bool causal, double scale)
    {
        var (n, l, s, e, ev) = AttentionSizes(q, k, v);
        if (n == 0 || l == 0) return;
        long bound = HeadBound(e, ev);
        nint stream = Begin();
        ulong po = Ptr(output, stream), plse = Ptr(logSumExp, stream), pq = Ptr(q, stream), pk = Ptr(k, stream), pv = Ptr(v, stream);
        var b = BiasArgs(bias, stream);
        int c = causal ? 1 : 0;
        LaunchGrid(Kernel(CudaKernels.AttentionProgram, q.DType, CudaKernels.AttentionForward(bound)), RowGrid(l, n), CudaKernels.AttentionThreads, stream,
            [(nint)(&po), (nint)(&plse), (nint)(&pq), (nint)(&pk), (nint)(&pv), (nint)(&b.P), (nint)(&b.N2), (nint)(&b.S1), (nint)(&b.S2), (nint)(&b.SL),
             (nint)(&b.SS), (nint)(&l), (nint)(&s), (nint)(&e), (nint)(&ev), (nint)(&c), (nint)(&scale)]);
    }

    public void AttentionBackward(Strided dq, Strided dk, Strided dv, Strided dOutput, Strided q, Strided k, Strided v, Strided logSumExp, Strided delta,
        Strided? bias, bool causal, double scale)
    {
        var (n, l, s, e, ev) = AttentionSizes(q, k, v);
        if (n == 0) return;
        long bound = HeadBound(e, ev);
        nint stream = Begin();
        ulong pdq = Ptr(dq, stream), pdk = Ptr(dk, stream), pdv = Ptr(dv, stream), pg = Ptr(dOutput, stream), pq = Ptr(q, stream), pk = Ptr(k, stream),
            pv = Ptr(v, stream), plse = Ptr(logSumExp, stream), pd = Ptr(delta, stream);
        var b = BiasArgs(bias, stream);
        int c = causal ? 1 : 0;
        if (l > 0)
        {
            LaunchGrid(Kernel(CudaKernels.AttentionProgram, q.DType, CudaKernels.AttentionBackwardDq(bound)), RowGrid(l, n), CudaKernels.AttentionThreads, stream,
                [(nint)(&pdq), (nint)(&pg), (nint)(&pq), (nint)(&pk), (nint)(&pv), (nint)(&plse), (nint)(&pd), (nint)(&b.P), (nint)(&b.N2), (nint)(&b.S1),
                 (nint)(&b.S2), (nint)(&b.SL), (nint)(&b.SS), (nint)(&l), (nint)(&s), (nint)(&e), (nint)(&ev), (nint)(&c), (nint)(&scale)]);
        }
        if (s > 0)
        {
            // With no queries (L = 0) the kernel's loop is empty and it writes zeros.
            LaunchGrid(Kernel(CudaKernels.AttentionProgram, q.DType, CudaKernels.AttentionBackwardDkDv(bound)), RowGrid(s, n), CudaKernels.AttentionThreads, stream,
                [(nint)(&pdk), (nint)(&pdv), (nint)(&pg), (nint)(&pq), (nint)(&pk), (nint)(&pv), (nint)(&plse), (nint)(&pd), (nint)(&b.P), (nint)(&b.N2),
                 (nint)(&b.S1), (nint)(&b.S2), (nint)(&b.SL), (nint)(&b.SS), (nint)(&l), (nint)(&s), (nint)(&e), (nint)(&ev), (nint)(&c), (nint)(&scale)]);
        }
    }

    private static (long N, long L, long S, long E, long Ev) AttentionSizes(Strided q, Strided k, Strided v)
        => (q.Shape[0], q.Shape[1], k.Shape[1], q.Shape[2], v.Shape[2]);

    private static long HeadBound(long e, long ev)
    {
        long need = Math.Max(e, ev);
        foreach (long d in CudaKernels.AttentionHeadDims)
        {
            if (need <= d) return d;
        }
        throw new NotSupportedException($"ScaledDotProductAttention: head dims {e} and {ev} exceed the fused kernels' bound {CudaKernels.AttentionHeadDims[^1]}; the op layer must compose it.");
    }

    private static (uint X, uint Y, uint Z) RowGrid(long rows, long n)
    {
        if (n > MaxGridY) throw new NotSupportedException($"ScaledDotProductAttention: {n} batch-and-head slices exceed the fused kernels' grid (65535); the op layer must compose it.");
        return ((uint)((rows + CudaKernels.AttentionRows - 1) / CudaKernels.AttentionRows), (uint)n, 1);
    }

    private struct AttentionBias
    {
        public ulong P;
        public long N2, S1, S2, SL, SS;
    }

    private static AttentionBias BiasArgs(Strided? bias, nint stream)
    {
        if (bias is not { } b) return new AttentionBias { N2 = 1 };
        return new AttentionBias { P = Ptr(b, stream), N2 = Math.Max(1, b.Shape[1]), S1 = b.Strides[0], S2 = b.Strides[1], SL = b.Strides[2], SS = b.Strides[3] };
    }
}

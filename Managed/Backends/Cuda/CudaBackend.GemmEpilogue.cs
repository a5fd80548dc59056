using CudaTensor.Native;
using CudaTensor.Ops;

namespace CudaTensor.Backends.Cuda;

/// <summary>
/// GEMM epilogues through cuBLASLt: a product followed by a bias over its columns and/or ReLU or tanh-GELU is one
/// cublasLtMatmul with CUBLASLT_EPILOGUE_BIAS, RELU(_BIAS) or GELU(_BIAS). Row-major C = A B is computed as the
/// column-major Cᵀ = Bᵀ Aᵀ (as <see cref="MatMul"/> does), so the bias over C's columns is cuBLASLt's bias over
/// the rows of D. Other epilogues (exact GELU, SiLU, residuals, scales, stored intermediates), and products cuBLASLt
/// declines, answer false: the caller runs the product and one fused elementwise kernel. Plans (descriptor,
/// layouts, algorithm) are kept per shape; no workspace is used, so a captured CUDA graph can replay the call.
/// </summary>
internal sealed unsafe partial class CudaBackend : IGemmEpilogue
{
    private static readonly Lock s_ltLock = new();
    private static readonly Dictionary<int, CublasLtHandle> s_ltHandles = [];
    private static readonly Dictionary<LtKey, LtPlan?> s_ltPlans = [];

    private readonly record struct LtKey(int Ordinal, DType DType, bool Tf32, CublasOperation OpA, CublasOperation OpB, long M, long N, long K, long Lda, long Ldb, CublasLtEpilogue Epilogue);

    private sealed class LtPlan(CublasLtMatmulDescHandle desc, CublasLtMatrixLayoutHandle a, CublasLtMatrixLayoutHandle b, CublasLtMatrixLayoutHandle d, CublasLtMatmulAlgo algo)
    {
        public CublasLtMatmulDescHandle Desc { get; } = desc;
        public CublasLtMatrixLayoutHandle A { get; } = a;
        public CublasLtMatrixLayoutHandle B { get; } = b;
        public CublasLtMatrixLayoutHandle D { get; } = d;
        public CublasLtMatmulAlgo Algo { get; } = algo;
    }

    /// <inheritdoc/>
    public bool TryMatMulEpilogue(Strided dst, Strided a, Strided b, GemmEpilogue epilogue)
    {
        ArgumentNullException.ThrowIfNull(epilogue);
        if (dst.DType is not (DType.Float32 or DType.Float64) || !dst.IsContiguous || dst.Rank != 3 || LtEpilogue(epilogue, dst.DType) is not var (kind, bias))
            return false;
        long batch = dst.Shape[0], m = dst.Shape[1], n = dst.Shape[2], k = a.Shape[2];
        if (batch == 0 || m == 0 || n == 0 || k == 0) return false;
        // Batches become rows when B is shared and A's batches follow each other as rows.
        long rows = batch * m;
        if (batch > 1 && (b.Strides[0] != 0 || a.Strides[2] != 1 || a.Strides[0] != m * a.Strides[1])) return false;
        if (BlasOperand(rows, k, a.Strides[1], a.Strides[2]) is not var (opA, lda) || BlasOperand(k, n, b.Strides[1], b.Strides[2]) is not var (opB, ldb))
            return false;

        bool f32 = dst.DType == DType.Float32;
        var key = new LtKey(_device.Ordinal, dst.DType, f32 && AllowTf32, opA, opB, rows, n, k, lda, ldb, kind);
        nint stream = Begin();
        lock (s_ltLock)
        {
            ulong pbias = bias is { } bv ? Ptr(bv, stream) : 0;
            if (pbias % 16 != 0) return false; // cuBLASLt reads the bias vector in aligned loads
            var handle = LtHandle();
            if (!s_ltPlans.TryGetValue(key, out var plan))
            {
                plan = CreatePlan(handle, key, pbias);
                s_ltPlans[key] = plan;
            }
            if (plan is null) return false;
            if (pbias != 0) CublasLt.SetBias(plan.Desc, pbias);
            ulong pa = Ptr(a, stream), pb = Ptr(b, stream), pd = Ptr(dst, stream);
            float alphaF = 1, betaF = 0;
            double alphaD = 1, betaD = 0;
            nint alpha = f32 ? (nint)(&alphaF) : (nint)(&alphaD), beta = f32 ? (nint)(&betaF) : (nint)(&betaD);
            // Column-major D (n x rows) = op(B)ᵀ-view (n x k) times op(A)ᵀ-view (k x rows); C is D (beta = 0).
            CublasLt.Matmul(handle, plan.Desc, alpha, pb, plan.A, pa, plan.B, beta, pd, plan.D, pd, plan.D, plan.Algo, 0, 0, stream);
        }
        return true;
    }

    /// <summary>The cuBLASLt epilogue for <paramref name="epilogue"/> and its bias, or null when there is none.</summary>
    private static (CublasLtEpilogue Kind, Strided? Bias)? LtEpilogue(GemmEpilogue epilogue, DType dtype)
    {
        var steps = epilogue.Steps;
        int i = 0;
        Strided? bias = null;
        if (i < steps.Length && steps[i] is { Kind: GemmEpilogueStepKind.Binary, BinaryOp: BinaryOp.Add } s && s.IsColumnBias && s.Operand!.Value.DType == dtype)
        {
            bias = s.Operand;
            i++;
        }
        CublasLtEpilogue kind = bias is null ? CublasLtEpilogue.Default : CublasLtEpilogue.Bias;
        if (i < steps.Length && steps[i].Kind == GemmEpilogueStepKind.Unary)
        {
            // cuBLASLt's GELU is the tanh form; exact (erf) GELU and SiLU are not among its epilogues.
            kind = steps[i].UnaryOp switch
            {
                UnaryOp.Relu => bias is null ? CublasLtEpilogue.Relu : CublasLtEpilogue.ReluBias,
                UnaryOp.GeluTanh => bias is null ? CublasLtEpilogue.Gelu : CublasLtEpilogue.GeluBias,
                _ => kind,
            };
            if (kind is CublasLtEpilogue.Relu or CublasLtEpilogue.ReluBias or CublasLtEpilogue.Gelu or CublasLtEpilogue.GeluBias) i++;
        }
        return i == steps.Length && kind != CublasLtEpilogue.Default ? (kind, bias) : null;
    }

    private CublasLtHandle LtHandle()
    {
        if (!s_ltHandles.TryGetValue(_device.Ordinal, out var handle))
        {
            _device.MakeCurrent();
            handle = CublasLt.Create();
            s_ltHandles[_device.Ordinal] = handle;
        }
        return handle;
    }

    // The plan of one product shape, or null when cuBLASLt has no algorithm for it (the caller falls back).
    // The bias pointer of the first call is set before the heuristic, which validates the epilogue with it.
    private static LtPlan? CreatePlan(CublasLtHandle handle, LtKey key, ulong bias)
    {
        bool f32 = key.DType == DType.Float32;
        var type = f32 ? CudaDataType.Float32 : CudaDataType.Float64;
        var compute = f32 ? (key.Tf32 ? CublasComputeType.Float32FastTf32 : CublasComputeType.Float32) : CublasComputeType.Float64;
        var owned = new List<IDisposable>();
        try
        {
            var desc = CublasLt.CreateMatmulDesc(compute, type);
            owned.Add(desc);
            // cuBLASLt's A is our B and its B is our A (the swapped column-major product).
            CublasLt.SetAttribute(desc, CublasLtMatmulDescAttribute.TransA, (int)key.OpB);
            CublasLt.SetAttribute(desc, CublasLtMatmulDescAttribute.TransB, (int)key.OpA);
            CublasLt.SetEpilogue(desc, key.Epilogue);
            if (bias != 0) CublasLt.SetBias(desc, bias);
            // Layouts describe the stored matrices, before their op.
            var la = key.OpB == CublasOperation.None
                ? CublasLt.CreateMatrixLayout(type, (ulong)key.N, (ulong)key.K, key.Ldb)
                : CublasLt.CreateMatrixLayout(type, (ulong)key.K, (ulong)key.N, key.Ldb);
            owned.Add(la);
            var lb = key.OpA == CublasOperation.None
                ? CublasLt.CreateMatrixLayout(type, (ulong)key.K, (ulong)key.M, key.Lda)
                : CublasLt.CreateMatrixLayout(type, (ulong)key.M, (ulong)key.K, key.Lda);
            owned.Add(lb);
            var ld = CublasLt.CreateMatrixLayout(type, (ulong)key.N, (ulong)key.M, key.N);
            owned.Add(ld);
            using var preference = CublasLt.CreatePreference(0);
            var result = CublasLt.GetHeuristic(handle, desc, la, lb, ld, ld, preference);
            return new LtPlan(desc, la, lb, ld, result.Algo);
        }
        catch (CublasException e) when (e.Status is CublasStatus.CUBLAS_STATUS_NOT_SUPPORTED or CublasStatus.CUBLAS_STATUS_INVALID_VALUE)
        {
            foreach (var o in owned) o.Dispose();
            return null;
        }
    }
}

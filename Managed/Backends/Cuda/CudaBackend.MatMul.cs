using System.Runtime.InteropServices;
using CudaTensor.Native;

namespace CudaTensor.Backends.Cuda;

/// <summary>
/// Matrix products through cuBLAS on the current stream. cuBLAS is column-major; a row-major C = A B is computed as the
/// column-major Cᵀ = Bᵀ Aᵀ, which is the same memory: the operands are swapped, never copied. A transposed view (unit
/// stride along rows) is handed over as a transpose; only operands with no unit stride are copied. Batches use the
/// strided-batched GEMM (a batch stride of 0 broadcasts). float32 may use TF32 tensor cores when
/// <see cref="CudaTensor.Cuda.AllowTf32"/> is set; float64 uses DGEMM precision. Integer products use a simple kernel.
/// </summary>
internal sealed unsafe partial class CudaBackend
{
    // The storage of the public switch Cuda.AllowTf32, which forwards here: the backend that reads it owns it.
    private static volatile bool s_allowTf32;

    /// <summary>Whether float32 products may use TF32 tensor cores (set through <see cref="CudaTensor.Cuda.AllowTf32"/>).</summary>
    internal static bool AllowTf32
    {
        get => s_allowTf32;
        set => s_allowTf32 = value;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MatMulDims
    {
        public long Batch, M, N, K, Sab, Sam, Sak, Sbb, Sbk, Sbn, Scb, Scm, Scn;
    }

    public void MatMul(Strided dst, Strided a, Strided b)
    {
        long batch = dst.Shape[0], m = dst.Shape[1], n = dst.Shape[2], k = a.Shape[2];
        if (batch == 0 || m == 0 || n == 0) return;
        if (k == 0)
        {
            Fill(dst, 0);
            return;
        }
        switch (dst.DType)
        {
            case DType.Float32 or DType.Float64: MatMulBlas(dst, a, b, batch, m, n, k); break;
            case DType.Int32 or DType.Int64: MatMulInteger(dst, a, b, batch, m, n, k); break;
            default: throw Unsupported("MatMul", dst.DType);
        }
    }

    private void MatMulInteger(Strided dst, Strided a, Strided b, long batch, long m, long n, long k)
    {
        nint stream = Begin();
        ulong pc = Ptr(dst, stream), pa = Ptr(a, stream), pb = Ptr(b, stream);
        var d = new MatMulDims
        {
            Batch = batch, M = m, N = n, K = k,
            Sab = a.Strides[0], Sam = a.Strides[1], Sak = a.Strides[2],
            Sbb = b.Strides[0], Sbk = b.Strides[1], Sbn = b.Strides[2],
            Scb = dst.Strides[0], Scm = dst.Strides[1], Scn = dst.Strides[2],
        };
        nint f = Kernel("matmul_int.cu", dst.DType, "ct_matmul_int");
        Launch(f, batch * m * n, stream, [(nint)(&pc), (nint)(&pa), (nint)(&pb), (nint)(&d)]);
    }

    /// <summary>
    /// How a row-major rows x cols view with strides (rowStride, colStride) looks to column-major cuBLAS: unit column stride
    /// means it is the column-major transpose with leading dimension rowStride (op N in the swapped product); unit row
    /// stride means it is column-major itself (op T). Null when neither holds.
    /// </summary>
    internal static (CublasOperation Op, long Ld)? BlasOperand(long rows, long cols, long rowStride, long colStride)
    {
        if ((colStride == 1 || cols == 1) && (rows == 1 || rowStride >= Math.Max(1, cols)))
            return (CublasOperation.None, rows == 1 ? Math.Max(1, cols) : rowStride);
        if ((rowStride == 1 || rows == 1) && (cols == 1 || colStride >= Math.Max(1, rows)))
            return (CublasOperation.Transpose, cols == 1 ? Math.Max(1, rows) : colStride);
        return null;
    }

    private void MatMulBlas(Strided dst, Strided a, Strided b, long batch, long m, long n, long k)
    {
        var owned = new List<Strided>();
        try
        {
            Strided Usable(Strided x, long rows, long cols)
            {
                if (BlasOperand(rows, cols, x.Strides[1], x.Strides[2]) is not null) return x;
                var copy = Temp((long[])x.Shape.Clone(), x.DType);
                Copy(copy, x);
                owned.Add(copy);
                return copy;
            }
            a = Usable(a, m, k);
            b = Usable(b, k, n);
            // C must be written with unit column stride and non-overlapping batches.
            var c = dst;
            var cOp = BlasOperand(m, n, dst.Strides[1], dst.Strides[2]);
            if (cOp is not { Op: CublasOperation.None } || (batch > 1 && dst.Strides[0] < m * cOp.Value.Ld))
            {
                c = Temp((long[])dst.Shape.Clone(), dst.DType);
                owned.Add(c);
                cOp = (CublasOperation.None, n);
            }
            var (opA, lda) = BlasOperand(m, k, a.Strides[1], a.Strides[2])!.Value;
            var (opB, ldb) = BlasOperand(k, n, b.Strides[1], b.Strides[2])!.Value;

            nint stream = Begin();
            ulong pa = Ptr(a, stream), pb = Ptr(b, stream), pc = Ptr(c, stream);
            bool f32 = dst.DType == DType.Float32;
            var type = f32 ? CudaDataType.Float32 : CudaDataType.Float64;
            var compute = f32 ? (AllowTf32 ? CublasComputeType.Float32FastTf32 : CublasComputeType.Float32) : CublasComputeType.Float64;
            float alphaF = 1, betaF = 0;
            double alphaD = 1, betaD = 0;
            nint alpha = f32 ? (nint)(&alphaF) : (nint)(&alphaD), beta = f32 ? (nint)(&betaF) : (nint)(&betaD);
            lock (_device.BlasLock)
            {
                Cublas.SetStream(_device.Blas, stream);
                // Column-major Cᵀ (n x m) = op(B)ᵀ-view (n x k) times op(A)ᵀ-view (k x m).
                Cublas.GemmStridedBatchedEx(_device.Blas, opB, opA, checked((int)n), checked((int)m), checked((int)k),
                    alpha, pb, type, checked((int)ldb), batch == 1 ? 0 : b.Strides[0],
                    pa, type, checked((int)lda), batch == 1 ? 0 : a.Strides[0],
                    beta, pc, type, checked((int)cOp.Value.Ld), batch == 1 ? 0 : c.Strides[0],
                    checked((int)batch), compute);
            }
            if (!ReferenceEquals(c.Storage, dst.Storage)) Copy(dst, c);
        }
        finally
        {
            foreach (var t in owned) t.Storage.Release();
        }
    }
}

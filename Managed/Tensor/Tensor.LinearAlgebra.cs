using CudaTensor.AutogradEngine;
using CudaTensor.Core;

namespace CudaTensor;

// Matrix products with torch.matmul semantics. Operands go to the backend as strided views: a transposed
// operand is a transpose for the GEMM, not a copy.
public sealed partial class Tensor
{
    /// <summary>
    /// Matrix product like <c>torch.matmul</c>: 1-D·1-D is a dot product (0-d); 2-D·2-D a matrix product;
    /// a 1-D operand is treated as a row (left) or column (right) vector and that dimension is removed from the
    /// result; higher ranks are batches of matrices whose batch dimensions broadcast.
    /// </summary>
    /// <exception cref="ArgumentException">The inner sizes differ, the batch dimensions do not broadcast, or the dtypes differ.</exception>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        a.ThrowIfDisposed(nameof(MatMul));
        b.ThrowIfDisposed(nameof(MatMul));
        if (!Derivatives.Needs(a, b)) return MatMulCore(a, b);
        // The vector promotions inside are implementation details: record one node for the whole product.
        Tensor result;
        using (GradMode.Set(false)) result = MatMulCore(a, b);
        Derivatives.RecordMatMul(result, a, b);
        return result;
    }

    private static Tensor MatMulCore(Tensor a, Tensor b)
    {
        const string op = nameof(MatMul);
        CheckSameDevice(op, a, b);
        if (a.Dim == 0 || b.Dim == 0)
            throw new ArgumentException($"{op}: both operands need at least one dimension, got {a.Describe()} and {b.Describe()}. Use * for scaling by a 0-d tensor.");
        if (a.DType != b.DType)
            throw new ArgumentException($"{op}: expected both operands to have the same dtype, got {a.DType.Name()} and {b.DType.Name()}. Convert one with .To(dtype).");
        if (a.DType == DType.Bool)
            throw new ArgumentException($"{op}: not supported for Bool tensors; convert them with .To(DType.Float32).");

        // Promote vectors to matrices and remember which dimensions to drop afterwards.
        using var am = a.Dim == 1 ? a.Unsqueeze(0) : a.AsStrided(a._shape, a._strides, a.StorageOffset);
        using var bm = b.Dim == 1 ? b.Unsqueeze(1) : b.AsStrided(b._shape, b._strides, b.StorageOffset);
        long m = am._shape[^2], k = am._shape[^1], k2 = bm._shape[^2], n = bm._shape[^1];
        if (k != k2)
            throw new ArgumentException(
                $"{op}: cannot multiply {Shapes.Format(a._shape)} by {Shapes.Format(b._shape)}: inner sizes {k} and {k2} differ.");
        // The broadcast error names only the batch shapes: say which operands they came from.
        var batch = Shapes.Broadcast(am._shape.AsSpan(0, am.Dim - 2), bm._shape.AsSpan(0, bm.Dim - 2),
            $"{op} of {Shapes.Format(a._shape)} by {Shapes.Format(b._shape)}, batch dimensions");
        long batchCount = Shapes.NumElements(batch);

        var fullShape = new List<long>(batch) { m, n };
        var result = Allocate([.. fullShape], a.DType, a.Device);
        if (k == 0) result.Zero();
        else if (result.NumElements > 0)
        {
            Tensor? ta = null, tb = null;
            try
            {
                var la = BatchedLayout(am, batch, batchCount, ref ta);
                var lb = BatchedLayout(bm, batch, batchCount, ref tb);
                var lc = result.Layout.WithLayout([batchCount, m, n], [m * n, n, 1]);
                a.Backend.MatMul(lc, la, lb);
            }
            finally
            {
                ta?.Dispose();
                tb?.Dispose();
            }
        }
        if (a.Dim > 1 && b.Dim > 1) return result;
        // Drop the dimensions added for vector operands.
        var finalShape = new List<long>(batch);
        if (a.Dim > 1) finalShape.Add(m);
        if (b.Dim > 1) finalShape.Add(n);
        using (result) return result.Reshape([.. finalShape]);
    }

    /// <summary>Views a [..batch, r, c] operand as [B, r, c], with stride 0 along broadcast batch dimensions when possible.</summary>
    private static Backends.Strided BatchedLayout(Tensor x, long[] batch, long batchCount, ref Tensor? temp)
    {
        long r = x._shape[^2], c = x._shape[^1];
        long rs = x._strides[^2], cs = x._strides[^1];
        var xBatchShape = x._shape.AsSpan(0, x.Dim - 2);
        var bStrides = Shapes.BroadcastStrides(xBatchShape, x._strides.AsSpan(0, x.Dim - 2), batch, nameof(MatMul));
        // The batch dimensions must collapse into one stride for the backend's [B, r, c] view.
        long? single = CollapseBatch(batch, bStrides);
        if (single is long bs) return x.Layout.WithLayout([batchCount, r, c], [bs, rs, cs]);
        // Irregular batch layout (e.g. a permuted batch): materialise it contiguously, once.
        using var expanded = x.AsStrided([.. batch, r, c], [.. bStrides, rs, cs], x.StorageOffset);
        temp = expanded.Contiguous();
        return temp.Layout.WithLayout([batchCount, r, c], [r * c, c, 1]);
    }

    private static long? CollapseBatch(long[] batch, long[] strides)
    {
        long? stride = null;
        long expected = 0;
        for (int i = batch.Length - 1; i >= 0; i--)
        {
            if (batch[i] == 1) continue;
            if (stride is null)
            {
                stride = strides[i];
                expected = strides[i] * batch[i];
                continue;
            }
            if (strides[i] != expected) return null;
            expected = strides[i] * batch[i];
        }
        return stride ?? 0;
    }

    /// <summary>This matrix times <paramref name="other"/> (see <see cref="MatMul(Tensor, Tensor)"/>).</summary>
    public Tensor MatMul(Tensor other) => MatMul(this, other);

    /// <summary>Batched matrix product of two 3-D tensors [B, n, m] and [B, m, p].</summary>
    public static Tensor Bmm(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Dim != 3 || b.Dim != 3)
            throw new ArgumentException($"{nameof(Bmm)}: expected 3-D tensors, got {a.Describe()} and {b.Describe()}.");
        if (a._shape[0] != b._shape[0])
            throw new ArgumentException($"{nameof(Bmm)}: batch sizes {a._shape[0]} and {b._shape[0]} differ ({Shapes.Format(a._shape)} and {Shapes.Format(b._shape)}).");
        return MatMul(a, b);
    }

    /// <summary>Dot product of two 1-D tensors of the same length (0-d result).</summary>
    public static Tensor Dot(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Dim != 1 || b.Dim != 1)
            throw new ArgumentException($"{nameof(Dot)}: expected 1-D tensors, got {a.Describe()} and {b.Describe()}.");
        if (a._shape[0] != b._shape[0])
            throw new ArgumentException($"{nameof(Dot)}: lengths {a._shape[0]} and {b._shape[0]} differ.");
        return MatMul(a, b);
    }

    /// <summary>Outer product of two 1-D tensors: [n] × [m] → [n, m].</summary>
    public static Tensor Outer(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Dim != 1 || b.Dim != 1)
            throw new ArgumentException($"{nameof(Outer)}: expected 1-D tensors, got {a.Describe()} and {b.Describe()}.");
        using var col = a.Unsqueeze(1);
        using var row = b.Unsqueeze(0);
        return col * row;
    }
}

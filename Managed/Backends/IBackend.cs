using CudaTensor.Ops;

namespace CudaTensor.Backends;

/// <summary>
/// The core primitives every device implements (see docs/backends.md). Ops are defined once above this interface
/// (validation, shapes, dtype promotion, broadcasting, autograd); a backend only runs loops. Fused layers are not
/// here but in optional capabilities (<see cref="IFusedLayerNorm"/>, <see cref="IFusedCrossEntropy"/>,
/// <see cref="IConvolution"/>, <see cref="IFusedOptimizerSteps"/>) that the op layer uses when a backend implements
/// them and composes from these primitives otherwise. Backends are found through <see cref="BackendRegistry"/>. Conventions:
/// <list type="bullet">
/// <item>operands arrive already broadcast to the destination's shape (stride 0 where expanded);</item>
/// <item>operands of elementwise primitives share one dtype unless stated (comparisons write Bool);</item>
/// <item>axis primitives (reduce, arg-reduce, softmax, cumsum) work on the last dimension(s): the op layer
/// permutes views so that the axes in question come last, which costs no copy;</item>
/// <item>destinations may be any strided view, including a view of an input (in-place ops).</item>
/// </list>
/// </summary>
internal partial interface IBackend
{
    Device Device { get; }

    Storage Allocate(long byteLength, bool zeroed);

    /// <summary>dst = src with dtype conversion (Bool conversion maps non-zero to 1).</summary>
    void Copy(Strided dst, Strided src);

    void Fill(Strided dst, Scalar value);

    /// <summary>dst = f(src; p0, p1) for one <see cref="UnaryOp"/>; same dtype in and out.</summary>
    void Unary(UnaryOp op, Strided dst, Strided src, double p0, double p1);

    /// <summary>dst (Bool) = predicate(src).</summary>
    void Predicate(PredicateOp op, Strided dst, Strided src);

    /// <summary>dst = a op b. Comparisons and logical ops write Bool; logical ops read Bool.</summary>
    void Binary(BinaryOp op, Strided dst, Strided a, Strided b);

    /// <summary>dst = cond ? a : b (cond is Bool; a, b and dst share a dtype).</summary>
    void Where(Strided dst, Strided cond, Strided a, Strided b);

    /// <summary>Reduces the last <paramref name="reducedDims"/> dimensions of <paramref name="src"/>; dst has src's leading shape.</summary>
    void Reduce(ReduceOp op, Strided dst, Strided src, int reducedDims);

    /// <summary>Max or min over the last dimension with the index (Int64) of its first occurrence; NaN counts as the extreme.</summary>
    void ArgReduce(ReduceOp op, Strided values, Strided indices, Strided src);

    /// <summary>Inclusive prefix sum over the last dimension.</summary>
    void CumSum(Strided dst, Strided src);

    /// <summary>Softmax or log-softmax over the last dimension, numerically stable (max subtracted).</summary>
    void Softmax(Strided dst, Strided src, bool log);

    /// <summary>dst[b] = a[b] @ b[b] for 3-D operands [B, M, K] and [B, K, N]; any strides (transposes are strides).</summary>
    void MatMul(Strided dst, Strided a, Strided b);

    /// <summary>dst[..., i, ...] = src[..., index[..., i, ...], ...] along <paramref name="dim"/> (index is Int64, dst's shape).</summary>
    void Gather(Strided dst, Strided src, Strided index, int dim);

    /// <summary>dst[..., index[..., i, ...], ...] = (or +=) src[..., i, ...] along <paramref name="dim"/>.</summary>
    void Scatter(Strided dst, Strided index, Strided src, int dim, bool accumulate);

    /// <summary>Fills a contiguous dst from the counter-based generator stream (seed, first block).</summary>
    void Random(Strided dst, RandomDistribution kind, double a, double b, ulong seed, ulong startBlock);

    /// <summary>Flat (row-major) positions of the non-zero elements of a Bool tensor; reads back to the host.</summary>
    long[] NonZero(Strided src);

    /// <summary>Copies a contiguous tensor's bytes to the host.</summary>
    void ReadToHost(Strided src, Span<byte> destination);

    /// <summary>Copies host bytes into a contiguous tensor.</summary>
    void WriteFromHost(Strided dst, ReadOnlySpan<byte> source);
}

namespace CudaTensor.Backends;

/// <summary>
/// Capability: scaled dot-product attention in the memory-efficient (flash-attention) form: softmax(q·kᵀ·scale + bias)·v
/// computed with an online softmax over tiles of keys, so the [L, S] score matrix never exists in memory. Without it the
/// op layer composes attention from MatMul and Softmax.
/// </summary>
/// <remarks>
/// Operands are contiguous: q [N, L, E], k [N, S, E], v [N, S, Ev], output [N, L, Ev], the row statistics [N, L]. The
/// optional additive <c>bias</c> is a strided view [N1, N2, L, S] with N = N1·N2 (zero strides broadcast a mask over
/// batches, heads, rows or columns). <c>causal</c> masks key j &gt; query i. A row whose every score is masked gets
/// output 0, log-sum-exp +∞ and zero gradients. All floating operands share one dtype.
/// </remarks>
internal interface IFusedAttention
{
    /// <summary>Whether the fused kernels take this dtype, <paramref name="batch"/> = N slices and these head dims (E for q and k, Ev for v).</summary>
    bool SupportsAttention(DType dtype, long batch, long headDim, long valueDim);

    /// <summary>Writes <paramref name="output"/> and each query row's log Σ exp(score) in <paramref name="logSumExp"/> [N, L].</summary>
    void AttentionForward(Strided output, Strided logSumExp, Strided q, Strided k, Strided v, Strided? bias, bool causal, double scale);

    /// <summary>
    /// Gradients dq, dk, dv (overwritten) from the output gradient <paramref name="dOutput"/>, recomputing the scores tile by
    /// tile from the saved <paramref name="logSumExp"/>; <paramref name="delta"/> [N, L] is Σ dOutput·output over each row.
    /// </summary>
    void AttentionBackward(Strided dq, Strided dk, Strided dv, Strided dOutput, Strided q, Strided k, Strided v, Strided logSumExp, Strided delta,
        Strided? bias, bool causal, double scale);
}

namespace CudaTensor.Backends;

// Fused row primitives: one pass per row over data that the composed ops would read and write many times. The op
// layer arranges every operand as a contiguous matrix [rows, len] (or a contiguous vector) before the call, so these
// primitives never see strides; all floating operands share the input's dtype (Float32 or Float64).
/// <summary>
/// Capability: layer normalization in one pass per row. Without it the op layer composes it from Mean, Rsqrt and
/// elementwise ops (forward and gradient).
/// </summary>
internal interface IFusedLayerNorm
{
    /// <summary>
    /// Layer normalization of each row of <paramref name="x"/> [rows, len]: y = (x - mean)·rstd·weight + bias, with
    /// the biased variance and rstd = 1/√(var + eps). Writes <paramref name="mean"/> and <paramref name="rstd"/>
    /// [rows] for the backward pass. <paramref name="weight"/> and <paramref name="bias"/> [len] are optional.
    /// </summary>
    void LayerNormForward(Strided y, Strided mean, Strided rstd, Strided x, Strided? weight, Strided? bias, double eps);

    /// <summary>
    /// Gradients of <see cref="LayerNormForward"/> from the saved statistics: dx [rows, len] from dy, and, when given,
    /// <paramref name="dweight"/> = Σ_rows dy·x̂ and <paramref name="dbias"/> = Σ_rows dy [len] (overwritten, not accumulated).
    /// </summary>
    void LayerNormBackward(Strided dx, Strided? dweight, Strided? dbias, Strided dy, Strided x, Strided mean, Strided rstd, Strided? weight);
}

namespace CudaTensor.Backends;

// Fused per-channel primitives of batch normalization. The op layer hands over the input as a contiguous [N, C, S]
// tensor (S = the product of the spatial sizes, 1 for [N, C]) and every per-channel operand as a contiguous [C] vector;
// all floating operands share the input's dtype (Float32 or Float64).
/// <summary>
/// Capability: batch normalization in one or two passes per channel (statistics, then output), forward and backward.
/// Without it the op layer composes it from Mean, Rsqrt and elementwise ops.
/// </summary>
internal interface IFusedBatchNorm
{
    /// <summary>
    /// y = (x - mean)·invstd·weight + bias per channel of <paramref name="x"/> [N, C, S]. In <paramref name="training"/>
    /// mode the statistics are the batch's mean and biased variance over N·S values per channel, written to
    /// <paramref name="mean"/> and <paramref name="invstd"/> = 1/√(var + eps) [C]; <paramref name="runningMean"/> and
    /// <paramref name="runningVar"/>, when given, become (1 - momentum)·running + momentum·statistic, with the unbiased
    /// variance (var·M/(M - 1), M = N·S). Otherwise the running statistics (both given) normalize, and mean and invstd
    /// receive the running mean and 1/√(running var + eps). <paramref name="weight"/> and <paramref name="bias"/> are optional.
    /// </summary>
    void BatchNormForward(Strided y, Strided mean, Strided invstd, Strided x, Strided? weight, Strided? bias,
        Strided? runningMean, Strided? runningVar, bool training, double momentum, double eps);

    /// <summary>
    /// Gradients of <see cref="BatchNormForward"/> from the statistics it wrote. With x̂ = (x - mean)·invstd:
    /// <paramref name="dweight"/> = Σ dy·x̂ and <paramref name="dbias"/> = Σ dy per channel (overwritten); and
    /// <paramref name="dx"/> = weight·invstd·(dy - Σdy/M - x̂·Σ(dy·x̂)/M) in <paramref name="training"/> mode (the
    /// statistics depend on x), weight·invstd·dy otherwise. Any of the three outputs may be null.
    /// </summary>
    void BatchNormBackward(Strided? dx, Strided? dweight, Strided? dbias, Strided dy, Strided x, Strided mean, Strided invstd,
        Strided? weight, bool training);
}

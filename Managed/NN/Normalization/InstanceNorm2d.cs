namespace CudaTensor.NN;

/// <summary>
/// Instance normalization of [N, C, H, W] (or [C, H, W]) inputs (PyTorch's <c>nn.InstanceNorm2d</c>): each sample's
/// channel is normalized over its image by its own mean and biased variance. As in PyTorch, no affine transform and
/// no running statistics by default; with <c>trackRunningStats: true</c> the buffers <c>running_mean</c>,
/// <c>running_var</c> and <c>num_batches_tracked</c> exist, training updates the first two (num_batches_tracked stays
/// 0, as PyTorch's instance norm leaves it) and evaluation normalizes with them.
/// </summary>
public sealed class InstanceNorm2d : NormBase
{
    /// <summary>Instance normalization of <paramref name="numFeatures"/> channels.</summary>
    /// <param name="numFeatures">The number of channels C.</param>
    /// <param name="eps">Added to the variance for stability.</param>
    /// <param name="momentum">The running statistics' update factor (null counts as 0, as PyTorch's instance norm).</param>
    /// <param name="affine">Whether to learn a per-channel weight (starting at 1) and bias (starting at 0).</param>
    /// <param name="trackRunningStats">Whether to keep running statistics for evaluation.</param>
    /// <param name="device">Where the parameters and buffers live.</param>
    /// <param name="dtype">Their floating dtype.</param>
    public InstanceNorm2d(long numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = false, bool trackRunningStats = false,
        Device? device = null, DType? dtype = null)
        : base(numFeatures, eps, momentum, affine, trackRunningStats, device, dtype)
    {
    }

    /// <summary>The normalized input (see <see cref="Functional.InstanceNorm"/>).</summary>
    /// <exception cref="ArgumentException">The input is not [N, C, H, W] or [C, H, W], or (with affine or running
    /// statistics) its C differs from <see cref="NormBase.NumFeatures"/>.</exception>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Dim is not (3 or 4))
            throw new ArgumentException($"InstanceNorm2d({NumFeatures}): expected a 4-D [N, C, H, W] or 3-D [C, H, W] input, got shape {Functional.Fmt(input.Shape)}.", nameof(input));
        if (input.Dim == 3)
        {
            using var batched = input.Unsqueeze(0);
            using var y = Forward(batched);
            return y.Squeeze(0);
        }
        // Without parameters or statistics the channel count does not matter (PyTorch only warns).
        if ((Weight is not null || RunningMean is not null) && input.Shape[1] != NumFeatures)
            throw new ArgumentException(
                $"InstanceNorm2d({NumFeatures}): expected an input [N, C, H, W] with C = {NumFeatures}, got shape {Functional.Fmt(input.Shape)}.", nameof(input));
        bool useInputStats = IsTraining || RunningMean is null;
        return Functional.InstanceNorm(input, RunningMean, RunningVar, Weight, Bias, useInputStats, Momentum ?? 0.0, Eps);
    }
}

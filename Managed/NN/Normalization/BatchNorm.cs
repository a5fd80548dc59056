namespace CudaTensor.NN;

/// <summary>
/// The common part of <see cref="BatchNorm1d"/> and <see cref="BatchNorm2d"/> (PyTorch's <c>_BatchNorm</c>): per-channel
/// weight and bias, and the running statistics <c>running_mean</c>, <c>running_var</c> and <c>num_batches_tracked</c>
/// (Int64) as buffers under PyTorch's names. In training the batch statistics normalize the input and update the
/// running ones; in evaluation (<c>Eval()</c>) the running statistics normalize it. Without running statistics
/// (<c>trackRunningStats: false</c>) the batch statistics are used in both modes, as in PyTorch.
/// </summary>
public abstract class BatchNormBase : NormBase
{
    private protected BatchNormBase(long numFeatures, double eps, double? momentum, bool affine, bool trackRunningStats, Device? device, DType? dtype)
        : base(numFeatures, eps, momentum, affine, trackRunningStats, device, dtype)
    {
    }

    /// <summary>The input's expected ranks, for the error message (e.g. "2-D [N, C] or 3-D [N, C, L]").</summary>
    private protected abstract string ExpectedInput { get; }

    private protected abstract bool AcceptsRank(int rank);

    /// <summary>The normalized input (see <see cref="Functional.BatchNorm"/>).</summary>
    /// <exception cref="ArgumentException">The input's rank or channel count does not fit the layer.</exception>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!AcceptsRank(input.Dim) || input.Shape[1] != NumFeatures)
            throw new ArgumentException(
                $"{GetType().Name}({NumFeatures}): expected a {ExpectedInput} input with C = {NumFeatures}, got shape {Functional.Fmt(input.Shape)}.", nameof(input));
        double factor = Momentum ?? 0.0;
        if (IsTraining && NumBatchesTracked is not null)
        {
            using (Autograd.NoGrad()) NumBatchesTracked.AddInPlace(1);
            if (Momentum is null) factor = 1.0 / NumBatchesTracked.ToDouble();
        }
        bool useBatchStatistics = IsTraining || RunningMean is null;
        return Functional.BatchNorm(input, RunningMean, RunningVar, Weight, Bias, useBatchStatistics, factor, Eps);
    }
}

/// <summary>
/// Batch normalization of [N, C] or [N, C, L] inputs over the batch (and length) per channel (PyTorch's
/// <c>nn.BatchNorm1d</c>); see <see cref="BatchNormBase"/>.
/// </summary>
/// <param name="numFeatures">The number of channels C.</param>
/// <param name="eps">Added to the variance for stability.</param>
/// <param name="momentum">The running statistics' update factor; null for a cumulative moving average.</param>
/// <param name="affine">Whether to learn a per-channel weight (starting at 1) and bias (starting at 0).</param>
/// <param name="trackRunningStats">Whether to keep running statistics for evaluation.</param>
/// <param name="device">Where the parameters and buffers live.</param>
/// <param name="dtype">Their floating dtype.</param>
public sealed class BatchNorm1d(long numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true,
    Device? device = null, DType? dtype = null) : BatchNormBase(numFeatures, eps, momentum, affine, trackRunningStats, device, dtype)
{
    private protected override string ExpectedInput => "2-D [N, C] or 3-D [N, C, L]";

    private protected override bool AcceptsRank(int rank) => rank is 2 or 3;
}

/// <summary>
/// Batch normalization of [N, C, H, W] inputs over the batch and the image per channel (PyTorch's
/// <c>nn.BatchNorm2d</c>); see <see cref="BatchNormBase"/>.
/// </summary>
/// <param name="numFeatures">The number of channels C.</param>
/// <param name="eps">Added to the variance for stability.</param>
/// <param name="momentum">The running statistics' update factor; null for a cumulative moving average.</param>
/// <param name="affine">Whether to learn a per-channel weight (starting at 1) and bias (starting at 0).</param>
/// <param name="trackRunningStats">Whether to keep running statistics for evaluation.</param>
/// <param name="device">Where the parameters and buffers live.</param>
/// <param name="dtype">Their floating dtype.</param>
public sealed class BatchNorm2d(long numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true,
    Device? device = null, DType? dtype = null) : BatchNormBase(numFeatures, eps, momentum, affine, trackRunningStats, device, dtype)
{
    private protected override string ExpectedInput => "4-D [N, C, H, W]";

    private protected override bool AcceptsRank(int rank) => rank == 4;
}

using System.Globalization;

namespace CudaTensor.NN;

/// <summary>
/// The common part of the batch and instance normalization layers (PyTorch's <c>_NormBase</c>): the number of
/// channels, eps and momentum, the optional per-channel <c>weight</c> and <c>bias</c> (affine), and the optional
/// running statistics <c>running_mean</c>, <c>running_var</c> and <c>num_batches_tracked</c> (Int64), registered
/// under PyTorch's names and in PyTorch's order, so state dicts load across the two libraries.
/// </summary>
public abstract class NormBase : Module
{
    private protected NormBase(long numFeatures, double eps, double? momentum, bool affine, bool trackRunningStats, Device? device, DType? dtype)
    {
        if (numFeatures < 1)
            throw new ArgumentOutOfRangeException(nameof(numFeatures), numFeatures, $"{GetType().Name}: numFeatures must be positive.");
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        if (affine)
        {
            Weight = RegisterParameter("weight", Tensor.Ones([numFeatures], dtype, device));
            Bias = RegisterParameter("bias", Tensor.Zeros([numFeatures], dtype, device));
        }
        if (trackRunningStats)
        {
            RunningMean = RegisterBuffer("running_mean", Tensor.Zeros([numFeatures], dtype, device));
            RunningVar = RegisterBuffer("running_var", Tensor.Ones([numFeatures], dtype, device));
            NumBatchesTracked = RegisterBuffer("num_batches_tracked", Tensor.Zeros([], DType.Int64, device));
        }
    }

    /// <summary>The number of channels C.</summary>
    public long NumFeatures { get; }

    /// <summary>Added to the variance for stability.</summary>
    public double Eps { get; }

    /// <summary>The running statistics' update factor (null: see the layer).</summary>
    public double? Momentum { get; }

    /// <summary>The per-channel scale (null without affine).</summary>
    public Tensor? Weight { get; }

    /// <summary>The per-channel shift (null without affine).</summary>
    public Tensor? Bias { get; }

    /// <summary>The running mean [C] (null without trackRunningStats).</summary>
    public Tensor? RunningMean { get; }

    /// <summary>The running (unbiased) variance [C] (null without trackRunningStats).</summary>
    public Tensor? RunningVar { get; }

    /// <summary>The number of training batches seen, an Int64 scalar (null without trackRunningStats).</summary>
    public Tensor? NumBatchesTracked { get; }

    /// <summary>Whether the module keeps running statistics.</summary>
    public bool TrackRunningStats => RunningMean is not null;

    /// <summary>Whether the module has a weight and a bias.</summary>
    public bool Affine => Weight is not null;

    /// <inheritdoc/>
    protected override string ExtraRepr()
        => $"{NumFeatures}, eps={Eps.ToString(CultureInfo.InvariantCulture)}, momentum={(Momentum is double m ? m.ToString(CultureInfo.InvariantCulture) : "None")}, " +
           $"affine={(Affine ? "True" : "False")}, track_running_stats={(TrackRunningStats ? "True" : "False")}";
}

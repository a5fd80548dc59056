using System.Globalization;
using CudaTensor.Backends;

namespace CudaTensor.NN;

// Batch, group, instance and RMS normalization. Batch normalization takes the backend's fused per-channel primitive
// where there is one (IFusedBatchNorm); the rest, and batch normalization elsewhere, are composed from differentiable
// tensor ops (Mean, Rsqrt and elementwise ops), so gradients and gradients of gradients come from autograd. Group and instance normalization
// normalize contiguous runs of each sample, which is layer normalization of a reshaped input: they go through
// Functional.LayerNorm and so take its fused row primitive where the backend has one. Running statistics are
// updated in place outside autograd, as PyTorch does.
public static partial class Functional
{
    /// <summary>
    /// Batch normalization of <paramref name="input"/> [N, C, *] over every dimension but the channel dimension 1
    /// (PyTorch's <c>F.batch_norm</c>). In <paramref name="training"/> mode the batch's mean and biased variance
    /// normalize the input, and, when given, <paramref name="runningMean"/> and <paramref name="runningVar"/> [C] are
    /// updated in place: running = (1 - momentum)·running + momentum·batch statistic, with the UNBIASED variance for
    /// the running variance. Otherwise the running statistics normalize the input. Then y·weight + bias per channel.
    /// </summary>
    /// <exception cref="ArgumentException">The input has fewer than 2 dimensions; a statistic, weight or bias is not
    /// [C] or differs in dtype or device; evaluation without running statistics; training with one value per channel.</exception>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null,
        bool training = false, double momentum = 0.1, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(input);
        const string op = nameof(BatchNorm);
        if (input.Dim < 2)
            throw new ArgumentException($"{op}: expected an input [N, C, *] with at least 2 dimensions, got shape {Fmt(input.Shape)}.", nameof(input));
        long c = input.Shape[1];
        CheckChannelVector(op, input, runningMean, "running_mean", c);
        CheckChannelVector(op, input, runningVar, "running_var", c);
        CheckChannelVector(op, input, weight, "weight", c);
        CheckChannelVector(op, input, bias, "bias", c);
        if (!training && (runningMean is null || runningVar is null))
            throw new ArgumentException($"{op}: evaluation (training: false) normalizes with the running statistics, so runningMean and runningVar must be given.", nameof(runningMean));
        long count = input.NumElements / Math.Max(c, 1);
        if (training && count <= 1)
            throw new ArgumentException($"{op}: expected more than 1 value per channel when training, got input shape {Fmt(input.Shape)}. " +
                "Use a batch of more than one sample (or spatial size above 1), or call Eval().", nameof(input));
        if (CanFuseBatchNorm(input, runningMean, runningVar))
            return Tensor.BatchNormChannels(input, runningMean, runningVar, weight, bias, training, momentum, eps);
        return ComposedBatchNorm(input, runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    // The fused primitive needs a backend with IFusedBatchNorm and a non-empty Float32 or Float64 input (the [C] operands'
    // dtype and device are checked already); the running statistics, which it updates in place, must be contiguous.
    private static bool CanFuseBatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar)
        => (input.DType is DType.Float32 or DType.Float64) && input.NumElements > 0 && input.Backend is IFusedBatchNorm
           && (runningMean?.IsContiguous ?? true) && (runningVar?.IsContiguous ?? true);

    /// <summary>
    /// Batch normalization composed from Mean, Rsqrt and elementwise ops: the definition the fused path implements,
    /// kept as the reference of the tests and for the calls the fused path does not take. Arguments as validated by
    /// <see cref="BatchNorm"/>.
    /// </summary>
    internal static Tensor ComposedBatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias,
        bool training, double momentum, double eps)
    {
        long c = input.Shape[1];
        var dims = Enumerable.Range(0, input.Dim).Where(d => d != 1).ToArray();
        var channelShape = ChannelShape(input.Dim, c);
        // The weight is folded into the per-channel factor rstd·weight (and, in evaluation, the mean and bias into one
        // per-channel shift), so the full-size tensor goes through as few elementwise passes as possible.
        if (!training)
        {
            using var runningMeanView = runningMean!.View(channelShape);
            using var runningVarView = runningVar!.View(channelShape);
            using var evalScale = ChannelScale(runningVarView, weight, channelShape, eps);
            using var meanScaled = runningMeanView * evalScale;
            using var shift = bias is null ? -meanScaled : bias.View(channelShape) - meanScaled;
            using var scaledInput = input * evalScale;
            return scaledInput + shift;
        }
        long count = input.NumElements / Math.Max(c, 1);
        using var mean = input.Mean(dims, keepDim: true);
        using var centered = input - mean;
        using var squared = centered.Square();
        using var variance = squared.Mean(dims, keepDim: true);
        if (runningMean is not null && runningVar is not null)
            UpdateRunningStatistics(runningMean, runningVar, mean, variance, count, momentum);
        using var scale = ChannelScale(variance, weight, channelShape, eps);
        var y = centered * scale;
        if (bias is null) return y;
        using (y)
        using (var b = bias.View(channelShape))
            return y + b;
    }

    // rstd·weight per channel ([1, C, 1, ...]), with rstd = 1/√(variance + eps).
    private static Tensor ChannelScale(Tensor variance, Tensor? weight, long[] channelShape, double eps)
    {
        using var shifted = variance + eps;
        var rstd = shifted.Rsqrt();
        if (weight is null) return rstd;
        using (rstd)
        using (var w = weight.View(channelShape))
            return rstd * w;
    }

    // running ← (1 - momentum)·running + momentum·statistic, in place and outside autograd; the running variance takes
    // the unbiased variance (count / (count - 1) times the biased one), as PyTorch.
    private static void UpdateRunningStatistics(Tensor runningMean, Tensor runningVar, Tensor mean, Tensor variance, long count, double momentum)
    {
        using var noGrad = Autograd.NoGrad();
        using var batchMean = mean.Reshape(-1);
        using var biased = variance.Reshape(-1);
        using var unbiased = biased * ((double)count / (count - 1));
        runningMean.MulInPlace(1 - momentum).AddInPlace(batchMean, momentum);
        runningVar.MulInPlace(1 - momentum).AddInPlace(unbiased, momentum);
    }

    /// <summary>
    /// Group normalization of <paramref name="input"/> [N, C, *] (PyTorch's <c>F.group_norm</c>): the channels are
    /// split into <paramref name="numGroups"/> groups and each sample's group is normalized by its own mean and biased
    /// variance, then scaled and shifted per channel by <paramref name="weight"/> and <paramref name="bias"/> [C].
    /// </summary>
    /// <exception cref="ArgumentException">The input has fewer than 2 dimensions, C is not divisible by the number of
    /// groups, or the weight or bias is not [C] or differs in dtype or device.</exception>
    public static Tensor GroupNorm(Tensor input, long numGroups, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(input);
        const string op = nameof(GroupNorm);
        if (input.Dim < 2)
            throw new ArgumentException($"{op}: expected an input [N, C, *] with at least 2 dimensions, got shape {Fmt(input.Shape)}.", nameof(input));
        long n = input.Shape[0], c = input.Shape[1];
        if (numGroups < 1 || c % numGroups != 0)
            throw new ArgumentException($"{op}: the input's {c} channels (shape {Fmt(input.Shape)}) must split into {numGroups} groups of equal size.", nameof(numGroups));
        CheckChannelVector(op, input, weight, "weight", c);
        CheckChannelVector(op, input, bias, "bias", c);
        long perGroup = input.NumElements / Math.Max(n * numGroups, 1);
        using var grouped = input.Reshape(n, numGroups, perGroup);
        using var normalized = LayerNorm(grouped, [perGroup]);
        var y = normalized.Reshape(input.Shape.ToArray());
        return ChannelAffine(y, weight, bias, ChannelShape(input.Dim, c));
    }

    /// <summary>
    /// Instance normalization of <paramref name="input"/> [N, C, *] (PyTorch's <c>F.instance_norm</c>): each sample's
    /// channel is normalized over its spatial dimensions. With <paramref name="useInputStats"/> (the default) the
    /// instance statistics are used and, when given, <paramref name="runningMean"/> and <paramref name="runningVar"/>
    /// [C] are updated in place with their averages over the batch (unbiased variance for the running variance);
    /// otherwise the running statistics normalize the input. Then per-channel weight and bias.
    /// </summary>
    /// <exception cref="ArgumentException">The input has fewer than 3 dimensions, a statistic, weight or bias is not
    /// [C] or differs in dtype or device, or a channel has only one value.</exception>
    public static Tensor InstanceNorm(Tensor input, Tensor? runningMean = null, Tensor? runningVar = null, Tensor? weight = null, Tensor? bias = null,
        bool useInputStats = true, double momentum = 0.1, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(input);
        const string op = nameof(InstanceNorm);
        if (input.Dim < 3)
            throw new ArgumentException($"{op}: expected an input [N, C, *] with at least one spatial dimension, got shape {Fmt(input.Shape)}.", nameof(input));
        long n = input.Shape[0], c = input.Shape[1];
        CheckChannelVector(op, input, runningMean, "running_mean", c);
        CheckChannelVector(op, input, runningVar, "running_var", c);
        CheckChannelVector(op, input, weight, "weight", c);
        CheckChannelVector(op, input, bias, "bias", c);
        var channelShape = ChannelShape(input.Dim, c);
        if (!useInputStats)
        {
            if (runningMean is null || runningVar is null)
                throw new ArgumentException($"{op}: useInputStats: false normalizes with the running statistics, so runningMean and runningVar must be given.", nameof(runningMean));
            return BatchNorm(input, runningMean, runningVar, weight, bias, training: false, eps: eps);
        }
        long spatial = input.NumElements / Math.Max(n * c, 1);
        if (spatial <= 1)
            throw new ArgumentException($"{op}: expected more than 1 spatial element per channel, got input shape {Fmt(input.Shape)}.", nameof(input));
        using var rows = input.Reshape(n, c, spatial);
        if (runningMean is not null && runningVar is not null)
        {
            // PyTorch runs batch normalization on [1, N·C, *] with the running statistics repeated N times and then
            // averages the N updated copies: the update takes the batch average of the instance statistics.
            using var noGrad = Autograd.NoGrad();
            using var instanceMean = rows.Mean(2);
            using var instanceVar = rows.Var(2, unbiased: false);
            using var mean = instanceMean.Mean(0, keepDim: true);
            using var variance = instanceVar.Mean(0, keepDim: true);
            UpdateRunningStatistics(runningMean, runningVar, mean, variance, spatial, momentum);
        }
        using var normalized = LayerNorm(rows, [spatial], eps: eps);
        var y = normalized.Reshape(input.Shape.ToArray());
        return ChannelAffine(y, weight, bias, channelShape);
    }

    /// <summary>
    /// Root-mean-square normalization over the trailing <paramref name="normalizedShape"/> dimensions (PyTorch's
    /// <c>F.rms_norm</c>): x / √(mean(x²) + eps) · weight. Without <paramref name="eps"/>, the machine epsilon of the
    /// input's dtype (PyTorch's <c>torch.finfo(dtype).eps</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The input's trailing dimensions differ from <paramref name="normalizedShape"/>,
    /// or the weight's shape, dtype or device does not match.</exception>
    public static Tensor RMSNorm(Tensor input, long[] normalizedShape, Tensor? weight = null, double? eps = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(normalizedShape);
        const string op = nameof(RMSNorm);
        int k = normalizedShape.Length;
        if (k == 0 || input.Dim < k || !input.Shape[^k..].SequenceEqual(normalizedShape))
            throw new ArgumentException(
                $"{op}: expected an input whose last {k} dimension(s) are {Fmt(normalizedShape)}, got shape {Fmt(input.Shape)}.", nameof(input));
        if (weight is not null)
        {
            CheckParameterMatch(op, input, weight, "weight");
            if (!weight.Shape.SequenceEqual(normalizedShape))
                throw new ArgumentException($"{op}: the weight must have the normalized shape {Fmt(normalizedShape)}, got {Fmt(weight.Shape)}.", nameof(weight));
        }
        double epsilon = eps ?? MachineEpsilon(input.DType);
        var dims = Enumerable.Range(input.Dim - k, k).ToArray();
        using var squared = input.Square();
        using var meanSquare = squared.Mean(dims, keepDim: true);
        using var shifted = meanSquare + epsilon;
        using var rstd = shifted.Rsqrt();
        var y = input * rstd;
        if (weight is null) return y;
        using (y) return y * weight;
    }

    // torch.finfo(dtype).eps: the gap between 1 and the next representable value.
    private static double MachineEpsilon(DType dtype) => dtype switch
    {
        DType.Float64 => Math.BitIncrement(1.0) - 1.0,
        _ => (double)(MathF.BitIncrement(1f) - 1f),
    };

    // [1, C, 1, ...]: a per-channel vector broadcast against [N, C, *].
    private static long[] ChannelShape(int rank, long c)
    {
        var shape = Enumerable.Repeat(1L, rank).ToArray();
        shape[1] = c;
        return shape;
    }

    // y·weight + bias with [C] parameters broadcast over [N, C, *]; y is consumed.
    private static Tensor ChannelAffine(Tensor y, Tensor? weight, Tensor? bias, long[] channelShape)
    {
        if (weight is not null)
        {
            using var unscaled = y;
            using var w = weight.View(channelShape);
            y = unscaled * w;
        }
        if (bias is not null)
        {
            using var unshifted = y;
            using var b = bias.View(channelShape);
            y = unshifted + b;
        }
        return y;
    }

    private static void CheckChannelVector(string op, Tensor input, Tensor? vector, string name, long channels)
    {
        if (vector is null) return;
        CheckParameterMatch(op, input, vector, name);
        if (vector.Dim != 1 || vector.Shape[0] != channels)
            throw new ArgumentException(
                $"{op}: the {name} must be [C] = [{channels.ToString(CultureInfo.InvariantCulture)}] for an input of shape {Fmt(input.Shape)} (channels are dimension 1), got {Fmt(vector.Shape)}.", name);
    }
}

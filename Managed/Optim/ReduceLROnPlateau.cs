namespace CudaTensor.Optim;

/// <summary>A <see cref="ReduceLROnPlateau"/>'s position, for checkpoints.</summary>
/// <param name="Best">The best metric so far.</param>
/// <param name="NumBadEpochs">Epochs since the last improvement.</param>
/// <param name="CooldownCounter">Epochs of cooldown left.</param>
/// <param name="LastEpoch">The number of <see cref="ReduceLROnPlateau.Step"/> calls.</param>
public sealed record ReduceLROnPlateauState(double Best, long NumBadEpochs, long CooldownCounter, long LastEpoch);

/// <summary>
/// Reduces the learning rate when a metric stops improving, exactly as PyTorch's <c>ReduceLROnPlateau</c>: after more
/// than <c>patience</c> epochs without improvement each group's learning rate becomes max(lr·factor, minLr), unless the
/// change is at most <c>eps</c>; then <c>cooldown</c> epochs pass before bad epochs count again. An improvement is
/// better than the best by <c>threshold</c>, relative (<c>thresholdMode</c> "rel") or absolute ("abs").
/// <code>
/// var plateau = new ReduceLROnPlateau(optimizer, mode: "min", factor: 0.5, patience: 2);
/// plateau.Step(validationLoss);   // once per epoch
/// </code>
/// </summary>
public sealed class ReduceLROnPlateau
{
    private readonly double[] _minLrs;
    private readonly bool _maximize;
    private readonly bool _relative;
    private readonly double _factor;
    private readonly long _patience;
    private readonly double _threshold;
    private readonly long _cooldown;
    private readonly double _eps;

    /// <summary>Watches a metric to minimize (<paramref name="mode"/> "min") or maximize ("max"), with PyTorch's defaults.</summary>
    /// <exception cref="ArgumentException">An unknown mode or threshold mode, a factor ≥ 1, or a negative patience or cooldown.</exception>
    public ReduceLROnPlateau(Optimizer optimizer, string mode = "min", double factor = 0.1, long patience = 10, double threshold = 1e-4,
        string thresholdMode = "rel", long cooldown = 0, double minLr = 0, double eps = 1e-8)
        : this(optimizer, mode, factor, patience, threshold, thresholdMode, cooldown, Enumerable.Repeat(minLr, optimizer?.ParamGroups.Count ?? 0).ToArray(), eps)
    {
    }

    /// <summary>As the other constructor, with one minimum learning rate per parameter group.</summary>
    /// <exception cref="ArgumentException">See the other constructor; also a count of minimum rates other than the number of groups.</exception>
    public ReduceLROnPlateau(Optimizer optimizer, string mode, double factor, long patience, double threshold, string thresholdMode,
        long cooldown, IReadOnlyList<double> minLrs, double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(minLrs);
        if (!(factor < 1.0)) throw new ArgumentException($"ReduceLROnPlateau: the factor must be < 1.0, got {factor}.", nameof(factor));
        if (mode is not ("min" or "max")) throw new ArgumentException($"ReduceLROnPlateau: mode '{mode}' is unknown; use \"min\" or \"max\".", nameof(mode));
        if (thresholdMode is not ("rel" or "abs"))
            throw new ArgumentException($"ReduceLROnPlateau: thresholdMode '{thresholdMode}' is unknown; use \"rel\" or \"abs\".", nameof(thresholdMode));
        if (minLrs.Count != optimizer.ParamGroups.Count)
            throw new ArgumentException($"ReduceLROnPlateau: expected {optimizer.ParamGroups.Count} minimum learning rates (one per parameter group), got {minLrs.Count}.", nameof(minLrs));
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        ArgumentOutOfRangeException.ThrowIfNegative(cooldown);
        Optimizer = optimizer;
        _maximize = mode == "max";
        _relative = thresholdMode == "rel";
        _factor = factor;
        _patience = patience;
        _threshold = threshold;
        _cooldown = cooldown;
        _eps = eps;
        _minLrs = [.. minLrs];
        Best = _maximize ? double.NegativeInfinity : double.PositiveInfinity;
        LastLrs = optimizer.ParamGroups.Select(g => g.Lr).ToArray();
    }

    /// <summary>The optimizer whose learning rates are reduced.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The best metric seen so far (±∞ before the first step).</summary>
    public double Best { get; private set; }

    /// <summary>Epochs since the metric last improved (0 during cooldown).</summary>
    public long NumBadEpochs { get; private set; }

    /// <summary>Epochs of cooldown left.</summary>
    public long CooldownCounter { get; private set; }

    /// <summary>How many times <see cref="Step"/> was called.</summary>
    public long LastEpoch { get; private set; }

    /// <summary>The learning rates after the last step, one per group.</summary>
    public IReadOnlyList<double> LastLrs { get; private set; }

    private bool IsBetter(double current)
    {
        if (!_maximize) return _relative ? current < Best * (1 - _threshold) : current < Best - _threshold;
        return _relative ? current > Best * (_threshold + 1) : current > Best + _threshold;
    }

    /// <summary>Records this epoch's <paramref name="metric"/> and reduces the learning rates if it has plateaued.</summary>
    public void Step(double metric)
    {
        LastEpoch++;
        if (IsBetter(metric))
        {
            Best = metric;
            NumBadEpochs = 0;
        }
        else
        {
            NumBadEpochs++;
        }
        if (CooldownCounter > 0)
        {
            CooldownCounter--;
            NumBadEpochs = 0;
        }
        if (NumBadEpochs > _patience)
        {
            var groups = Optimizer.ParamGroups;
            for (int i = 0; i < groups.Count; i++)
            {
                double old = groups[i].Lr;
                double reduced = Math.Max(old * _factor, _minLrs[i]);
                if (old - reduced > _eps) groups[i].Lr = reduced;
            }
            CooldownCounter = _cooldown;
            NumBadEpochs = 0;
        }
        LastLrs = Optimizer.ParamGroups.Select(g => g.Lr).ToArray();
    }

    /// <summary>The scheduler's position, for a checkpoint (the learning rates live in the optimizer's state dict).</summary>
    public ReduceLROnPlateauState StateDict() => new(Best, NumBadEpochs, CooldownCounter, LastEpoch);

    /// <summary>Restores a position saved by <see cref="StateDict"/>.</summary>
    public void LoadStateDict(ReduceLROnPlateauState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        (Best, NumBadEpochs, CooldownCounter, LastEpoch) = (state.Best, state.NumBadEpochs, state.CooldownCounter, state.LastEpoch);
        LastLrs = Optimizer.ParamGroups.Select(g => g.Lr).ToArray();
    }
}

namespace CudaTensor.Optim;

/// <summary>Multiplies the learning rate by <c>gamma</c> every <c>stepSize</c> epochs: lr = base_lr · γ^⌊epoch / stepSize⌋.</summary>
public sealed class StepLR : LRScheduler
{
    private readonly long _stepSize;
    private readonly double _gamma;

    /// <summary>Decays by <paramref name="gamma"/> every <paramref name="stepSize"/> epochs.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stepSize"/> is not positive.</exception>
    public StepLR(Optimizer optimizer, long stepSize, double gamma = 0.1, long lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepSize);
        _stepSize = stepSize;
        _gamma = gamma;
        Initialize();
    }

    /// <inheritdoc/>
    public override double LrAt(int groupIndex, long epoch) => BaseLrs[groupIndex] * Math.Pow(_gamma, epoch / _stepSize);

    /// <inheritdoc/>
    protected internal override double ChainedLrAt(int groupIndex, long epoch, double lr)
        => epoch == 0 || epoch % _stepSize != 0 ? lr : lr * _gamma;
}

/// <summary>
/// Cosine annealing from the base learning rate down to <c>etaMin</c> over <c>tMax</c> epochs, in PyTorch's closed form
/// lr = η_min + (base_lr - η_min)·(1 + cos(π·epoch / T_max)) / 2 (past T_max the cosine rises again, as in PyTorch).
/// </summary>
public sealed class CosineAnnealingLR : LRScheduler
{
    private readonly long _tMax;
    private readonly double _etaMin;

    /// <summary>Anneals over <paramref name="tMax"/> epochs to <paramref name="etaMin"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tMax"/> is not positive.</exception>
    public CosineAnnealingLR(Optimizer optimizer, long tMax, double etaMin = 0, long lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tMax);
        _tMax = tMax;
        _etaMin = etaMin;
        Initialize();
    }

    /// <inheritdoc/>
    public override double LrAt(int groupIndex, long epoch)
        => _etaMin + (BaseLrs[groupIndex] - _etaMin) * (1 + Math.Cos(Math.PI * epoch / _tMax)) / 2;

    /// <summary>
    /// PyTorch's recursion: the distance to η_min scaled by the ratio of consecutive cosine terms,
    /// lr' = η_min + (lr - η_min)·(1 + cos(π·epoch / T_max)) / (1 + cos(π·(epoch - 1) / T_max)), and at the bottom of each
    /// period, where that ratio is 0/0, a step up by (base_lr - η_min)·(1 - cos(π / T_max)) / 2. On its own it equals
    /// the closed form; in a chain the rate it scales is the other schedulers' too.
    /// </summary>
    protected internal override double ChainedLrAt(int groupIndex, long epoch, double lr)
    {
        if (epoch == 0) return lr;
        if ((epoch - 1 - _tMax) % (2 * _tMax) == 0)
            return lr + (BaseLrs[groupIndex] - _etaMin) * (1 - Math.Cos(Math.PI / _tMax)) / 2;
        return (1 + Math.Cos(Math.PI * epoch / _tMax)) / (1 + Math.Cos(Math.PI * (epoch - 1) / _tMax)) * (lr - _etaMin) + _etaMin;
    }
}

/// <summary>
/// Linear warm-up (or decay): the factor goes linearly from <c>startFactor</c> to <c>endFactor</c> over
/// <c>totalIters</c> epochs and then stays: lr = base_lr · (start + (end - start)·min(epoch, total) / total).
/// </summary>
public sealed class LinearLR : LRScheduler
{
    private readonly double _startFactor;
    private readonly double _endFactor;
    private readonly long _totalIters;

    /// <summary>Scales the learning rate from <paramref name="startFactor"/> to <paramref name="endFactor"/> times the base over <paramref name="totalIters"/> epochs.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A factor outside (0, 1] for the start or [0, 1] for the end, or a non-positive <paramref name="totalIters"/>.</exception>
    public LinearLR(Optimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, long totalIters = 5, long lastEpoch = -1)
        : base(optimizer, lastEpoch)
    {
        if (!(startFactor > 0 && startFactor <= 1))
            throw new ArgumentOutOfRangeException(nameof(startFactor), startFactor, "LinearLR: startFactor must be greater than 0 and at most 1.");
        if (!(endFactor >= 0 && endFactor <= 1))
            throw new ArgumentOutOfRangeException(nameof(endFactor), endFactor, "LinearLR: endFactor must be between 0 and 1.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalIters);
        _startFactor = startFactor;
        _endFactor = endFactor;
        _totalIters = totalIters;
        Initialize();
    }

    /// <inheritdoc/>
    public override double LrAt(int groupIndex, long epoch)
        => BaseLrs[groupIndex] * (_startFactor + (_endFactor - _startFactor) * Math.Min(epoch, _totalIters) / _totalIters);

    /// <inheritdoc/>
    protected internal override double ChainedLrAt(int groupIndex, long epoch, double lr)
    {
        if (epoch == 0) return lr * _startFactor;
        if (epoch > _totalIters) return lr;
        return lr * (1.0 + (_endFactor - _startFactor) / (_totalIters * _startFactor + (epoch - 1) * (_endFactor - _startFactor)));
    }
}

/// <summary>lr = base_lr · <c>factor(epoch)</c> for a function given by the caller (PyTorch's <c>LambdaLR</c>).</summary>
public sealed class LambdaLR : LRScheduler
{
    private readonly Func<long, double> _factor;

    /// <summary>Schedules by <paramref name="factor"/>, the multiplier of the base learning rate at each epoch.</summary>
    public LambdaLR(Optimizer optimizer, Func<long, double> factor, long lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        ArgumentNullException.ThrowIfNull(factor);
        _factor = factor;
        Initialize();
    }

    /// <inheritdoc/>
    public override double LrAt(int groupIndex, long epoch) => BaseLrs[groupIndex] * _factor(epoch);
}

/// <summary>
/// Runs schedulers one after another, switching at the given epochs; each starts again at its own epoch 0
/// (PyTorch's <c>SequentialLR</c>). Warm-up then cosine:
/// <code>new SequentialLR(opt, [new LinearLR(opt, 0.1, totalIters: 5), new CosineAnnealingLR(opt, 95)], [5])</code>
/// </summary>
public sealed class SequentialLR : LRScheduler
{
    private readonly LRScheduler[] _schedulers;
    private readonly long[] _milestones;

    /// <summary>Uses <paramref name="schedulers"/>[i] from epoch <paramref name="milestones"/>[i - 1] on.</summary>
    /// <exception cref="ArgumentException">Milestones are not one fewer than the schedulers, not increasing, or a scheduler drives another optimizer.</exception>
    public SequentialLR(Optimizer optimizer, IReadOnlyList<LRScheduler> schedulers, IReadOnlyList<long> milestones, long lastEpoch = -1)
        : base(optimizer, lastEpoch)
    {
        ArgumentNullException.ThrowIfNull(schedulers);
        ArgumentNullException.ThrowIfNull(milestones);
        if (schedulers.Count == 0) throw new ArgumentException("SequentialLR: expected at least one scheduler.", nameof(schedulers));
        if (milestones.Count != schedulers.Count - 1)
            throw new ArgumentException($"SequentialLR: {schedulers.Count} schedulers need {schedulers.Count - 1} milestones, got {milestones.Count}.", nameof(milestones));
        for (int i = 0; i < schedulers.Count; i++)
        {
            if (!ReferenceEquals(schedulers[i].Optimizer, optimizer))
                throw new ArgumentException($"SequentialLR: scheduler {i} ({schedulers[i].GetType().Name}) schedules a different optimizer.", nameof(schedulers));
        }
        for (int i = 0; i < milestones.Count; i++)
        {
            if (milestones[i] <= 0 || (i > 0 && milestones[i] <= milestones[i - 1]))
                throw new ArgumentException($"SequentialLR: milestones must be positive and increasing, got [{string.Join(", ", milestones)}].", nameof(milestones));
        }
        _schedulers = [.. schedulers];
        _milestones = [.. milestones];
        Initialize();
    }

    /// <inheritdoc/>
    public override double LrAt(int groupIndex, long epoch)
    {
        int i = 0;
        while (i < _milestones.Length && epoch >= _milestones[i]) i++;
        long start = i == 0 ? 0 : _milestones[i - 1];
        return _schedulers[i].LrAt(groupIndex, epoch - start);
    }
}

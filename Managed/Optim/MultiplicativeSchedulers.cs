namespace CudaTensor.Optim;

/// <summary>Multiplies the learning rate by <c>gamma</c> every epoch: lr = base_lr · γ^epoch (PyTorch's <c>ExponentialLR</c>).</summary>
public sealed class ExponentialLR : LRScheduler
{
    private readonly double _gamma;

    /// <summary>Decays by <paramref name="gamma"/> every epoch.</summary>
    public ExponentialLR(Optimizer optimizer, double gamma, long lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        _gamma = gamma;
        Initialize();
    }

    /// <inheritdoc/>
    public override double LrAt(int groupIndex, long epoch) => BaseLrs[groupIndex] * Math.Pow(_gamma, epoch);

    /// <inheritdoc/>
    protected internal override double ChainedLrAt(int groupIndex, long epoch, double lr) => epoch == 0 ? lr : lr * _gamma;
}

/// <summary>
/// Multiplies the learning rate by <c>gamma</c> at each milestone: lr = base_lr · γ^(number of milestones ≤ epoch)
/// (PyTorch's <c>MultiStepLR</c>; a milestone listed twice counts twice, as PyTorch's Counter does).
/// </summary>
public sealed class MultiStepLR : LRScheduler
{
    private readonly long[] _milestones;
    private readonly double _gamma;

    /// <summary>Decays by <paramref name="gamma"/> at each of <paramref name="milestones"/>.</summary>
    public MultiStepLR(Optimizer optimizer, IEnumerable<long> milestones, double gamma = 0.1, long lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        _milestones = [.. milestones.Order()];
        _gamma = gamma;
        Initialize();
    }

    /// <inheritdoc/>
    public override double LrAt(int groupIndex, long epoch) => BaseLrs[groupIndex] * Math.Pow(_gamma, _milestones.Count(m => m <= epoch));

    /// <inheritdoc/>
    protected internal override double ChainedLrAt(int groupIndex, long epoch, double lr)
    {
        int hits = _milestones.Count(m => m == epoch);
        return hits == 0 ? lr : lr * Math.Pow(_gamma, hits);
    }
}

/// <summary>
/// Decays polynomially to zero over <c>totalIters</c> epochs and then stays there:
/// lr = base_lr · (1 - min(epoch, total) / total)^power (PyTorch's <c>PolynomialLR</c>).
/// </summary>
public sealed class PolynomialLR : LRScheduler
{
    private readonly long _totalIters;
    private readonly double _power;

    /// <summary>Decays over <paramref name="totalIters"/> epochs with exponent <paramref name="power"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="totalIters"/> is not positive.</exception>
    public PolynomialLR(Optimizer optimizer, long totalIters = 5, double power = 1.0, long lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalIters);
        _totalIters = totalIters;
        _power = power;
        Initialize();
    }

    /// <inheritdoc/>
    public override double LrAt(int groupIndex, long epoch)
        => BaseLrs[groupIndex] * Math.Pow(1.0 - (double)Math.Min(epoch, _totalIters) / _totalIters, _power);

    /// <inheritdoc/>
    protected internal override double ChainedLrAt(int groupIndex, long epoch, double lr)
        => epoch == 0 || epoch > _totalIters ? lr : lr * Math.Pow((1.0 - (double)epoch / _totalIters) / (1.0 - (double)(epoch - 1) / _totalIters), _power);
}

/// <summary>
/// Multiplies the learning rate by a constant <c>factor</c> for the first <c>totalIters</c> epochs, then restores it
/// (PyTorch's <c>ConstantLR</c>, a simple warm-up).
/// </summary>
public sealed class ConstantLR : LRScheduler
{
    private readonly double _factor;
    private readonly long _totalIters;

    /// <summary>Scales by <paramref name="factor"/> until epoch <paramref name="totalIters"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="factor"/> outside [0, 1], or a negative <paramref name="totalIters"/>.</exception>
    public ConstantLR(Optimizer optimizer, double factor = 1.0 / 3, long totalIters = 5, long lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        if (!(factor >= 0 && factor <= 1))
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "ConstantLR: the factor must be between 0 and 1.");
        ArgumentOutOfRangeException.ThrowIfNegative(totalIters);
        _factor = factor;
        _totalIters = totalIters;
        Initialize();
    }

    /// <inheritdoc/>
    public override double LrAt(int groupIndex, long epoch) => BaseLrs[groupIndex] * (epoch < _totalIters ? _factor : 1.0);

    /// <inheritdoc/>
    protected internal override double ChainedLrAt(int groupIndex, long epoch, double lr)
        => epoch == 0 ? lr * _factor : epoch != _totalIters ? lr : lr * (1.0 / _factor);
}

/// <summary>
/// Applies several schedulers at once, as PyTorch's <c>ChainedScheduler</c> (e.g. a <see cref="ConstantLR"/> warm-up on
/// top of an <see cref="ExponentialLR"/> decay): each step applies every scheduler's chainable form
/// (<see cref="LRScheduler.ChainedLrAt"/>, PyTorch's <c>get_lr</c>) in order to the rate the previous one left. For
/// schedules that change the rate by a factor this multiplies their factors; <see cref="CosineAnnealingLR"/> follows
/// PyTorch's recursion, which in a chain differs from its closed form; schedules without a chainable form
/// (<see cref="LambdaLR"/>, <see cref="CosineAnnealingWarmRestarts"/>, <see cref="OneCycleLR"/>) set the rate outright.
/// The chained schedulers' own epochs do not advance; this scheduler's does.
/// </summary>
public sealed class ChainedScheduler : LRScheduler
{
    private readonly LRScheduler[] _schedulers;

    // Per group, the last rate computed, with its epoch and base rate: a step extends the recursion by one epoch
    // instead of replaying it from epoch 0 (which LrAt does for any other epoch, or after the base rates change).
    private readonly (long Epoch, double BaseLr, double Lr)[] _last;

    /// <summary>Chains <paramref name="schedulers"/>, which must all drive one optimizer.</summary>
    /// <exception cref="ArgumentException">No scheduler, or schedulers of different optimizers.</exception>
    public ChainedScheduler(IReadOnlyList<LRScheduler> schedulers)
        : base(First(schedulers).Optimizer)
    {
        for (int i = 1; i < schedulers.Count; i++)
        {
            if (!ReferenceEquals(schedulers[i].Optimizer, Optimizer))
                throw new ArgumentException($"ChainedScheduler: scheduler {i} ({schedulers[i].GetType().Name}) schedules a different optimizer than scheduler 0.", nameof(schedulers));
        }
        _schedulers = [.. schedulers];
        _last = new (long, double, double)[BaseLrs.Count];
        Array.Fill(_last, (-1, double.NaN, double.NaN));
        Initialize();
    }

    private static LRScheduler First(IReadOnlyList<LRScheduler> schedulers)
    {
        ArgumentNullException.ThrowIfNull(schedulers);
        if (schedulers.Count == 0) throw new ArgumentException("ChainedScheduler: expected at least one scheduler.", nameof(schedulers));
        return schedulers[0];
    }

    /// <inheritdoc/>
    public override double LrAt(int groupIndex, long epoch)
    {
        double baseLr = BaseLrs[groupIndex];
        var (known, knownBase, lr) = _last[groupIndex];
        if (known > epoch || known < 0 || knownBase != baseLr)
        {
            known = -1;
            lr = baseLr;
        }
        while (known < epoch) lr = ChainedLrAt(groupIndex, ++known, lr);
        _last[groupIndex] = (epoch, baseLr, lr);
        return lr;
    }

    /// <inheritdoc/>
    protected internal override double ChainedLrAt(int groupIndex, long epoch, double lr)
    {
        foreach (var s in _schedulers) lr = s.ChainedLrAt(groupIndex, epoch, lr);
        return lr;
    }
}

/// <summary>
/// Cosine annealing with warm restarts (SGDR, Loshchilov and Hutter; PyTorch's <c>CosineAnnealingWarmRestarts</c>):
/// within a cycle of length T_i, lr = η_min + (base_lr - η_min)·(1 + cos(π·T_cur / T_i)) / 2; the first cycle lasts
/// <c>t0</c> epochs and each next one <c>tMult</c> times longer.
/// </summary>
public sealed class CosineAnnealingWarmRestarts : LRScheduler
{
    private readonly long _t0;
    private readonly long _tMult;
    private readonly double _etaMin;

    /// <summary>Restarts after <paramref name="t0"/> epochs, then after cycles <paramref name="tMult"/> times longer each.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="t0"/> or <paramref name="tMult"/> is less than 1.</exception>
    public CosineAnnealingWarmRestarts(Optimizer optimizer, long t0, long tMult = 1, double etaMin = 0, long lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(t0, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(tMult, 1);
        _t0 = t0;
        _tMult = tMult;
        _etaMin = etaMin;
        Initialize();
    }

    /// <summary>The position in the cycle and the cycle's length at <paramref name="epoch"/> (integers, so no logarithm rounds).</summary>
    public (long TCur, long TI) CycleAt(long epoch)
    {
        long tCur = epoch, tI = _t0;
        while (tCur >= tI)
        {
            tCur -= tI;
            tI *= _tMult;
        }
        return (tCur, tI);
    }

    /// <inheritdoc/>
    public override double LrAt(int groupIndex, long epoch)
    {
        var (tCur, tI) = CycleAt(epoch);
        return _etaMin + (BaseLrs[groupIndex] - _etaMin) * (1 + Math.Cos(Math.PI * tCur / tI)) / 2;
    }
}

using System.Globalization;

namespace CudaTensor.Optim;

/// <summary>How <see cref="OneCycleLR"/> moves between two values within a phase.</summary>
public enum AnnealStrategy
{
    /// <summary>Half a cosine: end + (start - end)·(1 + cos(π·pct)) / 2.</summary>
    Cos,

    /// <summary>A straight line: start + (end - start)·pct.</summary>
    Linear,
}

/// <summary>
/// The 1cycle policy (Smith and Topin), exactly as PyTorch's <c>OneCycleLR</c>: the learning rate rises from
/// <c>maxLr / divFactor</c> to <c>maxLr</c> over the first <c>pctStart</c> of <c>totalSteps</c>, then anneals to
/// <c>maxLr / divFactor / finalDivFactor</c>; with <c>threePhase</c> it first comes back down to the initial rate and
/// anneals to the minimum in a third phase. The momentum (SGD's and RMSprop's <c>"momentum"</c>, or the Adam family's
/// <c>"beta1"</c>) cycles inversely between <c>maxMomentum</c> and <c>baseMomentum</c>. Step it once per batch.
/// </summary>
/// <remarks>
/// Like PyTorch, it sets each group's <c>"initial_lr"</c> to maxLr / divFactor (the optimizer's own learning rate is
/// not used), and with <c>cycleMomentum</c> it sets the momentum at construction. Stepping past
/// <c>totalSteps</c> throws, as in PyTorch.
/// </remarks>
public sealed class OneCycleLR : LRScheduler
{
    private readonly double[] _maxLrs;
    private readonly double[] _initialLrs;
    private readonly double[] _minLrs;
    private readonly long _totalSteps;
    private readonly AnnealStrategy _anneal;
    private readonly bool _cycleMomentum;
    private readonly string? _momentumOption;
    private readonly double _baseMomentum;
    private readonly double _maxMomentum;
    private readonly (double EndStep, int StartLr, int EndLr, bool MomentumRises)[] _phases;

    /// <summary>
    /// A 1cycle schedule over <paramref name="totalSteps"/> steps (or <paramref name="epochs"/> ×
    /// <paramref name="stepsPerEpoch"/> when it is null), with PyTorch's defaults.
    /// </summary>
    /// <exception cref="ArgumentException">No way to know the number of steps, a <paramref name="pctStart"/> outside [0, 1],
    /// or <paramref name="cycleMomentum"/> with an optimizer that has neither "momentum" nor "beta1".</exception>
    public OneCycleLR(Optimizer optimizer, double maxLr, long? totalSteps = null, long? epochs = null, long? stepsPerEpoch = null,
        double pctStart = 0.3, AnnealStrategy annealStrategy = AnnealStrategy.Cos, bool cycleMomentum = true, double baseMomentum = 0.85,
        double maxMomentum = 0.95, double divFactor = 25.0, double finalDivFactor = 1e4, bool threePhase = false, long lastEpoch = -1)
        : this(optimizer, Enumerable.Repeat(maxLr, optimizer?.ParamGroups.Count ?? 0).ToArray(), totalSteps, epochs, stepsPerEpoch, pctStart,
            annealStrategy, cycleMomentum, baseMomentum, maxMomentum, divFactor, finalDivFactor, threePhase, lastEpoch)
    {
    }

    /// <summary>As the other constructor, with one maximum learning rate per parameter group.</summary>
    /// <exception cref="ArgumentException">See the other constructor; also a count of maximum rates other than the number of groups.</exception>
    public OneCycleLR(Optimizer optimizer, IReadOnlyList<double> maxLrs, long? totalSteps = null, long? epochs = null, long? stepsPerEpoch = null,
        double pctStart = 0.3, AnnealStrategy annealStrategy = AnnealStrategy.Cos, bool cycleMomentum = true, double baseMomentum = 0.85,
        double maxMomentum = 0.95, double divFactor = 25.0, double finalDivFactor = 1e4, bool threePhase = false, long lastEpoch = -1)
        : base(optimizer!, lastEpoch)
    {
        ArgumentNullException.ThrowIfNull(maxLrs);
        var groups = Optimizer.ParamGroups;
        if (maxLrs.Count != groups.Count)
            throw new ArgumentException($"OneCycleLR: expected {groups.Count} maximum learning rates (one per parameter group), got {maxLrs.Count}.", nameof(maxLrs));
        if (totalSteps is { } total)
        {
            if (total <= 0) throw new ArgumentException($"OneCycleLR: totalSteps must be positive, got {total}.", nameof(totalSteps));
            _totalSteps = total;
        }
        else if (epochs is > 0 && stepsPerEpoch is > 0)
        {
            _totalSteps = epochs.Value * stepsPerEpoch.Value;
        }
        else
        {
            throw new ArgumentException("OneCycleLR: pass totalSteps, or positive epochs and stepsPerEpoch.", nameof(totalSteps));
        }
        if (!(pctStart >= 0 && pctStart <= 1))
            throw new ArgumentException($"OneCycleLR: pctStart must be in [0, 1], got {pctStart.ToString(CultureInfo.InvariantCulture)}.", nameof(pctStart));

        // Indices 0, 1, 2 stand for the group's initial, maximum and minimum learning rates.
        double t = _totalSteps;
        _phases = threePhase
            ? [(pctStart * t - 1, 0, 1, false), (2 * pctStart * t - 2, 1, 0, true), (t - 1, 0, 2, true)]
            : [(pctStart * t - 1, 0, 1, false), (t - 1, 1, 2, true)];
        _threePhase = threePhase;
        _anneal = annealStrategy;
        _maxLrs = [.. maxLrs];
        _initialLrs = _maxLrs.Select(m => m / divFactor).ToArray();
        _minLrs = _initialLrs.Select(i => i / finalDivFactor).ToArray();
        if (lastEpoch == -1)
        {
            for (int i = 0; i < groups.Count; i++) groups[i].InitialLr = _initialLrs[i];
        }

        _cycleMomentum = cycleMomentum;
        if (cycleMomentum)
        {
            _momentumOption = groups[0].Contains("beta1") ? "beta1" : groups[0].Contains("momentum") ? "momentum" : null;
            if (_momentumOption is null)
                throw new ArgumentException(
                    $"OneCycleLR: cycleMomentum is set but {Optimizer.GetType().Name} has neither a 'momentum' nor a 'beta1' option; pass cycleMomentum: false.", nameof(optimizer));
            _baseMomentum = baseMomentum;
            _maxMomentum = maxMomentum;
            if (lastEpoch == -1)
            {
                foreach (var g in groups) g[_momentumOption] = maxMomentum;
            }
        }
        Initialize();
    }

    private readonly bool _threePhase;

    /// <summary>The total number of steps of the cycle.</summary>
    public long TotalSteps => _totalSteps;

    private double Anneal(double start, double end, double pct) => _anneal == AnnealStrategy.Cos
        ? end + (start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1)
        : (end - start) * pct + start;

    // The phase the step falls in and how far into it (PyTorch's loop: the last phase takes every later step).
    private (int Phase, double Pct) PhaseAt(long step)
    {
        if (step > _totalSteps)
            throw new InvalidOperationException(
                $"OneCycleLR: stepped {step} times, more than the {_totalSteps} total steps of the cycle; make totalSteps (or epochs × stepsPerEpoch) cover the whole training.");
        double startStep = 0;
        for (int i = 0; i < _phases.Length; i++)
        {
            double endStep = _phases[i].EndStep;
            if (step <= endStep || i == _phases.Length - 1) return (i, (step - startStep) / (endStep - startStep));
            startStep = endStep;
        }
        throw new InvalidOperationException("unreachable");
    }

    private double Rate(int groupIndex, int which) => which switch
    {
        0 => _initialLrs[groupIndex],
        1 => _maxLrs[groupIndex],
        _ => _minLrs[groupIndex],
    };

    /// <inheritdoc/>
    public override double LrAt(int groupIndex, long epoch)
    {
        var (phase, pct) = PhaseAt(epoch);
        return Anneal(Rate(groupIndex, _phases[phase].StartLr), Rate(groupIndex, _phases[phase].EndLr), pct);
    }

    /// <summary>The momentum (or β1) at <paramref name="epoch"/>: it falls while the learning rate rises and rises while it falls.</summary>
    public double MomentumAt(long epoch)
    {
        var (phase, pct) = PhaseAt(epoch);
        // The third phase of the three-phase cycle keeps the maximum momentum.
        if (_threePhase && phase == 2) return Anneal(_maxMomentum, _maxMomentum, pct);
        return _phases[phase].MomentumRises ? Anneal(_baseMomentum, _maxMomentum, pct) : Anneal(_maxMomentum, _baseMomentum, pct);
    }

    /// <inheritdoc/>
    protected override void ScheduleOtherOptions(ParamGroup group, int groupIndex, long epoch)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (_cycleMomentum) group[_momentumOption!] = MomentumAt(epoch);
    }
}

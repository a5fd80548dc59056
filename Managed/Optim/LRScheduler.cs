namespace CudaTensor.Optim;

/// <summary>A scheduler's position, for checkpoints: the last epoch and each group's base learning rate.</summary>
/// <param name="LastEpoch">The epoch counter (0 right after construction).</param>
/// <param name="BaseLrs">Each group's initial learning rate.</param>
public sealed record LRSchedulerState(long LastEpoch, IReadOnlyList<double> BaseLrs);

/// <summary>
/// Base class of learning-rate schedulers, like <c>torch.optim.lr_scheduler.LRScheduler</c>: it remembers each
/// group's initial learning rate (option <c>"initial_lr"</c>) and, on every <see cref="Step"/>, sets each group's
/// <see cref="ParamGroup.Lr"/> to the schedule's closed form <see cref="LrAt"/> at the new epoch. Constructing a
/// scheduler applies epoch 0. Call <see cref="Step"/> after <see cref="Optimizer.Step()"/>, once per epoch (or per
/// batch, for per-iteration schedules).
/// </summary>
public abstract class LRScheduler
{
    private readonly double[] _baseLrs;
    private double[] _lastLrs;

    /// <summary>Binds the scheduler to <paramref name="optimizer"/>. A derived constructor ends with <see cref="Initialize"/>.</summary>
    /// <param name="optimizer">The optimizer whose learning rates are scheduled.</param>
    /// <param name="lastEpoch">-1 for a new schedule; the epoch to resume after otherwise (each group then needs <c>"initial_lr"</c>).</param>
    /// <exception cref="ArgumentException">Resuming (<paramref name="lastEpoch"/> ≥ 0) but a group has no initial learning rate.</exception>
    protected LRScheduler(Optimizer optimizer, long lastEpoch = -1)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentOutOfRangeException.ThrowIfLessThan(lastEpoch, -1);
        Optimizer = optimizer;
        var groups = optimizer.ParamGroups;
        for (int i = 0; i < groups.Count; i++)
        {
            if (lastEpoch == -1) groups[i].InitialLr ??= groups[i].Lr;
            else if (groups[i].InitialLr is null)
                throw new ArgumentException(
                    $"{GetType().Name}: resuming at lastEpoch {lastEpoch}, but parameter group {i} has no 'initial_lr'. Load the optimizer's state dict first, or pass lastEpoch: -1.", nameof(lastEpoch));
        }
        _baseLrs = groups.Select(g => g.InitialLr!.Value).ToArray();
        _lastLrs = groups.Select(g => g.Lr).ToArray();
        LastEpoch = lastEpoch;
    }

    /// <summary>The optimizer being scheduled.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The epoch of the learning rates now in the optimizer.</summary>
    public long LastEpoch { get; private set; }

    /// <summary>Each group's initial learning rate.</summary>
    public IReadOnlyList<double> BaseLrs => _baseLrs;

    /// <summary>The learning rates the last step set, one per group (PyTorch's <c>get_last_lr()</c>).</summary>
    public IReadOnlyList<double> LastLrs => _lastLrs;

    /// <summary>The schedule: group <paramref name="groupIndex"/>'s learning rate at <paramref name="epoch"/> (≥ 0).</summary>
    public abstract double LrAt(int groupIndex, long epoch);

    /// <summary>
    /// The learning rate this scheduler's step to <paramref name="epoch"/> sets when group <paramref name="groupIndex"/>'s
    /// rate is <paramref name="lr"/>: PyTorch's chainable form (<c>get_lr</c>), which <see cref="ChainedScheduler"/>
    /// applies scheduler after scheduler to the rate the previous one left. The schedules PyTorch updates by a factor
    /// (<see cref="ExponentialLR"/>, <see cref="StepLR"/>, <see cref="MultiStepLR"/>, <see cref="ConstantLR"/>,
    /// <see cref="LinearLR"/>, <see cref="PolynomialLR"/>) and <see cref="CosineAnnealingLR"/>'s recursion override it;
    /// by default it is the closed form <see cref="LrAt"/>, which sets the rate whatever it was, as PyTorch's
    /// <c>LambdaLR</c>, <c>CosineAnnealingWarmRestarts</c> and <c>OneCycleLR</c> do.
    /// </summary>
    protected internal virtual double ChainedLrAt(int groupIndex, long epoch, double lr) => LrAt(groupIndex, epoch);

    /// <summary>Applies the first epoch; called at the end of each derived constructor.</summary>
    protected void Initialize() => Step();

    /// <summary>Advances one epoch and sets every group's learning rate.</summary>
    public void Step()
    {
        LastEpoch++;
        var groups = Optimizer.ParamGroups;
        if (groups.Count != _baseLrs.Length)
            throw new InvalidOperationException(
                $"{GetType().Name}: the optimizer has {groups.Count} parameter groups but the scheduler was made for {_baseLrs.Length}; create the scheduler after adding groups.");
        var lrs = new double[groups.Count];
        for (int i = 0; i < groups.Count; i++)
        {
            lrs[i] = LrAt(i, LastEpoch);
            groups[i].Lr = lrs[i];
            ScheduleOtherOptions(groups[i], i, LastEpoch);
        }
        _lastLrs = lrs;
    }

    /// <summary>
    /// Sets options other than the learning rate at <paramref name="epoch"/> (OneCycleLR cycles the momentum or β1);
    /// called by <see cref="Step"/> after the group's learning rate. Does nothing by default.
    /// </summary>
    protected virtual void ScheduleOtherOptions(ParamGroup group, int groupIndex, long epoch)
    {
    }

    /// <summary>The scheduler's position, for a checkpoint.</summary>
    public LRSchedulerState StateDict() => new(LastEpoch, _baseLrs.ToArray());

    /// <summary>Restores a position saved by <see cref="StateDict"/> (the optimizer's learning rates come from its own state dict).</summary>
    /// <exception cref="ArgumentException">The number of base learning rates differs from the number of groups.</exception>
    public void LoadStateDict(LRSchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.BaseLrs.Count != _baseLrs.Length)
            throw new ArgumentException($"{GetType().Name}.{nameof(LoadStateDict)}: the state has {state.BaseLrs.Count} base learning rates but the optimizer has {_baseLrs.Length} groups.", nameof(state));
        LastEpoch = state.LastEpoch;
        for (int i = 0; i < _baseLrs.Length; i++) _baseLrs[i] = state.BaseLrs[i];
        _lastLrs = Optimizer.ParamGroups.Select(g => g.Lr).ToArray();
    }
}

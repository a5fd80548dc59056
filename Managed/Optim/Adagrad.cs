namespace CudaTensor.Optim;

/// <summary>
/// Adagrad (Duchi et al.), exactly as <c>torch.optim.Adagrad</c>:
/// <code>
/// t = t + 1;  g = grad (negated when maximize) + weight_decay·p
/// clr = lr / (1 + (t - 1)·lr_decay)
/// s = s + g²
/// p = p - clr · g / (√s + eps)
/// </code>
/// State per parameter: <c>"sum"</c> (s, starting at <c>initial_accumulator_value</c>); the step count is
/// <see cref="ParameterState.Step"/>. PyTorch creates the state in the constructor; here it is created on the
/// first step, with the same values.
/// </summary>
public sealed class Adagrad : Optimizer
{
    /// <summary>Adagrad over one group, with PyTorch's defaults: lr 1e-2, no lr decay, no weight decay, accumulator 0, eps 1e-10.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative lr, lr decay, weight decay, initial accumulator value or eps.</exception>
    public Adagrad(IEnumerable<Tensor> parameters, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double eps = 1e-10, bool maximize = false)
        : this([new ParamGroup(parameters)], lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize)
    {
    }

    /// <summary>Adagrad over several groups; the arguments are the defaults for options a group does not set.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative lr, lr decay, weight decay, initial accumulator value or eps.</exception>
    public Adagrad(IEnumerable<ParamGroup> paramGroups, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double eps = 1e-10, bool maximize = false)
        : base(paramGroups, new OptimizerOptions().NonNegative("lr", lr).NonNegative("lr_decay", lrDecay).NonNegative("weight_decay", weightDecay)
            .NonNegative("initial_accumulator_value", initialAccumulatorValue).NonNegative("eps", eps).Flag("maximize", maximize))
    {
    }

    /// <inheritdoc/>
    protected override void Update(ParamGroup group, Tensor param, Tensor grad, ParameterState state)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(param);
        ArgumentNullException.ThrowIfNull(state);
        var sum = state.Get("sum") ?? state.Keep("sum", Tensor.FullLike(param, group["initial_accumulator_value"]));
        long step = ++state.Step;
        var g = UpdateTerms.Gradient(group, param, grad);
        double clr = group.Lr / (1 + (step - 1) * group["lr_decay"]);
        UpdateOps.AddcmulInPlace(sum, g, g, 1);
        var std = sum.Sqrt().AddInPlace(group["eps"]);
        UpdateOps.AddcdivInPlace(param, g, std, -clr);
    }
}

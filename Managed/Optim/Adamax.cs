namespace CudaTensor.Optim;

/// <summary>
/// Adamax (Kingma and Ba, Adam with the infinity norm), exactly as <c>torch.optim.Adamax</c>:
/// <code>
/// t = t + 1;  g = grad (negated when maximize) + weight_decay·p
/// m = lerp(m, g, 1 - β1)
/// u = max(β2·u, |g| + eps)
/// p = p - lr / (1 - β1^t) · m / u
/// </code>
/// State per parameter: <c>"exp_avg"</c> (m) and <c>"exp_inf"</c> (u); the step count is <see cref="ParameterState.Step"/>.
/// </summary>
public sealed class Adamax : Optimizer
{
    /// <summary>Adamax over one group, with PyTorch's defaults: lr 2e-3, betas (0.9, 0.999) when null, eps 1e-8, no weight decay.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative lr, eps or weight decay, or a beta outside [0, 1).</exception>
    public Adamax(IEnumerable<Tensor> parameters, double lr = 2e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8,
        double weightDecay = 0, bool maximize = false)
        : this([new ParamGroup(parameters)], lr, betas, eps, weightDecay, maximize)
    {
    }

    /// <summary>Adamax over several groups; the arguments are the defaults for options a group does not set (betas are the options <c>"beta1"</c> and <c>"beta2"</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative lr, eps or weight decay, or a beta outside [0, 1).</exception>
    public Adamax(IEnumerable<ParamGroup> paramGroups, double lr = 2e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8,
        double weightDecay = 0, bool maximize = false)
        : base(paramGroups, new OptimizerOptions().NonNegative("lr", lr).Betas(betas).NonNegative("eps", eps)
            .NonNegative("weight_decay", weightDecay).Flag("maximize", maximize))
    {
    }

    /// <inheritdoc/>
    protected override void Update(ParamGroup group, Tensor param, Tensor grad, ParameterState state)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(param);
        ArgumentNullException.ThrowIfNull(state);
        double beta1 = group["beta1"], beta2 = group["beta2"];
        var expAvg = state.GetOrZeros("exp_avg", param);
        var expInf = state.GetOrZeros("exp_inf", param);
        long step = ++state.Step;
        var g = UpdateTerms.Gradient(group, param, grad);

        UpdateOps.LerpInPlace(expAvg, g, 1 - beta1);
        expInf.MulInPlace(beta2).MaximumInPlace(g.Abs().AddInPlace(group["eps"]));
        double clr = group.Lr / (1 - Math.Pow(beta1, step));
        UpdateOps.AddcdivInPlace(param, expAvg, expInf, -clr);
    }
}

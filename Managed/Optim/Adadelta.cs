namespace CudaTensor.Optim;

/// <summary>
/// Adadelta (Zeiler), exactly as <c>torch.optim.Adadelta</c>:
/// <code>
/// g = grad (negated when maximize) + weight_decay·p
/// v = ρ·v + (1 - ρ)·g²
/// Δ = √(u + eps) / √(v + eps) · g
/// u = ρ·u + (1 - ρ)·Δ²
/// p = p - lr·Δ
/// </code>
/// State per parameter: <c>"square_avg"</c> (v) and <c>"acc_delta"</c> (u); the step count is <see cref="ParameterState.Step"/>.
/// </summary>
public sealed class Adadelta : Optimizer
{
    /// <summary>Adadelta over one group of parameters, with PyTorch's defaults: lr 1.0, rho 0.9, eps 1e-6, no weight decay.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative lr, eps or weight decay, or rho outside [0, 1].</exception>
    public Adadelta(IEnumerable<Tensor> parameters, double lr = 1.0, double rho = 0.9, double eps = 1e-6, double weightDecay = 0, bool maximize = false)
        : this([new ParamGroup(parameters)], lr, rho, eps, weightDecay, maximize)
    {
    }

    /// <summary>Adadelta over several groups; the arguments are the defaults for options a group does not set.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative lr, eps or weight decay, or rho outside [0, 1].</exception>
    public Adadelta(IEnumerable<ParamGroup> paramGroups, double lr = 1.0, double rho = 0.9, double eps = 1e-6, double weightDecay = 0, bool maximize = false)
        : base(paramGroups, new OptimizerOptions().NonNegative("lr", lr).UnitInterval("rho", rho).NonNegative("eps", eps)
            .NonNegative("weight_decay", weightDecay).Flag("maximize", maximize))
    {
    }

    /// <inheritdoc/>
    protected override void Update(ParamGroup group, Tensor param, Tensor grad, ParameterState state)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(param);
        ArgumentNullException.ThrowIfNull(state);
        double rho = group["rho"], eps = group["eps"];
        var squareAvg = state.GetOrZeros("square_avg", param);
        var accDelta = state.GetOrZeros("acc_delta", param);
        state.Step++;
        var g = UpdateTerms.Gradient(group, param, grad);

        squareAvg.MulInPlace(rho);
        UpdateOps.AddcmulInPlace(squareAvg, g, g, 1 - rho);
        var std = (squareAvg + eps).SqrtInPlace();
        var delta = (accDelta + eps).SqrtInPlace();
        delta.DivInPlace(std).MulInPlace(g);
        accDelta.MulInPlace(rho);
        UpdateOps.AddcmulInPlace(accDelta, delta, delta, 1 - rho);
        param.AddInPlace(delta, -group.Lr);
    }
}

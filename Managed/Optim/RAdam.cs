namespace CudaTensor.Optim;

/// <summary>
/// RAdam (Liu et al., rectified Adam), exactly as <c>torch.optim.RAdam</c>, with the optional decoupled weight decay:
/// <code>
/// t = t + 1;  g = grad (negated when maximize) + weight_decay·p   (or p = p·(1 - lr·weight_decay) when decoupled)
/// m = lerp(m, g, 1 - β1);  v = β2·v + (1 - β2)·g²;  m̂ = m / (1 - β1^t)
/// ρ∞ = 2/(1 - β2) - 1;  ρ_t = ρ∞ - 2t·β2^t / (1 - β2^t)
/// ρ_t > 5: r = √((ρ_t - 4)(ρ_t - 2)ρ∞ / ((ρ∞ - 4)(ρ∞ - 2)ρ_t));  p = p - lr·m̂·r·√(1 - β2^t) / (√v + eps)
/// else:    p = p - lr·m̂
/// </code>
/// State per parameter: <c>"exp_avg"</c> and <c>"exp_avg_sq"</c>; the step count is <see cref="ParameterState.Step"/>.
/// </summary>
public sealed class RAdam : Optimizer
{
    /// <summary>RAdam over one group, with PyTorch's defaults: lr 1e-3, betas (0.9, 0.999) when null, eps 1e-8, no weight decay.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative lr, eps or weight decay, or a beta outside [0, 1).</exception>
    public RAdam(IEnumerable<Tensor> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8,
        double weightDecay = 0, bool decoupledWeightDecay = false, bool maximize = false)
        : this([new ParamGroup(parameters)], lr, betas, eps, weightDecay, decoupledWeightDecay, maximize)
    {
    }

    /// <summary>RAdam over several groups; the arguments are the defaults for options a group does not set (betas are the options <c>"beta1"</c> and <c>"beta2"</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative lr, eps or weight decay, or a beta outside [0, 1).</exception>
    public RAdam(IEnumerable<ParamGroup> paramGroups, double lr = 1e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8,
        double weightDecay = 0, bool decoupledWeightDecay = false, bool maximize = false)
        : base(paramGroups, new OptimizerOptions().NonNegative("lr", lr).Betas(betas).NonNegative("eps", eps)
            .NonNegative("weight_decay", weightDecay).Flag("decoupled_weight_decay", decoupledWeightDecay).Flag("maximize", maximize))
    {
    }

    /// <inheritdoc/>
    protected override void Update(ParamGroup group, Tensor param, Tensor grad, ParameterState state)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(param);
        ArgumentNullException.ThrowIfNull(state);
        double lr = group.Lr, beta1 = group["beta1"], beta2 = group["beta2"];
        var expAvg = state.GetOrZeros("exp_avg", param);
        var expAvgSq = state.GetOrZeros("exp_avg_sq", param);
        long step = ++state.Step;
        var g = UpdateTerms.Gradient(group, param, grad, decoupled: group.Flag("decoupled_weight_decay"));

        UpdateOps.LerpInPlace(expAvg, g, 1 - beta1);
        expAvgSq.MulInPlace(beta2);
        UpdateOps.AddcmulInPlace(expAvgSq, g, g, 1 - beta2);

        double biasCorrection1 = 1 - Math.Pow(beta1, step);
        double biasCorrection2 = 1 - Math.Pow(beta2, step);
        var corrected = expAvg / biasCorrection1;
        double rhoInf = 2 / (1 - beta2) - 1;
        double rhoT = rhoInf - 2 * step * Math.Pow(beta2, step) / biasCorrection2;
        if (rhoT > 5.0)
        {
            // The variance is tractable: the adaptive step, rectified.
            double rect = Math.Sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
            var adaptive = expAvgSq.Sqrt().AddInPlace(group["eps"]).Reciprocal().MulInPlace(Math.Sqrt(biasCorrection2));
            param.AddInPlace(corrected.MulInPlace(lr).MulInPlace(adaptive).MulInPlace(rect), -1.0);
        }
        else
        {
            // Early steps: plain momentum SGD on the bias-corrected average.
            param.AddInPlace(corrected.MulInPlace(lr), -1.0);
        }
    }
}

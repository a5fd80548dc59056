namespace CudaTensor.Optim;

/// <summary>
/// NAdam (Dozat: Adam with Nesterov momentum), exactly as <c>torch.optim.NAdam</c>, with momentum decay and the
/// optional decoupled weight decay (NAdamW):
/// <code>
/// t = t + 1;  g = grad (negated when maximize) + weight_decay·p   (or p = p·(1 - lr·weight_decay) when decoupled)
/// μ_t = β1·(1 - ½·0.96^(t·ψ));  μ_{t+1} = β1·(1 - ½·0.96^((t+1)·ψ));  Π = Π·μ_t          (ψ = momentum_decay)
/// m = lerp(m, g, 1 - β1);  v = β2·v + (1 - β2)·g²;  denom = √(v / (1 - β2^t)) + eps
/// p = p - lr·(1 - μ_t)/(1 - Π) · g / denom - lr·μ_{t+1}/(1 - Π·μ_{t+1}) · m / denom
/// </code>
/// State per parameter: <c>"mu_product"</c> (Π, a 0-d tensor of the parameter's dtype on its device, so a step needs
/// no device-to-host copy), <c>"exp_avg"</c> and <c>"exp_avg_sq"</c>; the step count is <see cref="ParameterState.Step"/>.
/// PyTorch keeps Π in the default dtype (float32) until a state dict is loaded; here it has the parameter's dtype.
/// </summary>
public sealed class NAdam : Optimizer
{
    /// <summary>
    /// NAdam over one group, with PyTorch's defaults: lr 2e-3, betas (0.9, 0.999) when null, eps 1e-8, no weight decay,
    /// momentum decay 4e-3, L2 (not decoupled) weight decay.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative lr, eps, weight decay or momentum decay, or a beta outside [0, 1).</exception>
    public NAdam(IEnumerable<Tensor> parameters, double lr = 2e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8,
        double weightDecay = 0, double momentumDecay = 4e-3, bool decoupledWeightDecay = false, bool maximize = false)
        : this([new ParamGroup(parameters)], lr, betas, eps, weightDecay, momentumDecay, decoupledWeightDecay, maximize)
    {
    }

    /// <summary>NAdam over several groups; the arguments are the defaults for options a group does not set (betas are the options <c>"beta1"</c> and <c>"beta2"</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative lr, eps, weight decay or momentum decay, or a beta outside [0, 1).</exception>
    public NAdam(IEnumerable<ParamGroup> paramGroups, double lr = 2e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8,
        double weightDecay = 0, double momentumDecay = 4e-3, bool decoupledWeightDecay = false, bool maximize = false)
        : base(paramGroups, new OptimizerOptions().NonNegative("lr", lr).Betas(betas).NonNegative("eps", eps).NonNegative("weight_decay", weightDecay)
            .NonNegative("momentum_decay", momentumDecay).Flag("decoupled_weight_decay", decoupledWeightDecay).Flag("maximize", maximize))
    {
    }

    /// <inheritdoc/>
    protected override bool AcceptsStateShape(string key, long[] shape, Tensor param)
        => key == "mu_product" && shape.Length == 0;

    /// <inheritdoc/>
    protected override void Update(ParamGroup group, Tensor param, Tensor grad, ParameterState state)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(param);
        ArgumentNullException.ThrowIfNull(state);
        double lr = group.Lr, beta1 = group["beta1"], beta2 = group["beta2"], psi = group["momentum_decay"];
        var muProduct = state.Get("mu_product") ?? state.Keep("mu_product", Tensor.Scalar(1.0, param.DType, param.Device));
        var expAvg = state.GetOrZeros("exp_avg", param);
        var expAvgSq = state.GetOrZeros("exp_avg_sq", param);
        long step = ++state.Step;
        var g = UpdateTerms.Gradient(group, param, grad, decoupled: group.Flag("decoupled_weight_decay"));

        double biasCorrection2 = 1 - Math.Pow(beta2, step);
        double mu = beta1 * (1 - 0.5 * Math.Pow(0.96, step * psi));
        double muNext = beta1 * (1 - 0.5 * Math.Pow(0.96, (step + 1) * psi));
        muProduct.MulInPlace(mu);

        UpdateOps.LerpInPlace(expAvg, g, 1 - beta1);
        expAvgSq.MulInPlace(beta2);
        UpdateOps.AddcmulInPlace(expAvgSq, g, g, 1 - beta2);
        var denom = (expAvgSq / biasCorrection2).SqrtInPlace().AddInPlace(group["eps"]);

        // The coefficients stay on the device as 0-d tensors: Π is read there, not copied to the host.
        var gradCoef = (1 - muProduct).Reciprocal().MulInPlace(-lr * (1 - mu));
        var avgCoef = (1 - muProduct * muNext).Reciprocal().MulInPlace(-lr * muNext);
        param.AddInPlace((g / denom).MulInPlace(gradCoef));
        param.AddInPlace((expAvg / denom).MulInPlace(avgCoef));
    }
}

namespace CudaTensor.Backends;

/// <summary>
/// The hyper-parameters of one fused Adam/AdamW step, with the step-dependent scalars computed once on the host in
/// double (PyTorch's <c>_single_tensor_adam</c>). Per element, in the element type:
/// <code>
/// g = maximize ? -grad : grad
/// p = p·DecayFactor                         (decoupled weight decay, AdamW)    | g = g + p·WeightDecay   (L2, Adam)
/// m = lerp(m, g, ExpAvgWeight)              (from the nearer end, as torch.lerp)
/// v = v·Beta2;  v = v + g·g·OneMinusBeta2
/// v_max = max(v_max, v)                     (AMSGrad; NaN propagates)
/// denom = √(v or v_max) / BiasCorrection2Sqrt + Eps
/// p = p + (m / denom)·NegStepSize
/// </code>
/// </summary>
internal readonly record struct AdamStepArgs
{
    /// <summary>The arguments of step <paramref name="step"/> (1 for the first update).</summary>
    public AdamStepArgs(double lr, double beta1, double beta2, double eps, double weightDecay, bool decoupled, bool amsgrad, bool maximize, double step)
    {
        Lr = lr;
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
        Decoupled = decoupled;
        Amsgrad = amsgrad;
        Maximize = maximize;
        double biasCorrection1 = 1 - Math.Pow(beta1, step);
        NegStepSize = -(lr / biasCorrection1);
        BiasCorrection2Sqrt = Math.Sqrt(1 - Math.Pow(beta2, step));
    }

    /// <summary>The same hyper-parameters at step <paramref name="step"/> (a capturable Adam's count, read from memory).</summary>
    public AdamStepArgs AtStep(double step) => new(Lr, Beta1, Beta2, Eps, WeightDecay, Decoupled, Amsgrad, Maximize, step);

    public double Lr { get; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    public double WeightDecay { get; }

    /// <summary>AdamW: the decay shrinks the parameter instead of adding to the gradient.</summary>
    public bool Decoupled { get; }

    public bool Amsgrad { get; }
    public bool Maximize { get; }

    /// <summary>-lr / (1 - β1^t).</summary>
    public double NegStepSize { get; }

    /// <summary>√(1 - β2^t).</summary>
    public double BiasCorrection2Sqrt { get; }

    /// <summary>Whether the weight decay is applied at all (a zero decay is skipped, as in the composed path).</summary>
    public bool HasWeightDecay => WeightDecay != 0;

    /// <summary>1 - lr·weight_decay: AdamW's shrink factor.</summary>
    public double DecayFactor => 1 - Lr * WeightDecay;

    /// <summary>1 - β1: the weight of the gradient in exp_avg's lerp.</summary>
    public double ExpAvgWeight => 1 - Beta1;

    /// <summary>Whether the lerp starts from the gradient's end (weight ≥ 0.5), as torch.lerp does for accuracy.</summary>
    public bool LerpFromEnd => !(Math.Abs(ExpAvgWeight) < 0.5);

    /// <summary>The factor the lerp multiplies the difference by: the weight, or 1 - weight from the far end.</summary>
    public double LerpFactor => LerpFromEnd ? 1 - ExpAvgWeight : ExpAvgWeight;

    /// <summary>1 - β2.</summary>
    public double OneMinusBeta2 => 1 - Beta2;
}

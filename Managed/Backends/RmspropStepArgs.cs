namespace CudaTensor.Backends;

/// <summary>
/// The hyper-parameters of one fused RMSprop step (<c>torch.optim.RMSprop</c>). Per element, in the element type:
/// <code>
/// g = maximize ? -grad : grad;  g = g + p·WeightDecay                  (when WeightDecay ≠ 0)
/// v = v·Alpha;  v = v + g·g·OneMinusAlpha
/// ḡ = lerp(ḡ, g, OneMinusAlpha)  (from the nearer end, as torch.lerp)   (centered)
/// avg = √(v - ḡ·ḡ) + Eps         (centered)                              | avg = √v + Eps
/// b = b·Momentum + g / avg;  p = p + b·(-Lr)                             (when Momentum ≠ 0)
/// p = p + (g / avg)·(-Lr)                                                (otherwise)
/// </code>
/// </summary>
internal readonly record struct RmspropStepArgs(double Lr, double Alpha, double Eps, double WeightDecay, double Momentum, bool Centered, bool Maximize)
{
    /// <summary>Whether the weight decay is applied at all (a zero decay is skipped, as in the composed path).</summary>
    public bool HasWeightDecay => WeightDecay != 0;

    /// <summary>Whether the momentum buffer is read and written (RMSprop keeps one only for a positive momentum).</summary>
    public bool HasMomentum => Momentum > 0;

    /// <summary>1 - α: the weight of the squared gradient in square_avg, and of the gradient in grad_avg's lerp.</summary>
    public double OneMinusAlpha => 1 - Alpha;

    /// <summary>Whether grad_avg's lerp starts from the gradient's end (weight ≥ 0.5), as torch.lerp does for accuracy.</summary>
    public bool LerpFromEnd => !(Math.Abs(OneMinusAlpha) < 0.5);

    /// <summary>The factor the lerp multiplies the difference by: the weight, or 1 - weight from the far end.</summary>
    public double LerpFactor => LerpFromEnd ? 1 - OneMinusAlpha : OneMinusAlpha;
}

namespace CudaTensor.Backends;

/// <summary>
/// The hyper-parameters of one fused SGD step (<c>torch.optim.SGD</c>). Per element, in the element type:
/// <code>
/// g = maximize ? -grad : grad;  g = g + p·WeightDecay                 (when WeightDecay ≠ 0)
/// b = g on the first step, else b·Momentum + g·(1 - Dampening)       (when Momentum ≠ 0)
/// g = nesterov ? g + b·Momentum : b
/// p = p + g·(-Lr)
/// </code>
/// </summary>
internal readonly record struct SgdStepArgs(double Lr, double Momentum, double Dampening, double WeightDecay, bool Nesterov, bool Maximize, bool FirstStep)
{
    /// <summary>Whether the momentum buffer is read and written.</summary>
    public bool HasMomentum => Momentum != 0;

    /// <summary>1 - dampening: the weight of the gradient in the buffer after the first step.</summary>
    public double GradWeight => 1 - Dampening;
}

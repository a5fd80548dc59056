namespace CudaTensor.NN;

/// <summary>Sigmoid linear unit (swish) x·σ(x), elementwise.</summary>
public sealed class SiLU : Module
{
    /// <summary>Sigmoid linear unit (swish) x·σ(x), elementwise.</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Silu();
    }
}

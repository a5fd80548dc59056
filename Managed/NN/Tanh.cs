namespace CudaTensor.NN;

/// <summary>Hyperbolic tangent, elementwise.</summary>
public sealed class Tanh : Module
{
    /// <summary>Hyperbolic tangent, elementwise.</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Tanh();
    }
}

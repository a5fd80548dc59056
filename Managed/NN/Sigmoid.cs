namespace CudaTensor.NN;

/// <summary>Logistic sigmoid 1 / (1 + e⁻ˣ), elementwise.</summary>
public sealed class Sigmoid : Module
{
    /// <summary>Logistic sigmoid 1 / (1 + e⁻ˣ), elementwise.</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Sigmoid();
    }
}

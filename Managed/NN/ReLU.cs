namespace CudaTensor.NN;

/// <summary>Rectified linear unit, max(x, 0), elementwise.</summary>
public sealed class ReLU : Module
{
    /// <summary>Rectified linear unit, max(x, 0), elementwise.</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Relu();
    }
}

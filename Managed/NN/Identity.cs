namespace CudaTensor.NN;

/// <summary>Returns its input unchanged (the same tensor): a placeholder where a layer is optional.</summary>
public sealed class Identity : Module
{
    /// <summary>Returns <paramref name="input"/> itself.</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input;
    }
}

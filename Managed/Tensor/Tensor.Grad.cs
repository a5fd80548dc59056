namespace CudaTensor;

// Autograd state carried by every tensor. The graph and backward engine build on these members.
public sealed partial class Tensor
{
    private bool _requiresGrad;

    /// <summary>
    /// Whether gradients with respect to this tensor are wanted. Only floating-point tensors can require
    /// gradients.
    /// </summary>
    /// <exception cref="InvalidOperationException">Set to true on an integer or Bool tensor.</exception>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (value && !DType.IsFloatingPoint())
                throw new InvalidOperationException(
                    $"Only floating-point tensors can require gradients, but {Describe()} has dtype {DType.Name()}. Convert it with .To(DType.Float32) first.");
            _requiresGrad = value;
        }
    }

    internal Tensor WithRequiresGrad(bool requiresGrad, string op)
    {
        if (requiresGrad)
        {
            if (!DType.IsFloatingPoint())
                throw new ArgumentException($"{op}: only floating-point tensors can require gradients, but the dtype is {DType.Name()}.");
            _requiresGrad = true;
        }
        return this;
    }
}

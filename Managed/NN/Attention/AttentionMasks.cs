namespace CudaTensor.NN;

/// <summary>
/// The masks of <see cref="MultiheadAttention"/> and the Transformer layers in PyTorch's convention (Bool <c>true</c> =
/// NOT allowed to attend), made additive: -∞ where a Bool mask is true, 0 elsewhere; a floating mask is added as given
/// (converted to the scores' dtype).
/// </summary>
internal static class AttentionMasks
{
    /// <summary>The additive form of <paramref name="mask"/> in <paramref name="dtype"/> (null for null).</summary>
    /// <exception cref="ArgumentException">The mask is neither Bool nor floating point.</exception>
    public static Tensor? Canonical(Tensor? mask, string name, DType dtype, string op)
    {
        if (mask is null) return null;
        if (mask.DType == DType.Bool)
        {
            using var zeros = Tensor.Zeros(mask.ShapeArray, dtype, mask.Device);
            return zeros.MaskedFill(mask, double.NegativeInfinity);
        }
        if (!mask.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: {name} must be Bool (true = masked out) or floating point (added to the scores), got {mask.DType.Name()}.", name);
        return mask.DType == dtype ? mask.Alias() : mask.To(dtype);
    }
}

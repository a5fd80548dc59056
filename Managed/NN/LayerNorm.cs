namespace CudaTensor.NN;

/// <summary>
/// Layer normalization over the trailing <see cref="NormalizedShape"/> dimensions: (x - mean) / √(var + eps),
/// with the biased variance, then an elementwise affine transform (<see cref="Weight"/> starts at 1,
/// <see cref="Bias"/> at 0) when enabled.
/// </summary>
public sealed class LayerNorm : Module
{
    private readonly long[] _normalizedShape;

    /// <summary>Normalizes over the last dimensions, which must equal <paramref name="normalizedShape"/>.</summary>
    /// <exception cref="ArgumentException">The shape is empty or has a negative size.</exception>
    public LayerNorm(long[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true, Device? device = null, DType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (normalizedShape.Length == 0 || normalizedShape.Any(s => s < 0))
            throw new ArgumentException($"LayerNorm: normalizedShape must be non-empty with non-negative sizes, got {Functional.Fmt(normalizedShape)}.", nameof(normalizedShape));
        _normalizedShape = (long[])normalizedShape.Clone();
        Eps = eps;
        if (elementwiseAffine)
        {
            Weight = RegisterParameter("weight", Tensor.Ones(normalizedShape, dtype, device));
            if (bias) Bias = RegisterParameter("bias", Tensor.Zeros(normalizedShape, dtype, device));
        }
    }

    /// <summary>Normalizes over the last dimension, of size <paramref name="normalizedSize"/>.</summary>
    public LayerNorm(long normalizedSize, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true, Device? device = null, DType? dtype = null)
        : this([normalizedSize], eps, elementwiseAffine, bias, device, dtype)
    {
    }

    /// <summary>The trailing shape normalized over.</summary>
    public ReadOnlySpan<long> NormalizedShape => _normalizedShape;

    /// <summary>Added to the variance for stability.</summary>
    public double Eps { get; }

    /// <summary>The scale (null without elementwise affine).</summary>
    public Tensor? Weight { get; }

    /// <summary>The shift (null without elementwise affine or bias).</summary>
    public Tensor? Bias { get; }

    /// <summary>The normalized input.</summary>
    public override Tensor Forward(Tensor input) => Functional.LayerNorm(input, _normalizedShape, Weight, Bias, Eps);

    /// <inheritdoc/>
    protected override string ExtraRepr()
        => $"({string.Join(", ", _normalizedShape)},), eps={Eps.ToString(System.Globalization.CultureInfo.InvariantCulture)}, elementwise_affine={(Weight is null ? "False" : "True")}";
}

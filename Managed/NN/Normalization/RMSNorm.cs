using System.Globalization;

namespace CudaTensor.NN;

/// <summary>
/// Root-mean-square normalization over the trailing <see cref="NormalizedShape"/> dimensions (PyTorch's
/// <c>nn.RMSNorm</c>): x / √(mean(x²) + eps) · <see cref="Weight"/> (starting at 1). Without eps, the machine epsilon
/// of the input's dtype.
/// </summary>
public sealed class RMSNorm : Module
{
    private readonly long[] _normalizedShape;

    /// <summary>Normalizes over the last dimensions, which must equal <paramref name="normalizedShape"/>.</summary>
    /// <exception cref="ArgumentException">The shape is empty or has a negative size.</exception>
    public RMSNorm(long[] normalizedShape, double? eps = null, bool elementwiseAffine = true, Device? device = null, DType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (normalizedShape.Length == 0 || normalizedShape.Any(s => s < 0))
            throw new ArgumentException($"RMSNorm: normalizedShape must be non-empty with non-negative sizes, got {Functional.Fmt(normalizedShape)}.", nameof(normalizedShape));
        _normalizedShape = (long[])normalizedShape.Clone();
        Eps = eps;
        if (elementwiseAffine) Weight = RegisterParameter("weight", Tensor.Ones(normalizedShape, dtype, device));
    }

    /// <summary>Normalizes over the last dimension, of size <paramref name="normalizedSize"/>.</summary>
    public RMSNorm(long normalizedSize, double? eps = null, bool elementwiseAffine = true, Device? device = null, DType? dtype = null)
        : this([normalizedSize], eps, elementwiseAffine, device, dtype)
    {
    }

    /// <summary>The trailing shape normalized over.</summary>
    public ReadOnlySpan<long> NormalizedShape => _normalizedShape;

    /// <summary>Added to the mean square; null for the input dtype's machine epsilon.</summary>
    public double? Eps { get; }

    /// <summary>The scale (null without elementwise affine).</summary>
    public Tensor? Weight { get; }

    /// <summary>The normalized input.</summary>
    /// <exception cref="ArgumentException">The input's trailing dimensions differ from <see cref="NormalizedShape"/>.</exception>
    public override Tensor Forward(Tensor input) => Functional.RMSNorm(input, _normalizedShape, Weight, Eps);

    /// <inheritdoc/>
    protected override string ExtraRepr()
        => $"({string.Join(", ", _normalizedShape)},), eps={(Eps is double e ? e.ToString(CultureInfo.InvariantCulture) : "None")}, elementwise_affine={(Weight is null ? "False" : "True")}";
}

using System.Globalization;

namespace CudaTensor.NN;

/// <summary>
/// Group normalization (PyTorch's <c>nn.GroupNorm</c>): the C channels of an [N, C, *] input are split into
/// <see cref="NumGroups"/> groups, each sample's group is normalized by its own mean and biased variance, then a
/// per-channel <see cref="Weight"/> (starting at 1) and <see cref="Bias"/> (starting at 0) apply. The same in
/// training and evaluation.
/// </summary>
public sealed class GroupNorm : Module
{
    /// <summary>Normalizes <paramref name="numChannels"/> channels in <paramref name="numGroups"/> groups.</summary>
    /// <exception cref="ArgumentException">The channels do not split into groups of equal size.</exception>
    public GroupNorm(long numGroups, long numChannels, double eps = 1e-5, bool affine = true, Device? device = null, DType? dtype = null)
    {
        if (numGroups < 1 || numChannels < 1 || numChannels % numGroups != 0)
            throw new ArgumentException($"GroupNorm: numChannels ({numChannels}) must be divisible by numGroups ({numGroups}), both positive.", nameof(numGroups));
        NumGroups = numGroups;
        NumChannels = numChannels;
        Eps = eps;
        if (affine)
        {
            Weight = RegisterParameter("weight", Tensor.Ones([numChannels], dtype, device));
            Bias = RegisterParameter("bias", Tensor.Zeros([numChannels], dtype, device));
        }
    }

    /// <summary>The number of groups.</summary>
    public long NumGroups { get; }

    /// <summary>The number of channels C.</summary>
    public long NumChannels { get; }

    /// <summary>Added to the variance for stability.</summary>
    public double Eps { get; }

    /// <summary>The per-channel scale (null without affine).</summary>
    public Tensor? Weight { get; }

    /// <summary>The per-channel shift (null without affine).</summary>
    public Tensor? Bias { get; }

    /// <summary>The normalized input (see <see cref="Functional.GroupNorm"/>).</summary>
    /// <exception cref="ArgumentException">The input is not [N, C, *] with C = <see cref="NumChannels"/>.</exception>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Dim < 2 || input.Shape[1] != NumChannels)
            throw new ArgumentException(
                $"GroupNorm({NumGroups}, {NumChannels}): expected an input [N, C, *] with C = {NumChannels}, got shape {Functional.Fmt(input.Shape)}.", nameof(input));
        return Functional.GroupNorm(input, NumGroups, Weight, Bias, Eps);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr()
        => $"{NumGroups}, {NumChannels}, eps={Eps.ToString(CultureInfo.InvariantCulture)}, affine={(Weight is null ? "False" : "True")}";
}

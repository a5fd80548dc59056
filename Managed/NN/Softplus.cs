using System.Globalization;

namespace CudaTensor.NN;

/// <summary>Softplus log(1 + e^(βx))/β, linear above the threshold (see <see cref="Functional.Softplus"/>).</summary>
/// <param name="beta">The sharpness β (default 1).</param>
/// <param name="threshold">Above βx = threshold the result is x itself (default 20).</param>
public sealed class Softplus(double beta = 1, double threshold = 20) : Module
{
    /// <summary>The sharpness β.</summary>
    public double Beta { get; } = beta;

    /// <summary>Above βx = threshold the result is x itself.</summary>
    public double Threshold { get; } = threshold;

    /// <summary>Softplus of every element.</summary>
    public override Tensor Forward(Tensor input) => Functional.Softplus(input, Beta, Threshold);

    /// <inheritdoc/>
    protected override string ExtraRepr()
        => $"beta={Beta.ToString(CultureInfo.InvariantCulture)}, threshold={Threshold.ToString(CultureInfo.InvariantCulture)}";
}

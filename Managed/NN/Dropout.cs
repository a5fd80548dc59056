namespace CudaTensor.NN;

/// <summary>
/// Inverted dropout: while training, zeroes each element with probability <see cref="P"/> and scales the rest by
/// 1/(1 - p); in eval mode it returns the input itself.
/// </summary>
public sealed class Dropout : Module
{
    private readonly Generator? _generator;

    /// <summary>Creates the layer; masks are drawn from <paramref name="generator"/> (default: the global generator).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    public Dropout(double p = 0.5, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout: the probability must be in [0, 1].");
        P = p;
        _generator = generator;
    }

    /// <summary>The probability of zeroing an element.</summary>
    public double P { get; }

    /// <summary>The input with dropout applied in training mode; the input itself in eval mode.</summary>
    public override Tensor Forward(Tensor input) => Functional.Dropout(input, P, IsTraining, _generator);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"p={P.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}

using CudaTensor.NN;

namespace CudaTensor.Samples.Digits;

/// <summary>Which classifier the sample trains (<c>--model</c>).</summary>
public enum DigitsModelKind
{
    /// <summary>The 64-128-64-10 MLP (<see cref="DigitsMlp"/>), the default.</summary>
    Mlp,

    /// <summary>The two-convolution network over the 8x8 image (<see cref="DigitsCnn"/>).</summary>
    Cnn,
}

/// <summary>A digits classifier: logits [batch, classes] from pixels [batch, 64], and a one-line description.</summary>
public interface IDigitsModel
{
    /// <summary>Layers, activation, dropout and parameter count in one line.</summary>
    string Describe();
}

/// <summary>Creates the classifier a run asks for.</summary>
public static class DigitsModels
{
    /// <summary>A freshly initialised model of <paramref name="kind"/> (weights drawn from the global generator).</summary>
    /// <exception cref="ArgumentException">The CNN was asked for with features that are not an 8x8 image.</exception>
    public static Module Create(DigitsModelKind kind, int features, int classes, double dropout) => kind switch
    {
        DigitsModelKind.Mlp => new DigitsMlp(features, classes, dropout),
        DigitsModelKind.Cnn when features == 64 => new DigitsCnn(classes, dropout),
        DigitsModelKind.Cnn => throw new ArgumentException($"The CNN reads 8x8 images (64 features); the data has {features}.", nameof(features)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown model kind."),
    };

    /// <summary>The kind's name on the command line and in file names: <c>mlp</c> or <c>cnn</c>.</summary>
    public static string Name(DigitsModelKind kind) => kind.ToString().ToLowerInvariant();
}

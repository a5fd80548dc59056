using CudaTensor.Data;

namespace CudaTensor.Samples.Digits;

/// <summary>
/// The digits split into training and test parts, features standardized with the training part's statistics.
/// Features are Float32 [n, 64]; labels are Int64 [n] with values 0 to 9. All tensors are on the CPU.
/// </summary>
public sealed class DigitsData : IDisposable
{
    /// <summary>Share of the samples held out for testing.</summary>
    public const double TestFraction = 0.2;

    /// <summary>Number of classes (the digits 0 to 9).</summary>
    public const int Classes = 10;

    // A feature whose training standard deviation is below this is constant there (e.g. a corner pixel that is
    // always 0): it is centered but not scaled, instead of being divided by ~0.
    private const double MinStd = 1e-6;

    private DigitsData(Tensor trainFeatures, Tensor trainLabels, Tensor testFeatures, Tensor testLabels, int constantFeatures)
    {
        TrainFeatures = trainFeatures;
        TrainLabels = trainLabels;
        TestFeatures = testFeatures;
        TestLabels = testLabels;
        ConstantFeatures = constantFeatures;
    }

    /// <summary>Standardized training features [n_train, 64].</summary>
    public Tensor TrainFeatures { get; }

    /// <summary>Training labels [n_train].</summary>
    public Tensor TrainLabels { get; }

    /// <summary>Test features [n_test, 64], standardized with the training statistics.</summary>
    public Tensor TestFeatures { get; }

    /// <summary>Test labels [n_test].</summary>
    public Tensor TestLabels { get; }

    /// <summary>Features per sample.</summary>
    public long Features => TrainFeatures.Size(1);

    /// <summary>Features that are constant on the training split (left unscaled).</summary>
    public int ConstantFeatures { get; }

    /// <summary>Default location of the data: <c>data/digits.csv</c> next to the program.</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "data", "digits.csv");

    /// <summary>Loads <paramref name="path"/>, splits it 80/20 with <paramref name="seed"/>, and standardizes the features.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="FormatException">The file is not numeric CSV with an integer label in the last column.</exception>
    /// <exception cref="InvalidDataException">A label is outside 0 to 9.</exception>
    public static DigitsData Load(string path, ulong seed)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"The digits data is not at '{Path.GetFullPath(path)}'. Pass --data FILE, or build the sample so that data/digits.csv is copied next to it.", path);

        using var scope = Tensor.NewScope();
        var (features, labels) = Csv.LoadClassification(path);
        long minLabel = labels.Min().Item<long>(), maxLabel = labels.Max().Item<long>();
        if (minLabel < 0 || maxLabel >= Classes)
            throw new InvalidDataException($"'{path}': labels must be 0 to {Classes - 1}, found {minLabel} to {maxLabel}.");

        var (train, test) = Sampling.TrainTestSplit([features, labels], TestFraction, seed);

        // Statistics of the training split only, so nothing about the test samples leaks into training.
        var mean = train[0].Mean(0, keepDim: true);
        var std = train[0].Std(0, unbiased: false, keepDim: true);
        var varies = std.Gt(MinStd);
        var scale = Tensor.Where(varies, std, 1.0);
        int constant = (int)(varies.NumElements - varies.Sum().Item<long>());

        var data = new DigitsData(
            scope.Keep((train[0] - mean) / scale), scope.Keep(train[1]),
            scope.Keep((test[0] - mean) / scale), scope.Keep(test[1]),
            constant);
        return data;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        TrainFeatures.Dispose();
        TrainLabels.Dispose();
        TestFeatures.Dispose();
        TestLabels.Dispose();
    }
}

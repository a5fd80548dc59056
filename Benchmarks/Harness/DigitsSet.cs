using System.Globalization;

namespace CudaTensor.Benchmarks;

/// <summary>
/// The Digits data (8x8 images, 64 features, labels 0-9) split 80/20 with a fixed seed and standardized with the
/// training statistics, as plain arrays so both libraries start from identical numbers. Batch orders are fixed
/// per epoch number, also shared.
/// </summary>
public sealed class DigitsSet
{
    /// <summary>Features per sample.</summary>
    public const int Features = 64;

    private DigitsSet(float[] trainX, long[] trainY, float[] testX, long[] testY, string source)
    {
        TrainX = trainX;
        TrainY = trainY;
        TestX = testX;
        TestY = testY;
        Source = source;
    }

    /// <summary>Training features, row-major [TrainCount, 64].</summary>
    public float[] TrainX { get; }

    /// <summary>Training labels.</summary>
    public long[] TrainY { get; }

    /// <summary>Test features, row-major [TestCount, 64].</summary>
    public float[] TestX { get; }

    /// <summary>Test labels.</summary>
    public long[] TestY { get; }

    /// <summary>Where the data came from.</summary>
    public string Source { get; }

    /// <summary>Training samples.</summary>
    public int TrainCount => TrainY.Length;

    /// <summary>Test samples.</summary>
    public int TestCount => TestY.Length;

    /// <summary>Mini-batch size of the Digits sample's default settings.</summary>
    public const int BatchSize = 64;

    /// <summary>A one-line description for the report.</summary>
    public string Description => $"64-128-64-10 MLP (ReLU, dropout 0.1), batch {BatchSize}, Adam lr 1e-3, {TrainCount} training / {TestCount} test samples";

    /// <summary>A shuffled order of the training samples for epoch <paramref name="epoch"/>.</summary>
    public long[] Order(int epoch)
    {
        var order = new long[TrainCount];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        new Random(1234 + epoch).Shuffle(order);
        return order;
    }

    /// <summary>
    /// Finds digits.csv: $CUDATENSOR_DIGITS, then Samples/Digits/data/digits.csv in a folder above the program,
    /// then shared/data/digits.csv beside the repository. Null when there is none.
    /// </summary>
    public static DigitsSet? TryLoad()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("CUDATENSOR_DIGITS") is { Length: > 0 } env) candidates.Add(env);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            candidates.Add(Path.Combine(dir.FullName, "Samples", "Digits", "data", "digits.csv"));
            candidates.Add(Path.Combine(dir.FullName, "shared", "data", "digits.csv"));
        }
        var path = candidates.FirstOrDefault(File.Exists);
        return path is null ? null : Load(path);
    }

    /// <summary>Loads a numeric CSV whose last column is the label.</summary>
    public static DigitsSet Load(string path)
    {
        var rows = new List<float[]>();
        var labels = new List<long>();
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var cells = line.Split(',');
            if (!double.TryParse(cells[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _)) continue; // a header
            rows.Add([.. cells[..^1].Select(c => float.Parse(c, CultureInfo.InvariantCulture))]);
            labels.Add((long)double.Parse(cells[^1], CultureInfo.InvariantCulture));
        }
        int n = rows.Count, nTest = (int)Math.Round(n * 0.2), nTrain = n - nTest;
        var perm = Enumerable.Range(0, n).ToArray();
        new Random(0).Shuffle(perm);
        // Standardize with the training split's statistics (constant features are only centered).
        var mean = new double[Features];
        var std = new double[Features];
        for (int i = 0; i < nTrain; i++)
        {
            for (int j = 0; j < Features; j++) mean[j] += rows[perm[i]][j];
        }
        for (int j = 0; j < Features; j++) mean[j] /= nTrain;
        for (int i = 0; i < nTrain; i++)
        {
            for (int j = 0; j < Features; j++) std[j] += Math.Pow(rows[perm[i]][j] - mean[j], 2);
        }
        for (int j = 0; j < Features; j++) std[j] = Math.Sqrt(std[j] / nTrain) is var s && s > 1e-6 ? s : 1;
        float[] X(int from, int count)
        {
            var x = new float[count * Features];
            for (int i = 0; i < count; i++)
            {
                for (int j = 0; j < Features; j++) x[i * Features + j] = (float)((rows[perm[from + i]][j] - mean[j]) / std[j]);
            }
            return x;
        }
        long[] Y(int from, int count) => [.. Enumerable.Range(from, count).Select(i => labels[perm[i]])];
        return new DigitsSet(X(0, nTrain), Y(0, nTrain), X(nTrain, nTest), Y(nTrain, nTest), path);
    }
}

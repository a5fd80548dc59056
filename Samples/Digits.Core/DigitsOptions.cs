using System.Globalization;

namespace CudaTensor.Samples.Digits;

/// <summary>A command-line option that is unknown, lacks its value, or has a value out of range.</summary>
public sealed class OptionsException(string message) : Exception(message);

/// <summary>The settings of one training run; the defaults reach about 97% test accuracy.</summary>
public sealed record DigitsOptions
{
    /// <summary>Where to train; null picks the GPU when one is usable, else the CPU.</summary>
    public Device? Device { get; init; }

    /// <summary>Which classifier to train.</summary>
    public DigitsModelKind Model { get; init; } = DigitsModelKind.Mlp;

    /// <summary>Passes over the training split.</summary>
    public int Epochs { get; init; } = 30;

    /// <summary>Samples per mini-batch.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Adam's learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Dropout probability after each hidden layer (0 disables dropout).</summary>
    public double Dropout { get; init; } = 0.1;

    /// <summary>Seeds the split, the initial weights, dropout and the shuffling.</summary>
    public ulong Seed { get; init; }

    /// <summary>Folder for the weights and the plot (created when missing).</summary>
    public string OutputDirectory { get; init; } = "out";

    /// <summary>The CSV file (64 pixels and a label per line); null uses the copy shipped next to the program.</summary>
    public string? DataPath { get; init; }

    /// <summary>Whether <c>--compile</c> was given: the training step runs as one compiled function (<see cref="CudaTensor.Compile"/>).</summary>
    public bool CompileStep { get; init; }

    /// <summary>Whether <c>--help</c> was given.</summary>
    public bool ShowHelp { get; init; }

    /// <summary>Whether <c>--diagnose</c> was given: print the CUDA report and exit.</summary>
    public bool Diagnose { get; init; }

    /// <summary>The text printed by <c>--help</c>.</summary>
    public static string Usage { get; } = """
        Trains a classifier of the 8x8 handwritten digits (a 64-128-64-10 MLP, or a small CNN) and reports its test accuracy.

        Usage: dotnet run --project Samples/Digits -c Release -- [options]

        Options:
          --device cpu|cuda|cuda:N  where to train (default: the GPU when one is usable, else the CPU)
          --model mlp|cnn           the MLP, or two 3x3 convolutions with max pooling and a linear layer (default: mlp)
          --epochs N                passes over the training split (default: 30)
          --batch-size N            samples per mini-batch (default: 64)
          --lr X                    Adam learning rate (default: 0.001)
          --dropout P               dropout probability, 0 <= P < 1 (default: 0.1; the MLP after each hidden layer, the CNN before its linear layer)
          --seed N                  seed of the split, initial weights, dropout and shuffling (default: 0)
          --out DIR                 folder for digits-MODEL.safetensors and digits-training.png (default: out)
          --data FILE               the digits CSV (default: data/digits.csv next to the program)
          --compile                 run the training step as one compiled function (captured once, then replayed) and
                                    print its speed against the eager step
          --diagnose                print what CUDA libraries and devices were found (or why not) and exit
          -h, --help                show this text
        """;

    /// <summary>Parses <paramref name="args"/> (<c>--name value</c> or <c>--name=value</c>).</summary>
    /// <exception cref="OptionsException">An option is unknown, has no value, or its value is invalid (the message says which and why).</exception>
    public static DigitsOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new DigitsOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "--help")
            {
                options = options with { ShowHelp = true };
                continue;
            }
            if (arg == "--diagnose")
            {
                options = options with { Diagnose = true };
                continue;
            }
            if (arg == "--compile")
            {
                options = options with { CompileStep = true };
                continue;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal))
                throw new OptionsException($"unexpected argument '{arg}': options start with '--' (see --help).");

            string name = arg;
            string? value = null;
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                name = arg[..eq];
                value = arg[(eq + 1)..];
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }

            string Value() => value ?? throw new OptionsException($"{name} needs a value (see --help).");
            options = name switch
            {
                "--device" => options with { Device = ParseDevice(Value()) },
                "--model" => options with { Model = ParseModel(Value()) },
                "--epochs" => options with { Epochs = ParsePositiveInt(name, Value()) },
                "--batch-size" => options with { BatchSize = ParsePositiveInt(name, Value()) },
                "--lr" => options with { LearningRate = ParseLearningRate(Value()) },
                "--dropout" => options with { Dropout = ParseDropout(Value()) },
                "--seed" => options with { Seed = ParseSeed(Value()) },
                "--out" => options with { OutputDirectory = NonEmpty(name, Value()) },
                "--data" => options with { DataPath = NonEmpty(name, Value()) },
                _ => throw new OptionsException($"unknown option '{name}' (see --help)."),
            };
        }
        return options;
    }

    private static Device ParseDevice(string text)
    {
        if (CudaTensor.Device.TryParse(text, out var device)) return device;
        throw new OptionsException($"--device '{text}' is not a device: use cpu, cuda or cuda:N.");
    }

    private static DigitsModelKind ParseModel(string text) => text.ToLowerInvariant() switch
    {
        "mlp" => DigitsModelKind.Mlp,
        "cnn" => DigitsModelKind.Cnn,
        _ => throw new OptionsException($"--model '{text}' is not a model: use mlp or cnn."),
    };

    private static int ParsePositiveInt(string name, string text)
    {
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0) return n;
        throw new OptionsException($"{name} '{text}' is not a positive whole number.");
    }

    private static double ParseLearningRate(string text)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double lr) && lr > 0 && double.IsFinite(lr)) return lr;
        throw new OptionsException($"--lr '{text}' is not a positive number (e.g. 0.001 or 1e-3).");
    }

    private static double ParseDropout(string text)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double p) && p >= 0 && p < 1) return p;
        throw new OptionsException($"--dropout '{text}' must be a probability with 0 <= p < 1.");
    }

    private static ulong ParseSeed(string text)
    {
        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed)) return seed;
        throw new OptionsException($"--seed '{text}' is not a whole number from 0 to {ulong.MaxValue}.");
    }

    private static string NonEmpty(string name, string text)
        => text.Length > 0 ? text : throw new OptionsException($"{name} needs a non-empty value.");
}

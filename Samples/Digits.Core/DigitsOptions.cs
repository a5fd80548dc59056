namespace CudaTensor.Samples.Digits;

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

    /// <summary>
    /// Whether <c>--distributed</c> was given: train data-parallel on the ranks <c>mpirun</c> started (a
    /// <c>DistributedSampler</c> gives each rank its share of every batch, <c>DistributedDataParallel</c> averages the gradients).
    /// </summary>
    public bool Distributed { get; init; }

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
          --distributed             train data-parallel on the processes mpirun started (each rank trains on
                                    batch-size / ranks samples of every batch; rank 0 prints and saves):
                                    mpirun -np 2 dotnet run --project Samples/Digits -c Release -- --distributed
          --diagnose                print what CUDA libraries and devices were found (or why not) and exit
          -h, --help                show this text
        """;

    private static readonly HashSet<string> Flags = ["--help", "--diagnose", "--compile", "--distributed"];

    /// <summary>Parses <paramref name="args"/> (<c>--name value</c> or <c>--name=value</c>).</summary>
    /// <exception cref="OptionsException">An option is unknown, has no value, or its value is invalid (the message says which and why).</exception>
    public static DigitsOptions Parse(IReadOnlyList<string> args)
    {
        var options = new DigitsOptions();
        foreach (var (name, value) in CommandLine.Options(args, Flags))
        {
            options = name switch
            {
                "--help" => options with { ShowHelp = true },
                "--diagnose" => options with { Diagnose = true },
                "--compile" => options with { CompileStep = true },
                "--distributed" => options with { Distributed = true },
                "--device" => options with { Device = CommandLine.Device(name, value) },
                "--model" => options with { Model = CommandLine.Choice(name, value, "mlp", "cnn") == "cnn" ? DigitsModelKind.Cnn : DigitsModelKind.Mlp },
                "--epochs" => options with { Epochs = CommandLine.PositiveInt(name, value) },
                "--batch-size" => options with { BatchSize = CommandLine.PositiveInt(name, value) },
                "--lr" => options with { LearningRate = CommandLine.PositiveNumber(name, value) },
                "--dropout" => options with { Dropout = CommandLine.Probability(name, value) },
                "--seed" => options with { Seed = CommandLine.Seed(name, value) },
                "--out" => options with { OutputDirectory = CommandLine.NonEmpty(name, value) },
                "--data" => options with { DataPath = CommandLine.NonEmpty(name, value) },
                _ => throw CommandLine.Unknown(name),
            };
        }
        return options;
    }
}

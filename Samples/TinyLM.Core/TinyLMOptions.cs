namespace CudaTensor.Samples.TinyLM;

/// <summary>The settings of one run; the defaults train in a few minutes on a 2-core CPU.</summary>
public sealed record TinyLMOptions
{
    public Device? Device { get; init; }

    public LanguageModelKind Model { get; init; } = LanguageModelKind.Transformer;

    public int Epochs { get; init; } = 5;

    public int StepsPerEpoch { get; init; } = 200;

    public int BatchSize { get; init; } = 32;

    /// <summary>Characters per training window (and the transformer's context).</summary>
    public int Context { get; init; } = 64;

    /// <summary>Width of the transformer's embeddings, or the LSTM's hidden size.</summary>
    public int Width { get; init; } = 128;

    public int Layers { get; init; } = 2;

    public int Heads { get; init; } = 4;

    public double Dropout { get; init; } = 0.1;

    /// <summary>Peak learning rate of Adam, reached after the warm-up, then annealed by a cosine to a tenth of it.</summary>
    public double LearningRate { get; init; } = 3e-3;

    public int WarmupSteps { get; init; } = 100;

    /// <summary>Gradients are scaled down to this total norm when larger.</summary>
    public double ClipNorm { get; init; } = 1.0;

    /// <summary>Validation characters scored after every epoch.</summary>
    public int ValidationChars { get; init; } = 32768;

    public int SampleChars { get; init; } = 400;

    public double Temperature { get; init; } = 0.8;

    public int TopK { get; init; } = 10;

    public string Prompt { get; init; } = "ROMEO:\n";

    public ulong Seed { get; init; }

    public string OutputDirectory { get; init; } = "out";

    public string? DataPath { get; init; }

    public bool ShowHelp { get; init; }

    public static string Usage { get; } = """
        Trains a character-level language model on Tiny Shakespeare and prints text sampled from it.

        Usage: dotnet run --project Samples/TinyLM -c Release -- [options]

        Options:
          --device cpu|cuda|cuda:N  where to train (default: the GPU when one is usable, else the CPU)
          --model transformer|lstm  a decoder-only transformer or a stacked LSTM (default: transformer)
          --epochs N                epochs, each followed by a validation pass (default: 5)
          --steps N                 training steps per epoch (default: 200)
          --batch-size N            windows per step (default: 32)
          --context N               characters per window; the transformer's context (default: 64)
          --width N                 embedding width, or the LSTM's hidden size (default: 128)
          --layers N                transformer blocks or LSTM layers (default: 2)
          --heads N                 attention heads (default: 4)
          --dropout P               dropout probability, 0 <= P < 1 (default: 0.1)
          --lr X                    peak Adam learning rate after the warm-up (default: 0.003)
          --warmup N                warm-up steps, then a cosine decay to lr/10 (default: 100)
          --clip X                  gradient norm clipping (default: 1)
          --val-chars N             validation characters scored per epoch (default: 32768)
          --sample-chars N          characters to sample at the end (default: 400)
          --temperature X           sampling temperature (default: 0.8)
          --top-k N                 sample among the N likeliest characters (default: 10)
          --prompt TEXT             text the sample continues (default: "ROMEO:" and a new line)
          --seed N                  seed of the weights, batches, dropout and sampling (default: 0)
          --out DIR                 folder for tinylm-MODEL.safetensors and tinylm-training.png (default: out)
          --data FILE               a text file to train on (default: data/tinyshakespeare.txt)
          -h, --help                show this text
        """;

    private static readonly HashSet<string> Flags = ["--help"];

    /// <exception cref="OptionsException">An option is unknown, has no value, or its value is invalid.</exception>
    public static TinyLMOptions Parse(IReadOnlyList<string> args)
    {
        var o = new TinyLMOptions();
        foreach (var (name, value) in CommandLine.Options(args, Flags))
        {
            o = name switch
            {
                "--help" => o with { ShowHelp = true },
                "--device" => o with { Device = CommandLine.Device(name, value) },
                "--model" => o with { Model = CommandLine.Choice(name, value, "transformer", "lstm") == "lstm" ? LanguageModelKind.Lstm : LanguageModelKind.Transformer },
                "--epochs" => o with { Epochs = CommandLine.PositiveInt(name, value) },
                "--steps" => o with { StepsPerEpoch = CommandLine.PositiveInt(name, value) },
                "--batch-size" => o with { BatchSize = CommandLine.PositiveInt(name, value) },
                "--context" => o with { Context = CommandLine.PositiveInt(name, value) },
                "--width" => o with { Width = CommandLine.PositiveInt(name, value) },
                "--layers" => o with { Layers = CommandLine.PositiveInt(name, value) },
                "--heads" => o with { Heads = CommandLine.PositiveInt(name, value) },
                "--dropout" => o with { Dropout = CommandLine.Probability(name, value) },
                "--lr" => o with { LearningRate = CommandLine.PositiveNumber(name, value) },
                "--warmup" => o with { WarmupSteps = CommandLine.PositiveInt(name, value) },
                "--clip" => o with { ClipNorm = CommandLine.PositiveNumber(name, value) },
                "--val-chars" => o with { ValidationChars = CommandLine.PositiveInt(name, value) },
                "--sample-chars" => o with { SampleChars = CommandLine.PositiveInt(name, value) },
                "--temperature" => o with { Temperature = CommandLine.PositiveNumber(name, value) },
                "--top-k" => o with { TopK = CommandLine.PositiveInt(name, value) },
                "--prompt" => o with { Prompt = CommandLine.NonEmpty(name, value).Replace("\\n", "\n", StringComparison.Ordinal) },
                "--seed" => o with { Seed = CommandLine.Seed(name, value) },
                "--out" => o with { OutputDirectory = CommandLine.NonEmpty(name, value) },
                "--data" => o with { DataPath = CommandLine.NonEmpty(name, value) },
                _ => throw CommandLine.Unknown(name),
            };
        }
        if (o.Model == LanguageModelKind.Transformer && o.Width % o.Heads != 0)
            throw new OptionsException($"--width {o.Width} must be a multiple of --heads {o.Heads}.");
        return o;
    }
}

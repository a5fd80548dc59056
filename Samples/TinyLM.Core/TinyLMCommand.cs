namespace CudaTensor.Samples.TinyLM;

/// <summary>The command line: parses the arguments, runs, and maps failures to exit codes (0, 1 failed, 2 usage).</summary>
public static class TinyLMCommand
{
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        TinyLMOptions options;
        try
        {
            options = TinyLMOptions.Parse(args);
        }
        catch (OptionsException e)
        {
            error.WriteLine($"tinylm: {e.Message}");
            return 2;
        }
        if (options.ShowHelp)
        {
            output.WriteLine(TinyLMOptions.Usage);
            return 0;
        }
        try
        {
            var result = TinyLMRun.Run(options, output);
            // The reloaded weights must score exactly what the trained model scored.
            return result.ReloadedValidationLoss == result.History[^1].ValidationLoss ? 0 : 1;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or InvalidDataException or UnauthorizedAccessException or NotSupportedException)
        {
            error.WriteLine($"tinylm: {e.Message}");
            return 1;
        }
    }
}

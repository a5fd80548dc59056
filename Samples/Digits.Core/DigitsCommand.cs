namespace CudaTensor.Samples.Digits;

/// <summary>The command line: parses the arguments, runs, and maps failures to exit codes.</summary>
public static class DigitsCommand
{
    /// <summary>The run succeeded and the reloaded weights reproduced the test accuracy.</summary>
    public const int Success = 0;

    /// <summary>The run failed (device unusable, data missing or malformed, output not writable, reload mismatch).</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong (unknown option, missing or invalid value).</summary>
    public const int UsageError = 2;

    /// <summary>Runs the program with <paramref name="args"/>; progress goes to <paramref name="output"/>, errors to <paramref name="error"/>.</summary>
    /// <returns><see cref="Success"/>, <see cref="Failure"/> or <see cref="UsageError"/>.</returns>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        DigitsOptions options;
        try
        {
            options = DigitsOptions.Parse(args);
        }
        catch (OptionsException e)
        {
            error.WriteLine($"digits: {e.Message}");
            return UsageError;
        }
        if (options.ShowHelp)
        {
            output.WriteLine(DigitsOptions.Usage);
            return Success;
        }
        if (options.Diagnose)
        {
            output.WriteLine(CudaTensor.Cuda.Diagnose());
            return Success;
        }

        try
        {
            var result = DigitsRun.Run(options, output);
            return result.ReloadedTestAccuracy == result.TestAccuracy ? Success : Failure;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or FormatException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine($"digits: {e.Message}");
            return Failure;
        }
    }
}

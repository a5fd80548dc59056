using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CudaTensor.Native;

namespace CudaTensor.CudaRuntime;

/// <summary>
/// A kernel source failed to compile. The message holds NVRTC's log and, for each of the first errors, the
/// numbered source lines around it (from the program or the header the error is in).
/// </summary>
public sealed partial class KernelCompilationException : NvrtcException
{
    private const int ContextLines = 3;
    private const int MaxErrorsShown = 3;

    internal KernelCompilationException(string name, string target, IReadOnlyList<string> options, string log,
        string source, IReadOnlyList<KeyValuePair<string, string>> headers)
        : base(NvrtcResult.NVRTC_ERROR_COMPILATION, $"nvrtcCompileProgram({name}, -arch={target})", log,
            Describe(name, options, log, source, headers))
    {
        ProgramName = name;
    }

    /// <summary>The program's file name.</summary>
    public string ProgramName { get; }

    private static string Describe(string name, IReadOnlyList<string> options, string log, string source,
        IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Options: {string.Join(' ', options)}\nNVRTC log:\n{log.TrimEnd()}\n");
        int shown = 0;
        foreach (Match m in ErrorLocation().Matches(log))
        {
            if (shown == MaxErrorsShown)
            {
                break;
            }
            string file = m.Groups["file"].Value;
            int line = int.Parse(m.Groups["line"].Value, CultureInfo.InvariantCulture);
            string? contents = file == name ? source : headers.FirstOrDefault(h => h.Key == file).Value;
            if (contents is null)
            {
                continue;
            }
            text.Append(CultureInfo.InvariantCulture, $"\n{file}, around line {line}:\n");
            string[] lines = contents.Split('\n');
            int first = Math.Max(1, line - ContextLines), last = Math.Min(lines.Length, line + ContextLines);
            for (int i = first; i <= last; i++)
            {
                text.Append(CultureInfo.InvariantCulture, $"{(i == line ? ">" : " ")}{i,5} | {lines[i - 1].TrimEnd('\r')}\n");
            }
            shown++;
        }
        return text.ToString().TrimEnd();
    }

    // NVRTC reports "file(line): error: ..." (and "warning").
    [GeneratedRegex(@"^(?<file>[^\s()]+)\((?<line>\d+)\): (?:catastrophic )?error", RegexOptions.Multiline)]
    private static partial Regex ErrorLocation();
}

namespace CudaTensor.Samples;

/// <summary>
/// Progress of a long loop. On a terminal one line is rewritten in place (at most ten times a second); when the
/// output is redirected to a file or a pipe, a plain line is written every <c>plainEvery</c> reports, so logs hold
/// no carriage returns or escape codes.
/// </summary>
public sealed class ProgressLine(TextWriter output, bool interactive, int plainEvery)
{
    private long _lastDraw = long.MinValue;
    private int _shownLength;
    private int _reports;

    /// <summary>Whether <paramref name="output"/> is the console and the console is a terminal.</summary>
    public static bool IsTerminal(TextWriter output) => ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;

    /// <summary>Shows <paramref name="text"/> (built only when it will be shown).</summary>
    public void Report(Func<string> text, bool force = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        _reports++;
        if (interactive)
        {
            long now = Environment.TickCount64;
            if (!force && now - _lastDraw < 100) return;
            _lastDraw = now;
            string line = text();
            output.Write('\r' + line.PadRight(_shownLength));
            _shownLength = line.Length;
            output.Flush();
        }
        else if (force || _reports % plainEvery == 0)
        {
            output.WriteLine(text());
        }
    }

    /// <summary>Ends the rewritten line so that the next output starts on a line of its own.</summary>
    public void Finish()
    {
        if (interactive && _shownLength > 0) output.WriteLine();
        _shownLength = 0;
    }

    /// <summary>A duration as 1h02m, 3m05s or 12s.</summary>
    public static string Format(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:00}s" : $"{t.Seconds}s";
}

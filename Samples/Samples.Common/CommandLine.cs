using System.Globalization;

namespace CudaTensor.Samples;

/// <summary>
/// The samples' command-line grammar: <c>--name value</c>, <c>--name=value</c>, and flags that take no value; plus
/// the value checks they share. Every failure is an <see cref="OptionsException"/> whose message names the option.
/// </summary>
public static class CommandLine
{
    /// <summary>The options of <paramref name="args"/> in order; a name in <paramref name="flags"/> never takes a value.</summary>
    /// <exception cref="OptionsException">An argument does not start with <c>--</c>.</exception>
    public static IEnumerable<(string Name, string? Value)> Options(IReadOnlyList<string> args, IReadOnlySet<string> flags)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(flags);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "-h") arg = "--help";
            if (flags.Contains(arg))
            {
                yield return (arg, null);
                continue;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal))
                throw new OptionsException($"unexpected argument '{arg}': options start with '--' (see --help).");
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
                yield return (arg[..eq], arg[(eq + 1)..]);
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                yield return (arg, args[++i]);
            else
                yield return (arg, null);
        }
    }

    /// <summary>The option's value, or an error saying it needs one.</summary>
    public static string Required(string name, string? value) => value ?? throw new OptionsException($"{name} needs a value (see --help).");

    public static Device Device(string name, string? value)
    {
        string text = Required(name, value);
        if (CudaTensor.Device.TryParse(text, out var device)) return device;
        throw new OptionsException($"{name} '{text}' is not a device: use cpu, cuda or cuda:N.");
    }

    public static int PositiveInt(string name, string? value)
    {
        string text = Required(name, value);
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0) return n;
        throw new OptionsException($"{name} '{text}' is not a positive whole number.");
    }

    public static double PositiveNumber(string name, string? value)
    {
        string text = Required(name, value);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && x > 0 && double.IsFinite(x)) return x;
        throw new OptionsException($"{name} '{text}' is not a positive number (e.g. 0.001 or 1e-3).");
    }

    /// <summary>A probability p with 0 &lt;= p &lt; 1 (a dropout rate).</summary>
    public static double Probability(string name, string? value)
    {
        string text = Required(name, value);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double p) && p >= 0 && p < 1) return p;
        throw new OptionsException($"{name} '{text}' must be a probability with 0 <= p < 1.");
    }

    public static ulong Seed(string name, string? value)
    {
        string text = Required(name, value);
        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed)) return seed;
        throw new OptionsException($"{name} '{text}' is not a whole number from 0 to {ulong.MaxValue}.");
    }

    public static string NonEmpty(string name, string? value)
    {
        string text = Required(name, value);
        return text.Length > 0 ? text : throw new OptionsException($"{name} needs a non-empty value.");
    }

    /// <summary>One of <paramref name="choices"/> (compared ignoring case), returned in the casing of the choice.</summary>
    public static string Choice(string name, string? value, params string[] choices)
    {
        string text = Required(name, value);
        return choices.FirstOrDefault(c => string.Equals(c, text, StringComparison.OrdinalIgnoreCase))
            ?? throw new OptionsException($"{name} '{text}' is not one of: {string.Join(", ", choices)}.");
    }

    public static OptionsException Unknown(string name) => new($"unknown option '{name}' (see --help).");
}

using System.Globalization;

namespace CudaTensor.VirtualDevice;

/// <summary>
/// The virtual device's settings, parsed from <c>CUDATENSOR_VIRTUAL_DEVICE</c>: <c>1</c> for the defaults, or a
/// comma-separated list such as <c>devices=2,memory=2GiB,sync=strict</c>.
/// </summary>
/// <remarks>
/// Keys: <c>devices</c> (1-8, default 1); <c>memory</c> per device (bytes, or with a KiB/MiB/GiB/TiB or K/M/G/T suffix,
/// default 4 GiB); <c>sync</c>: <c>async</c> (default: each stream's work runs in order on a worker thread) or
/// <c>strict</c> (work is queued and runs only when something waits for it, so a missing synchronization or event
/// gives wrong data instead of passing by luck). An unknown key or a bad value is an error that lists the valid ones.
/// </remarks>
internal sealed record VirtualDeviceOptions(int DeviceCount, ulong MemoryBytes, bool Strict, string Text)
{
    /// <summary>The environment variable that switches the virtual device on.</summary>
    public const string Variable = "CUDATENSOR_VIRTUAL_DEVICE";

    private const ulong DefaultMemory = 4UL << 30;
    private const int MaxDevices = 8;

    /// <summary>The defaults (one device, 4 GiB, asynchronous streams).</summary>
    public static VirtualDeviceOptions Default { get; } = new(1, DefaultMemory, false, "1");

    /// <summary>True when <paramref name="value"/> asks for the virtual device (set, not empty, not "0").</summary>
    /// <param name="value">The variable's value.</param>
    /// <returns>Whether the virtual device is requested.</returns>
    public static bool IsRequested(string? value) => !string.IsNullOrWhiteSpace(value) && value.Trim() != "0";

    /// <summary>The options in the environment variable, or null when it does not ask for the virtual device.</summary>
    /// <returns>The options or null.</returns>
    /// <exception cref="ArgumentException">The value has an unknown key or a bad value.</exception>
    public static VirtualDeviceOptions? FromEnvironment()
    {
        string? value = Environment.GetEnvironmentVariable(Variable);
        return IsRequested(value) ? Parse(value!) : null;
    }

    /// <summary>Parses an option string.</summary>
    /// <param name="text"><c>1</c>, <c>true</c>, <c>on</c>, or <c>key=value</c> pairs separated by commas.</param>
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentException">An unknown key or a bad value (the message lists the valid ones).</exception>
    public static VirtualDeviceOptions Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        if (trimmed is "1" or "true" or "on" or "yes")
        {
            return Default with { Text = trimmed };
        }
        int devices = 1;
        ulong memory = DefaultMemory;
        bool strict = false;
        foreach (string part in trimmed.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            string key = (eq < 0 ? part : part[..eq]).Trim().ToLowerInvariant();
            string value = eq < 0 ? string.Empty : part[(eq + 1)..].Trim();
            switch (key)
            {
                case "devices":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out devices) || devices is < 1 or > MaxDevices)
                    {
                        throw Bad(text, $"devices={value}: expected a count from 1 to {MaxDevices}");
                    }
                    break;
                case "memory":
                    memory = ParseBytes(value) ?? throw Bad(text, $"memory={value}: expected bytes, optionally with a KiB/MiB/GiB/TiB suffix (memory=2GiB)");
                    break;
                case "sync":
                    strict = value.ToLowerInvariant() switch
                    {
                        "strict" => true,
                        "async" => false,
                        _ => throw Bad(text, $"sync={value}: expected sync=async (streams run on worker threads) or sync=strict (work runs only when waited for)"),
                    };
                    break;
                default:
                    throw Bad(text, $"unknown key '{key}'; valid keys are devices, memory and sync");
            }
        }
        return new VirtualDeviceOptions(devices, memory, strict, trimmed);
    }

    /// <summary>A one-line summary ("1 device, 4 GiB each, sync=async").</summary>
    /// <returns>The summary.</returns>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{DeviceCount} device{(DeviceCount == 1 ? string.Empty : "s")}, {FormatBytes(MemoryBytes)} each, sync={(Strict ? "strict" : "async")} ({Variable}={Text})");

    /// <summary>Bytes with a binary unit, for messages.</summary>
    /// <param name="bytes">A byte count.</param>
    /// <returns>E.g. "4 GiB" or "1536 B".</returns>
    public static string FormatBytes(ulong bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        int unit = 0;
        ulong value = bytes;
        while (unit < units.Length - 1 && value >= 1024 && value % 1024 == 0)
        {
            value /= 1024;
            unit++;
        }
        return string.Create(CultureInfo.InvariantCulture, $"{value} {units[unit]}");
    }

    private static ulong? ParseBytes(string value)
    {
        string v = value.Trim();
        int digits = 0;
        while (digits < v.Length && char.IsAsciiDigit(v[digits]))
        {
            digits++;
        }
        if (digits == 0 || !ulong.TryParse(v.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out ulong number))
        {
            return null;
        }
        int shift = v[digits..].Trim().ToLowerInvariant() switch
        {
            "" or "b" => 0,
            "k" or "kb" or "kib" => 10,
            "m" or "mb" or "mib" => 20,
            "g" or "gb" or "gib" => 30,
            "t" or "tb" or "tib" => 40,
            _ => -1,
        };
        return shift < 0 || number == 0 || number > (ulong.MaxValue >> shift) ? null : number << shift;
    }

    private static ArgumentException Bad(string text, string problem)
        => new($"{Variable}='{text}' is not valid: {problem}. Example: {Variable}=devices=2,memory=2GiB,sync=strict (or 1 for the defaults).");
}

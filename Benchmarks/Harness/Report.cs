using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CudaTensor.Benchmarks;

/// <summary>One workload's measurement by one library.</summary>
/// <param name="Workload">What was measured.</param>
/// <param name="Stats">Seconds per op (median, min, max); for <see cref="Metric.Memory"/>, MiB in every field.</param>
public sealed record Measurement(Workload Workload, Stats Stats)
{
    /// <summary>The headline number in <see cref="Unit"/> for a seconds-per-op (or MiB) value.</summary>
    public double Value(double secondsPerOp) => Workload.Metric switch
    {
        Metric.Flops or Metric.Bandwidth => Workload.WorkPerOp / secondsPerOp / 1e9,
        Metric.Microseconds => secondsPerOp * 1e6,
        Metric.Milliseconds => secondsPerOp * 1e3,
        _ => secondsPerOp,
    };

    /// <summary>The headline number of the median.</summary>
    public double Median => Value(Stats.Median);

    /// <summary>The headline unit.</summary>
    public string Unit => Workload.Metric switch
    {
        Metric.Flops => "GFLOP/s",
        Metric.Bandwidth => "GB/s",
        Metric.Microseconds => "µs/op",
        Metric.Milliseconds => "ms",
        _ => "MiB",
    };

    /// <summary>Nanoseconds per element of the median (bandwidth workloads), or null.</summary>
    public double? NsPerElement => Workload.Elements > 0 && Workload.Metric != Metric.Memory ? Stats.Median / Workload.Elements * 1e9 : null;

    /// <summary>The median as a share of the matching physical limit, or null.</summary>
    public double? OfLimit(MachineLimits? limits)
        => Workload.Limit is { } key && limits?[key] is { } limit && limit > 0 ? Median / limit : null;

    /// <summary>
    /// How many times faster this is than <paramref name="reference"/> (time ratio reference / this; for memory,
    /// reference MiB / this MiB). Above 1: this is faster (or smaller).
    /// </summary>
    public double SpeedupOver(Measurement reference) => reference.Stats.Median / Stats.Median;
}

/// <summary>Prints results as a markdown table or as JSON.</summary>
public static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Formats a number with 3-4 significant digits.</summary>
    public static string Num(double v)
    {
        if (double.IsNaN(v) || double.IsInfinity(v)) return "-";
        double a = Math.Abs(v);
        string f = a >= 1000 ? "0" : a >= 100 ? "0.0" : a >= 10 ? "0.00" : a >= 1 ? "0.000" : "0.0000";
        return v.ToString(f, Inv);
    }

    /// <summary>The physical limits as markdown lines.</summary>
    public static string Limits(MachineLimits limits, MachineInfo machine)
    {
        var sb = new StringBuilder();
        sb.AppendLine(Inv, $"FMA peak: {Num(limits.FmaPeakAll)} GFLOP/s on {machine.Cores} cores ({Num(limits.FmaPeak1)} on 1) = " +
            $"{machine.Cores} cores x {limits.FmaUnits:0.0} FMA units x {MachineLimits.Lanes} lanes x 2 flop x {limits.ClockGHz:0.00} GHz (clock measured)");
        sb.Append("Memory bandwidth, GB/s (copy-scale 8 B/elem | triad 12 B/elem | read 4 B/elem): ");
        sb.AppendLine(string.Join("; ", MachineLimits.Sizes.Select(n =>
            $"{Size(n)} floats {Num(limits[$"scale/{n}"] ?? 0)} | {Num(limits[$"triad/{n}"] ?? 0)} | {Num(limits[$"read/{n}"] ?? 0)}")));
        return sb.ToString();
    }

    /// <summary>2^k written as such.</summary>
    public static string Size(long n) => BitOperationsIsPow2(n) ? $"2^{Log2(n)}" : n.ToString(Inv);

    private static bool BitOperationsIsPow2(long n) => n > 0 && (n & (n - 1)) == 0;

    private static int Log2(long n) => 63 - (int)long.LeadingZeroCount(n);

    /// <summary>A markdown table of one library's results.</summary>
    public static string Table(IReadOnlyList<Measurement> results, MachineLimits? limits)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| workload | median | unit | min - max | ns/elem | of limit |");
        sb.AppendLine("|---|---:|---|---:|---:|---:|");
        foreach (var r in results)
        {
            string range = r.Workload.Metric == Metric.Memory ? "" : $"{Num(r.Value(r.Stats.Max))} - {Num(r.Value(r.Stats.Min))}";
            if (r.Workload.Metric is Metric.Microseconds or Metric.Milliseconds)
                range = $"{Num(r.Value(r.Stats.Min))} - {Num(r.Value(r.Stats.Max))}";
            sb.AppendLine(Inv, $"| {r.Workload.Name} | {Num(r.Median)} | {r.Unit} | {range} | {(r.NsPerElement is { } ns ? Num(ns) : "")} | {Percent(r.OfLimit(limits))} |");
        }
        AppendNotes(sb, results.Select(r => r.Workload));
        return sb.ToString();
    }

    /// <summary>A markdown table comparing two libraries measured alternately in one run.</summary>
    public static string Comparison(IReadOnlyList<(Measurement Ours, Measurement? Theirs)> rows, MachineLimits? limits, string ours, string theirs)
    {
        var sb = new StringBuilder();
        sb.AppendLine(Inv, $"| workload | unit | {ours} | {theirs} | ratio | {ours} of limit | {theirs} of limit |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var (o, t) in rows)
        {
            string ratio = t is null ? "" : Num(o.SpeedupOver(t)) + "x";
            sb.AppendLine(Inv, $"| {o.Workload.Name} | {o.Unit} | {Num(o.Median)} | {(t is null ? "n/a" : Num(t.Median))} | {ratio} | {Percent(o.OfLimit(limits))} | {Percent(t?.OfLimit(limits))} |");
        }
        AppendNotes(sb, rows.Select(r => r.Ours.Workload));
        return sb.ToString();
    }

    private static void AppendNotes(StringBuilder sb, IEnumerable<Workload> workloads)
    {
        foreach (var w in workloads.Where(w => w.Note is not null)) sb.AppendLine(Inv, $"\n- {w.Name}: {w.Note}");
    }

    private static string Percent(double? share) => share is { } s ? (s * 100).ToString("0", Inv) + "%" : "";

    /// <summary>The results as JSON: machine, limits and one object per workload and library.</summary>
    public static string Json(MachineInfo machine, MachineLimits? limits, IReadOnlyList<(string Library, Measurement Result)> results,
        IReadOnlyList<(string Name, double Ratio)>? ratios = null)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartObject("machine");
            w.WriteString("cpu", machine.CpuModel);
            w.WriteNumber("cores", machine.Cores);
            w.WriteNumber("vectorBits", machine.VectorBits);
            w.WriteString("dotnet", machine.DotNet);
            w.WriteString("os", machine.Os);
            w.WriteEndObject();
            if (limits is not null)
            {
                w.WriteStartObject("limits");
                w.WriteNumber("clockGHz", Math.Round(limits.ClockGHz, 3));
                w.WriteNumber("fmaPeak1GFlops", Math.Round(limits.FmaPeak1, 1));
                foreach (var (k, v) in limits.Values) w.WriteNumber(k, Math.Round(v, 2));
                w.WriteEndObject();
            }
            w.WriteStartArray("results");
            foreach (var (library, r) in results)
            {
                w.WriteStartObject();
                w.WriteString("library", library);
                w.WriteString("name", r.Workload.Name);
                w.WriteString("unit", r.Unit);
                w.WriteNumber("median", Math.Round(r.Median, 4));
                w.WriteNumber("min", Math.Round(Math.Min(r.Value(r.Stats.Min), r.Value(r.Stats.Max)), 4));
                w.WriteNumber("max", Math.Round(Math.Max(r.Value(r.Stats.Min), r.Value(r.Stats.Max)), 4));
                w.WriteNumber("secondsPerOpMedian", r.Stats.Median);
                w.WriteNumber("samples", r.Stats.Samples);
                if (r.NsPerElement is { } ns) w.WriteNumber("nsPerElement", Math.Round(ns, 4));
                if (r.OfLimit(limits) is { } share) w.WriteNumber("ofLimit", Math.Round(share, 4));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (ratios is not null)
            {
                w.WriteStartObject("ratios");
                foreach (var (name, ratio) in ratios) w.WriteNumber(name, Math.Round(ratio, 3));
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}

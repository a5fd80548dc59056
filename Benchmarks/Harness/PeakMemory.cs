using System.Globalization;

namespace CudaTensor.Benchmarks;

/// <summary>
/// Peak resident memory of the process (VmHWM). On Linux the peak can be reset (writing 5 to
/// /proc/self/clear_refs), so a workload's own peak is measured; elsewhere the process peak is reported.
/// </summary>
public static class PeakMemory
{
    /// <summary>Resets the peak to the current resident size; false where that is not possible.</summary>
    public static bool Reset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Peak resident bytes since start or the last <see cref="Reset"/>.</summary>
    public static long PeakBytes() => Status("VmHWM:") ?? System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64;

    /// <summary>Current resident bytes.</summary>
    public static long CurrentBytes() => Status("VmRSS:") ?? Environment.WorkingSet;

    /// <summary>Resident bytes of anonymous memory (heaps, native buffers) and of mapped files (code); null off Linux.</summary>
    public static (long Anonymous, long Files)? ResidentParts() =>
        Status("RssAnon:") is long anon && Status("RssFile:") is long files ? (anon, files) : null;

    private static long? Status(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith(key, StringComparison.Ordinal)) continue;
                var parts = line[key.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    /// <summary>Runs <paramref name="body"/> <paramref name="runs"/> times and returns (peak MiB, rise over the start in MiB).</summary>
    public static (double PeakMiB, double RiseMiB) Measure(Body body, int runs)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Reset();
        long before = CurrentBytes();
        for (int i = 0; i < runs; i++) body.Run();
        long peak = PeakBytes();
        return (peak / 1048576.0, (peak - before) / 1048576.0);
    }
}

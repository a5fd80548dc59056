namespace CudaTensor.Benchmarks;

/// <summary>Runs workloads under the protocol and collects measurements.</summary>
public static class Suite
{
    /// <summary>Steps of warm-up before the peak-memory window, and steps inside it.</summary>
    public const int MemoryWarmupSteps = 20, MemorySteps = 200;

    /// <summary>
    /// Measures each of <paramref name="workloadSets"/>' workloads (one list per library, same names in the same
    /// order), alternating the libraries sample by sample. Progress goes to standard error.
    /// </summary>
    public static List<Measurement[]> Run(IReadOnlyList<IReadOnlyList<Workload>> workloadSets, Options options)
    {
        var protocol = options.Protocol;
        var results = new List<Measurement[]>();
        int count = workloadSets[0].Count;
        for (int w = 0; w < count; w++)
        {
            var name = workloadSets[0][w].Name;
            if (!options.Selects(name)) continue;
            Console.Error.Write($"{name} ... ");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var row = new Measurement[workloadSets.Count];
            if (workloadSets[0][w].Metric == Metric.Memory)
            {
                // One library at a time: a peak cannot be shared.
                for (int lib = 0; lib < workloadSets.Count; lib++)
                {
                    var workload = workloadSets[lib][w];
                    using var body = workload.Create();
                    for (int i = 0; i < MemoryWarmupSteps; i++) body.Run();
                    var (_, rise) = PeakMemory.Measure(body, MemorySteps);
                    row[lib] = new Measurement(workload, new Stats(rise, rise, rise, 1));
                }
            }
            else
            {
                var bodies = new List<Body>();
                try
                {
                    foreach (var set in workloadSets) bodies.Add(set[w].Create());
                    var stats = protocol.MeasureAlternating(bodies, workloadSets[0][w].MinOpsPerSample);
                    for (int lib = 0; lib < stats.Length; lib++) row[lib] = new Measurement(workloadSets[lib][w], stats[lib]);
                }
                finally
                {
                    foreach (var b in bodies) b.Dispose();
                }
            }
            Console.Error.WriteLine($"{string.Join(" | ", row.Select(r => Report.Num(r.Median) + " " + r.Unit))}  ({clock.Elapsed.TotalSeconds:0.0} s)");
            results.Add(row);
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        return results;
    }
}

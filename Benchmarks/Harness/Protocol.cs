using System.Diagnostics;

namespace CudaTensor.Benchmarks;

/// <summary>
/// The measuring protocol, the same for every workload and both libraries: warm up (JIT tiers, pools, thread
/// wake-up) for <see cref="WarmupSeconds"/>; choose how many runs make one sample of about
/// <see cref="SampleSeconds"/>; then take <see cref="Samples"/> samples and report the median time per op with
/// the minimum and maximum. Compared bodies are sampled alternately (A B B A ...) so that machine drift, which
/// reaches 30% over an hour on these VMs, falls on both alike.
/// </summary>
public sealed class Protocol
{
    /// <summary>Warm-up per body, in seconds.</summary>
    public double WarmupSeconds { get; init; } = 1.0;

    /// <summary>
    /// Warm-up of the first body a process measures, in seconds. The JIT promotes hot methods to optimized code on a
    /// background thread, and while both cores of a 2-core machine run a parallel op that thread waits its turn: right
    /// after the start (a run with <c>--filter</c>, say) large elementwise ops ran at one core's speed for 1-2 s.
    /// </summary>
    public double FirstWarmupSeconds { get; init; } = 3.0;

    private static bool _warmedOnce;

    /// <summary>Target length of one sample, in seconds.</summary>
    public double SampleSeconds { get; init; } = 0.1;

    /// <summary>Samples per body (odd, so the median is one of them).</summary>
    public int Samples { get; init; } = 11;

    /// <summary>The full protocol.</summary>
    public static Protocol Full { get; } = new();

    /// <summary>A short pass (<c>--quick</c>): same steps, fewer and shorter samples.</summary>
    public static Protocol Quick { get; } = new() { WarmupSeconds = 0.1, FirstWarmupSeconds = 0.5, SampleSeconds = 0.03, Samples = 5 };

    /// <summary>Measures one body.</summary>
    public Stats Measure(Body body, long minOpsPerSample = 1) => MeasureAlternating([body], minOpsPerSample)[0];

    /// <summary>Measures several bodies of the same workload, sample by sample in alternating order.</summary>
    public Stats[] MeasureAlternating(IReadOnlyList<Body> bodies, long minOpsPerSample = 1)
    {
        var runsPerSample = new long[bodies.Count];
        for (int i = 0; i < bodies.Count; i++) runsPerSample[i] = WarmUp(bodies[i], minOpsPerSample);
        var perOp = new double[bodies.Count][];
        for (int i = 0; i < bodies.Count; i++) perOp[i] = new double[Samples];
        for (int s = 0; s < Samples; s++)
        {
            for (int j = 0; j < bodies.Count; j++)
            {
                // A B, then B A: each body goes first equally often.
                int i = s % 2 == 0 ? j : bodies.Count - 1 - j;
                perOp[i][s] = TimeSample(bodies[i], runsPerSample[i]);
            }
        }
        return [.. perOp.Select(Stats.From)];
    }

    // Warms up and returns the number of runs per sample.
    private long WarmUp(Body body, long minOpsPerSample)
    {
        long start = Stopwatch.GetTimestamp();
        long runs = 0;
        double elapsed, seconds = _warmedOnce ? WarmupSeconds : Math.Max(WarmupSeconds, FirstWarmupSeconds);
        _warmedOnce = true;
        do
        {
            body.Run();
            runs++;
            elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        while (runs < 2 || elapsed < seconds);
        // Time one more batch now that the code is hot, to size the samples.
        long probe = Math.Max(1, runs / 4);
        double perRun = TimeSample(body, probe) * body.OpsPerRun;
        long forTime = (long)Math.Ceiling(SampleSeconds / Math.Max(perRun, 1e-9));
        long forOps = (minOpsPerSample + body.OpsPerRun - 1) / body.OpsPerRun;
        return Math.Max(1, Math.Max(forTime, forOps));
    }

    // Seconds per op over `runs` runs.
    private static double TimeSample(Body body, long runs)
    {
        long start = Stopwatch.GetTimestamp();
        for (long r = 0; r < runs; r++) body.Run();
        return Stopwatch.GetElapsedTime(start).TotalSeconds / (runs * body.OpsPerRun);
    }
}

/// <summary>Median, minimum and maximum seconds per op over the samples.</summary>
public readonly record struct Stats(double Median, double Min, double Max, int Samples)
{
    /// <summary>Summarises samples of seconds per op.</summary>
    public static Stats From(double[] samples)
    {
        var sorted = samples.Order().ToArray();
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Stats(median, sorted[0], sorted[^1], n);
    }
}

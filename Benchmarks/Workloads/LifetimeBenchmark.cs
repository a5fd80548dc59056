using System.Diagnostics;
using System.Runtime.CompilerServices;
using CudaTensor.NN;
using CudaTensor.Optim;

namespace CudaTensor.Benchmarks;

/// <summary>
/// What tensors cost when nobody disposes them (<c>--lifetime</c>): the MLP training step (64-256-256-10, batch 128,
/// cross-entropy, Adam) written as in PyTorch with no scope and no Dispose, against the same step with a scope per
/// step, sampled alternately; the collections and the resident set of a long unscoped run; a one-element
/// <c>using var c = a + b</c>; and a long autograd graph (<c>h = h * 1.0001 + 0.0</c> on a float64 [16] leaf), whose
/// cost per op should not depend on how many tensors are alive.
/// </summary>
public static class LifetimeBenchmark
{
    /// <summary>Runs every measurement and prints a markdown report to standard output.</summary>
    /// <param name="quick">Fewer steps: 2,000 unscoped steps instead of 10,000, a long graph of 200,000 tensors instead of 1,000,000.</param>
    /// <param name="sections">Which parts to run (<c>step</c>, <c>long-run</c>, <c>add</c>, <c>graph</c>); all when empty.</param>
    public static int Run(bool quick, IReadOnlyList<string> sections)
    {
        bool Selected(string name) => sections.Count == 0 || sections.Any(f => name.Contains(f, StringComparison.OrdinalIgnoreCase));
        Console.WriteLine($"Machine: {MachineInfo.Current()}");
        Console.WriteLine($"GC: server={System.Runtime.GCSettings.IsServerGC}, latency={System.Runtime.GCSettings.LatencyMode}");
        Console.WriteLine();
        if (Selected("step")) StepComparison(quick);
        if (Selected("long-run")) LongUnscopedRun(quick ? 2_000 : 20_000, quick ? 500 : 1_000, quick ? 1_000 : 10_000);
        if (Selected("add")) OneElementAdd(quick);
        if (Selected("graph")) LongGraph(quick ? [10_000, 100_000, 200_000] : [10_000, 100_000, 1_000_000]);
        PrintPool();
        return 0;
    }

    private sealed class Mlp : IDisposable
    {
        private readonly Sequential _model = new(new Linear(64, 256), new ReLU(), new Linear(256, 256), new ReLU(), new Linear(256, 10));
        private readonly Tensor _x, _y;
        private readonly CrossEntropyLoss _criterion = new();
        private readonly Adam _optimizer;

        public Mlp(int seed)
        {
            var g = new Generator((ulong)seed);
            _x = Tensor.Randn([128, 64], generator: g);
            _y = Tensor.RandInt(0, 10, [128], generator: g);
            _optimizer = new Adam(_model.Parameters(), lr: 1e-3);
        }

        // As a PyTorch user writes it: nothing is disposed.
        public void Unscoped()
        {
            _optimizer.ZeroGrad();
            var loss = _criterion.Forward(_model.Forward(_x), _y);
            loss.Backward();
            _optimizer.Step();
        }

        public void Scoped()
        {
            using var scope = Tensor.NewScope();
            Unscoped();
        }

        public void Dispose()
        {
            _optimizer.Dispose();
            _criterion.Dispose();
            foreach (var p in _model.Parameters()) p.Dispose();
            _x.Dispose();
            _y.Dispose();
        }
    }

    private static void StepComparison(bool quick)
    {
        using var scoped = new Mlp(1);
        using var unscoped = new Mlp(2);
        // More samples than the suite's 11: the two bodies differ by a few percent, and a shared 2-core machine swings
        // a 0.1 s sample by more than that.
        var protocol = quick ? Protocol.Quick : new Protocol { Samples = 41 };
        var stats = protocol.MeasureAlternating([new Body(scoped.Scoped, () => { }), new Body(unscoped.Unscoped, () => { })]);
        Console.WriteLine("| MLP step (64-256-256-10, batch 128, Adam) | median | min - max |");
        Console.WriteLine("|---|---|---|");
        Console.WriteLine($"| scope per step | {Ms(stats[0].Median)} | {Ms(stats[0].Min)} - {Ms(stats[0].Max)} |");
        Console.WriteLine($"| no scope, no Dispose | {Ms(stats[1].Median)} | {Ms(stats[1].Min)} - {Ms(stats[1].Max)} |");
        Console.WriteLine();
        Console.WriteLine($"Unscoped / scoped: {stats[1].Median / stats[0].Median:0.00}x");
        Console.WriteLine();
    }

    // The goal's window is steps 1,000 to 10,000, and the run goes on to twice that. Compiled optimized up front: with
    // tiering, this loop is recompiled by on-stack replacement near step 10,000, and that compilation held 10-17 MB of
    // native memory for ~2,000 steps (the window then read 10-17 MB of "growth"; with DOTNET_TC_OnStackReplacement=0
    // or DOTNET_TieredPGO=0 it read -0.3 and 5.5 MB). The loop's code is the harness's, not the library's.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LongUnscopedRun(int steps, int from, int goalEnd)
    {
        using var mlp = new Mlp(3);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        int gen0 = 0, gen1 = 0, gen2 = 0;
        long wsFrom = 0, rssFrom = 0, wsGoalEnd = 0;
        var perStep = new List<double>();
        var series = new List<string>();
        var clock = Stopwatch.StartNew();
        for (int i = 1; i <= steps; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            mlp.Unscoped();
            perStep.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
            if (i % (steps / 10) == 0)
            {
                var parts = PeakMemory.ResidentParts();
                series.Add($"{i}: {Environment.WorkingSet / 1048576.0:0} MB (GC committed {GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0:0}, pool {Cpu.MemoryStats().ReservedBytes / 1048576.0:0}"
                    + (parts is { } p ? $", anonymous {p.Anonymous / 1048576.0:0}, files {p.Files / 1048576.0:0}" : "") + $"; gen-2 {GC.CollectionCount(2)})");
            }
            if (i == goalEnd) wsGoalEnd = Environment.WorkingSet;
            if (i == from)
            {
                gen0 = GC.CollectionCount(0);
                gen1 = GC.CollectionCount(1);
                gen2 = GC.CollectionCount(2);
                wsFrom = Environment.WorkingSet;
                rssFrom = PeakMemory.CurrentBytes();
            }
        }
        double seconds = clock.Elapsed.TotalSeconds;
        int n = steps - from;
        double per1000 = 1000.0 / n;
        var window = perStep.Skip(from).Order().ToArray();
        Console.WriteLine($"Unscoped run of {steps:N0} steps ({seconds:0.0} s), counted from step {from:N0} to {steps:N0}:");
        Console.WriteLine();
        Console.WriteLine("| measure | value |");
        Console.WriteLine("|---|---|");
        Console.WriteLine($"| step median / p99 | {Ms(window[window.Length / 2])} / {Ms(window[(int)(window.Length * 0.99)])} |");
        Console.WriteLine($"| gen-0 / gen-1 / gen-2 collections per 1,000 steps | {(GC.CollectionCount(0) - gen0) * per1000:0.0} / {(GC.CollectionCount(1) - gen1) * per1000:0.0} / {(GC.CollectionCount(2) - gen2) * per1000:0.0} |");
        Console.WriteLine($"| working set growth, step {from:N0} to {goalEnd:N0} | {(wsGoalEnd - wsFrom) / 1048576.0:0.0} MB |");
        Console.WriteLine($"| working set growth, step {from:N0} to {steps:N0} | {(Environment.WorkingSet - wsFrom) / 1048576.0:0.0} MB (resident set {(PeakMemory.CurrentBytes() - rssFrom) / 1048576.0:0.0} MB) |");
        Console.WriteLine($"| working set at the end | {Environment.WorkingSet / 1048576.0:0} MB |");
        Console.WriteLine();
        Console.WriteLine($"Working set by step (GC committed, CPU pool reserved, resident anonymous and file pages, MB; gen-2 collections so far): {string.Join("; ", series)}");
        Console.WriteLine();
    }

    private static void OneElementAdd(bool quick)
    {
        var a = Tensor.Ones([1]);
        var b = Tensor.Ones([1]);
        const int ops = 1000;
        var body = new Body(() =>
        {
            for (int i = 0; i < ops; i++)
            {
                using var c = a + b;
            }
        }, () => { a.Dispose(); b.Dispose(); }, ops);
        var stats = (quick ? Protocol.Quick : Protocol.Full).Measure(body, 100_000);
        body.Dispose();
        Console.WriteLine($"One-element `using var c = a + b`: {stats.Median * 1e6:0.000} µs (min {stats.Min * 1e6:0.000}, max {stats.Max * 1e6:0.000})");
        Console.WriteLine();
    }

    private static void LongGraph(int[] liveCounts)
    {
        // Every iteration makes two tensors (h * 1.0001 and + 0.0), all kept alive by the graph. The cost per op is
        // the mean over the iterations that make the last tenth of each count's tensors, collections included (they
        // must amortize). A run gives up past a time limit (the cost used to grow with the heap).
        Console.WriteLine("| live tensors | µs per op (mean over the last tenth) | gen-0 / gen-1 / gen-2 collections in it | elapsed |");
        Console.WriteLine("|---|---|---|---|");
        const double limitSeconds = 120;
        using (Tensor.NewScope())
        {
            var leaf = Tensor.Ones([16], DType.Float64, requiresGrad: true);
            var h = leaf;
            long live = 1;
            var clock = Stopwatch.StartNew();
            foreach (var target in liveCounts)
            {
                long window = Math.Max(1_000, target / 20); // iterations: two tensors each
                bool gaveUp = false;
                while (live + 2L * window < target)
                {
                    h = h * 1.0001 + 0.0;
                    live += 2;
                    if (clock.Elapsed.TotalSeconds > limitSeconds) { gaveUp = true; break; }
                }
                if (gaveUp)
                {
                    Console.WriteLine($"| {target:N0} | gave up at {live:N0} live tensors after {limitSeconds:0} s | | |");
                    break;
                }
                int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
                long t0 = Stopwatch.GetTimestamp();
                for (long i = 0; i < window; i++) h = h * 1.0001 + 0.0;
                live += 2 * window;
                double us = Stopwatch.GetElapsedTime(t0).TotalSeconds / window * 1e6;
                Console.WriteLine($"| {live:N0} | {us:0.00} | {GC.CollectionCount(0) - g0} / {GC.CollectionCount(1) - g1} / {GC.CollectionCount(2) - g2} | {clock.Elapsed.TotalSeconds:0.0} s |");
            }
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Console.WriteLine();
    }

    private static void PrintPool()
    {
        var s = Cpu.MemoryStats();
        Console.WriteLine($"CPU pool at the end: allocated {s.AllocatedBytes / 1048576.0:0.0} MiB, reserved {s.ReservedBytes / 1048576.0:0.0} MiB " +
            $"(peak {s.PeakReservedBytes / 1048576.0:0.0} MiB), {s.Allocations:N0} allocations of which {s.ReusedBlocks:N0} reused, " +
            $"{s.SystemAllocations:N0} system allocations, {s.SystemFrees:N0} system frees, {s.Collections:N0} collections started by the pool");
    }

    private static string Ms(double seconds) => $"{seconds * 1e3:0.000} ms";
}

using System.Diagnostics;
using System.Globalization;
using CudaTensor.Distributed;
using CudaTensor.NN;

namespace CudaTensor.Benchmarks;

/// <summary>
/// DistributedDataParallel on an MLP (1024-2048-2048-2048-10, 10.5M float32 parameters, 42 MB of gradients) with 64
/// samples per rank: the step (forward, backward, gradient averaging) on one rank alone and on every rank, the same step
/// without communication (NoSync), and the buckets' all-reduces alone. The share of communication hidden behind
/// backward is (compute + all-reduce - step) / all-reduce. Every rank uses one CPU thread, so 1 rank and N ranks
/// compute alike. Run under mpirun: <c>mpirun -np 2 dotnet CudaTensor.Benchmarks.dll --ddp</c>; rank 0 prints.
/// </summary>
internal static class DataParallelStep
{
    private const int BatchPerRank = 64;

    public static int Run(bool quick)
    {
        var world = ProcessGroup.Initialize();
        Cpu.SetNumThreads(1);
        int steps = quick ? 5 : 15;
        var inv = CultureInfo.InvariantCulture;
        void Say(string line)
        {
            if (world.Rank == 0) Console.WriteLine(line);
        }

        // One rank alone: its own group of one; the others wait.
        double alone = 0;
        using (var solo = world.Split(world.Rank, 0)!)
        {
            if (world.Rank == 0) alone = Median(Steps(solo, steps, noSync: false, out _));
            world.Barrier();
        }
        double all = Median(Steps(world, steps, noSync: false, out var ddp));
        double compute = Median(Steps(world, steps, noSync: true, out _));
        double comm = Median(AllReduces(world, ddp, steps));
        double hidden = Math.Clamp((compute + comm - all) / comm, 0, 1);
        long parameters = ddp.Module.Parameters().Sum(p => p.NumElements);
        Say(string.Format(inv, "DDP step, MLP 1024-2048-2048-2048-10 ({0:F1}M float32 parameters, {1} buckets), {2} samples per rank, 1 CPU thread per rank, median of {3}:",
            parameters / 1e6, ddp.Buckets.Count, BatchPerRank, steps));
        Say(string.Format(inv, "  1 rank:  {0,8:F1} ms  ({1:F0} samples/s)", alone * 1e3, BatchPerRank / alone));
        Say(string.Format(inv, "  {0} ranks: {1,8:F1} ms  ({2:F0} samples/s, {3:F2}x the throughput of 1 rank)", world.WorldSize, all * 1e3,
            world.WorldSize * BatchPerRank / all, world.WorldSize * alone / all));
        Say(string.Format(inv, "  the same step without communication (NoSync): {0:F1} ms; the buckets' all-reduces alone: {1:F1} ms", compute * 1e3, comm * 1e3));
        Say(string.Format(inv, "  all-reduce hidden behind backward: {0:P0} by step times (the {1}-rank step exceeds the NoSync step by {2:F1} ms; the all-reduces alone take {3:F1} ms)",
            hidden, world.WorldSize, (all - compute) * 1e3, comm * 1e3));
        double lead = Median(Leads), wait = Median(Waits);
        Say(string.Format(inv, "  the first bucket's all-reduce started {0:F1} ms before backward ended; backward's end then waited {1:F1} ms ({2:P0} of the all-reduces' time alone)",
            lead * 1e3, wait * 1e3, wait / comm));
        return 0;
    }

    private static readonly List<double> Leads = [], Waits = [];

    private static List<double> Steps(ProcessGroup group, int steps, bool noSync, out DistributedDataParallel ddp)
    {
        Tensor.ManualSeed(1);
        var model = new Sequential(new Linear(1024, 2048), new ReLU(), new Linear(2048, 2048), new ReLU(), new Linear(2048, 2048), new ReLU(), new Linear(2048, 10));
        ddp = new DistributedDataParallel(model, group);
        using var x = Tensor.Randn([BatchPerRank, 1024]);
        using var y = Tensor.RandInt(0, 10, [BatchPerRank]);
        using var lossFn = new CrossEntropyLoss();
        var times = new List<double>();
        for (int i = 0; i < steps + 2; i++)
        {
            using var scope = Tensor.NewScope();
            group.Barrier();
            long start = Stopwatch.GetTimestamp();
            model.ZeroGrad();
            using (noSync ? ddp.NoSync() : null)
            {
                lossFn.Forward(ddp.Forward(x), y).Backward();
            }
            double t = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (i < 2) continue; // the first steps allocate the buckets and learn their order
            times.Add(t);
            if (!noSync && group.WorldSize > 1)
            {
                Leads.Add(ddp.Reducer.LastLaunchLead.TotalSeconds);
                Waits.Add(ddp.Reducer.LastWait.TotalSeconds);
            }
        }
        return times;
    }

    // The same all-reduces as a step, on buffers of the buckets' sizes, with no computation beside them.
    private static List<double> AllReduces(ProcessGroup group, DistributedDataParallel ddp, int steps)
    {
        var sizes = ddp.Module.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.NumElements);
        var buffers = ddp.Buckets.Select(b => Tensor.Zeros([b.Sum(n => sizes[n])])).ToList();
        var times = new List<double>();
        for (int i = 0; i < steps + 1; i++)
        {
            group.Barrier();
            long start = Stopwatch.GetTimestamp();
            var works = buffers.Select(b => group.AllReduceAsync(b, ReduceOp.Avg)).ToList();
            foreach (var w in works) w.Wait();
            double t = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (i >= 1) times.Add(t);
        }
        foreach (var b in buffers) b.Dispose();
        return times;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values.Count == 0 ? 0 : values[values.Count / 2];
    }
}

using System.Diagnostics;
using CudaTensor;
using CudaTensor.Benchmarks;
using LibTorchCompare;

// CudaTensor against libtorch (TorchSharp-cpu 0.107, libtorch 2.10) on the CPU: the suite's workloads with the
// same protocol, both libraries in this one process, sampled alternately so that machine drift cancels.
// Ratio = libtorch's median time / CudaTensor's (above 1: CudaTensor is faster; for memory, smaller).
// Setup once: bash Benchmarks/LibTorchCompare/setup.sh. Options as the suite's (--quick, --filter, --json).

Options options;
try
{
    options = Options.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
if (options.Help)
{
    Console.WriteLine("CudaTensor vs libtorch\n" + Options.Usage);
    return 0;
}
if (options.Device != "cpu")
{
    Console.WriteLine($"{options.Device}: not available: the comparison uses TorchSharp-cpu, so it runs on the CPU only.");
    return 0;
}

var total = Stopwatch.StartNew();
// libtorch uses as many threads as CudaTensor: one per core, or CUDATENSOR_NUM_THREADS (for single-thread comparisons).
TorchSharp.torch.set_num_threads(Cpu.NumThreads);
var machine = MachineInfo.Current();
string torchVersion = $"TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}, libtorch {TorchSharp.torch.__version__}, {TorchSharp.torch.get_num_threads()} threads";
Console.Error.WriteLine($"Machine: {machine}\n{torchVersion}");
MachineLimits? limits = null;
if (!options.NoLimits)
{
    Console.Error.Write("Measuring the machine's limits ... ");
    limits = MachineLimits.Measure(options.Quick);
    Console.Error.WriteLine("done");
}

var digits = DigitsSet.TryLoad();
var ours = Catalog.Build(new CudaTensorFactory(Device.Cpu), digits);
using var torchFactory = new TorchFactory();
var theirs = Catalog.Build(torchFactory, digits);
var rows = Suite.Run([ours, theirs], options);

if (options.Json)
{
    var all = rows.SelectMany(r => new[] { ("CudaTensor", r[0]), ("libtorch", r[1]) }).ToList();
    Console.WriteLine(Report.Json(machine, limits, all, [.. rows.Select(r => (r[0].Workload.Name, r[0].SpeedupOver(r[1])))]));
}
else
{
    Console.WriteLine($"Machine: {machine}");
    Console.WriteLine(torchVersion);
    if (limits is not null) Console.WriteLine(Report.Limits(limits, machine));
    Console.WriteLine($"Protocol: {(options.Quick ? "quick" : "full")} ({options.Protocol.Samples} samples of ~{options.Protocol.SampleSeconds * 1000:0} ms per library, alternating, after {options.Protocol.WarmupSeconds:0.0} s warm-up; medians). Ratio = libtorch time / CudaTensor time (above 1: CudaTensor faster).");
    Console.WriteLine();
    Console.Write(Report.Comparison([.. rows.Select(r => (r[0], (Measurement?)r[1]))], limits, "CudaTensor", "libtorch"));
}
Console.Error.WriteLine($"Total {total.Elapsed.TotalSeconds:0} s");
return 0;

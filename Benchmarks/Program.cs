using System.Diagnostics;
using CudaTensor;
using CudaTensor.Benchmarks;

// The CudaTensor benchmark suite. Prints a machine line, the machine's physical limits (FMA peak, memory
// bandwidth) and one row per workload: median, min - max, and the share of the matching limit.
// Usage: dotnet run -c Release --project Benchmarks -- [--quick] [--filter NAME] [--json] [--device cpu|cuda]

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
    Console.WriteLine("CudaTensor benchmarks\n" + Options.Usage);
    return 0;
}
if (options.PtxThroughput)
{
    return PtxThroughput.Run(options.Quick ? 0.5 : 2);
}
if (options.UnaryLanes)
{
    return UnaryLaneThroughput.Run(options.Quick);
}
if (options.Fusion)
{
    return FusionThroughput.Run(options.Quick, options.Device);
}
if (options.AllReduce)
{
    return AllReduceBandwidth.Run(options.Quick);
}
if (options.DataParallel)
{
    return DataParallelStep.Run(options.Quick);
}
if (options.Lifetime)
{
    return LifetimeBenchmark.Run(options.Quick, options.Filters);
}

Device device;
if (options.Device == "cpu")
{
    device = Device.Cpu;
}
else
{
    device = Device.Parse(options.Device);
    try
    {
        Tensor.Zeros([1], device: device).Dispose();
    }
    catch (Exception e) when (e is NotSupportedException or InvalidOperationException or DllNotFoundException)
    {
        string why = Cuda.IsAvailable ? e.Message : Cuda.UnavailableReason ?? e.Message;
        Console.WriteLine($"{options.Device}: not available: {why}");
        return 0;
    }
}

var total = Stopwatch.StartNew();
var machine = MachineInfo.Current();
Console.Error.WriteLine($"Machine: {machine}");
MachineLimits? limits = null;
if (!options.NoLimits)
{
    Console.Error.Write("Measuring the machine's limits ... ");
    limits = MachineLimits.Measure(options.Quick);
    Console.Error.WriteLine("done");
}

var digits = DigitsSet.TryLoad();
var workloads = Catalog.Build(new CudaTensorFactory(device), digits);
var rows = Suite.Run([workloads], options);
var results = rows.Select(r => r[0]).ToList();

if (options.Json)
{
    Console.WriteLine(Report.Json(machine, limits, [.. results.Select(r => ("CudaTensor", r))]));
}
else
{
    Console.WriteLine($"Machine: {machine}");
    if (limits is not null) Console.WriteLine(Report.Limits(limits, machine));
    Console.WriteLine($"Protocol: {(options.Quick ? "quick" : "full")} ({options.Protocol.Samples} samples of ~{options.Protocol.SampleSeconds * 1000:0} ms after {options.Protocol.WarmupSeconds:0.0} s warm-up; median, min - max); device {device}");
    Console.WriteLine();
    Console.Write(Report.Table(results, limits));
    if (digits is null) Console.WriteLine("\n- digits-epoch: skipped (digits.csv not found; set CUDATENSOR_DIGITS=path)");
}
Console.Error.WriteLine($"Total {total.Elapsed.TotalSeconds:0} s");
return 0;

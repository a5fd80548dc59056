using System.Diagnostics;
using System.Globalization;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Core;

/// <summary>
/// The same seed gives the same losses in another process and with another CPU thread count: random numbers come
/// from a counter-based generator, and no CPU kernel splits a sum by the number of threads.
/// </summary>
[NonParallelizable] // changes the process-wide thread count
public class DeterminismTests
{
    private const ulong Seed = 7;
    private const int Steps = 12;

    /// <summary>Runs <see cref="ChildProgram"/> in a new process and returns its output lines.</summary>
    private static string[] RunChild(string? threads, params string[] args)
    {
        var assembly = typeof(ChildProgram).Assembly.Location;
        // The SDK tells child tools where its host is; a test host started another way is itself the host. A
        // single-file runner (the GPU machines' self-contained one) has neither an assembly file nor a host to start.
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? Environment.ProcessPath;
        if (string.IsNullOrEmpty(assembly) || host is null || !Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            Assert.Ignore("starting a child process needs the dotnet host and the test assembly's file (not a single-file runner)");
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(assembly);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment.Remove(global::CudaTensor.Cpu.NumThreadsVariable);
        if (threads is not null) start.Environment[global::CudaTensor.Cpu.NumThreadsVariable] = threads;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.That(process.WaitForExit(60_000), Is.True, "the child process did not finish in 60 s");
        Assert.That(process.ExitCode, Is.Zero, $"child failed: {stderr.Result}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    [Test]
    public void SameSeedGivesTheSameLossesInTwoProcesses()
    {
        var args = new[] { "train-losses", Seed.ToString(CultureInfo.InvariantCulture), Steps.ToString(CultureInfo.InvariantCulture) };
        var first = RunChild(null, args);
        var second = RunChild(null, args);
        Assert.That(first, Has.Length.EqualTo(Steps + 1));
        Assert.That(second, Is.EqualTo(first));
        // The losses went down (it trained), and this process computes the same numbers, to the last bit.
        var losses = first[..Steps].Select(l => double.Parse(l, CultureInfo.InvariantCulture)).ToArray();
        Assert.That(losses[^1], Is.LessThan(losses[0]));
        Assert.That(ChildProgram.TrainLosses(Seed, Steps), Is.EqualTo(losses));
    }

    [Test]
    public void TheEnvironmentVariableSetsTheThreadCountAndTheLossesStayTheSame()
    {
        var args = new[] { "train-losses", Seed.ToString(CultureInfo.InvariantCulture), Steps.ToString(CultureInfo.InvariantCulture) };
        var one = RunChild("1", args);
        var three = RunChild("3", args);
        Assert.That(one[^1], Is.EqualTo("threads 1"));
        Assert.That(three[^1], Is.EqualTo("threads 3"));
        Assert.That(three[..Steps], Is.EqualTo(one[..Steps]));
        var here = ChildProgram.TrainLosses(Seed, Steps).Select(l => l.ToString("R", CultureInfo.InvariantCulture));
        Assert.That(one[..Steps], Is.EqualTo(here));
        // A value that is not a positive integer is ignored, with a warning, rather than failing the first op.
        Assert.That(RunChild("lots", args)[^1], Is.EqualTo($"threads {Math.Max(1, Environment.ProcessorCount)}"));
    }

    /// <summary>Ops that take the parallel paths (split whole-tensor reductions, GEMM, large elementwise loops, fills).</summary>
    private static List<byte[]> ParallelResults()
    {
        using var scope = Tensor.NewScope();
        Tensor.ManualSeed(11);
        var x = Tensor.Randn([1 << 21]);
        var m = Tensor.Randn([300, 257], DType.Float64);
        var n = Tensor.Randn([257, 301], DType.Float64);
        var a = Tensor.Rand([512, 512]);
        var b = Tensor.Rand([512, 512]);
        var outputs = new[]
        {
            x.Sum(), x.Mean(), (x * x).Sum(), x.Max(), x.Norm(),
            Tensor.MatMul(m, n), Tensor.MatMul(a, b), a.Sum(1), a.Softmax(1), (a + b).Exp().Sum(0),
            Tensor.Randn([1 << 20]), x.Sum(0),
        };
        return outputs.Select(t => t.DType == DType.Float64
            ? System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.ToArray<double>().AsSpan()).ToArray()
            : System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.ToArray<float>().AsSpan()).ToArray()).ToList();
    }

    [Test]
    public void ResultsDoNotDependOnTheThreadCount()
    {
        int saved = global::CudaTensor.Cpu.NumThreads;
        try
        {
            global::CudaTensor.Cpu.SetNumThreads(1);
            Assert.That(global::CudaTensor.Cpu.NumThreads, Is.EqualTo(1));
            var one = ParallelResults();
            foreach (int threads in new[] { 2, 3, 8 })
            {
                global::CudaTensor.Cpu.SetNumThreads(threads);
                var other = ParallelResults();
                for (int i = 0; i < one.Count; i++) Assert.That(other[i].AsSpan().SequenceEqual(one[i]), Is.True, $"output {i} with {threads} threads");
            }
        }
        finally
        {
            global::CudaTensor.Cpu.SetNumThreads(saved);
        }
    }

    [Test]
    public void SetNumThreadsRejectsANonPositiveCount()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => global::CudaTensor.Cpu.SetNumThreads(0))!;
        Assert.That(e.Message, Does.Contain("Cpu.SetNumThreads").And.Contain("positive"));
    }
}

using System.Globalization;
using System.Security;
using System.Text;
using NUnit;
using NUnit.Framework.Api;
using NUnit.Framework.Interfaces;
using NUnit.Framework.Internal;

namespace CudaTensor.GpuRunner;

/// <summary>
/// Console runner for the test assembly on NUnit's own <see cref="NUnitTestAssemblyRunner"/> (NUnitLite is not
/// available from the package registry), plus the GPU micro-benchmarks.
/// <code>
/// CudaTensor.GpuRunner [--filter REGEX] [--category NAME] [--exclude-category NAME] [--diagnose] [--bench] [--smoke] [--no-tests] [--verbose]
/// </code>
/// Prints "N passed, N failed, N skipped" and exits 1 when a test failed, 2 on bad arguments.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        // NUnit redirects Console.Out while tests run; write to the process's real standard output.
        using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true };
        var options = Options.Parse(args, stdout);
        if (options is null)
        {
            return 2;
        }
        if (options.Diagnose)
        {
            stdout.WriteLine(Cuda.Diagnose());
        }
        int exit = 0;
        if (options.RunTests)
        {
            exit = RunTests(options, stdout);
        }
        if (options.Bench)
        {
            BenchSizes sizes = options.Smoke ? BenchSizes.Smoke : BenchSizes.Full;
            exit = Math.Max(exit, GpuBenchmarks.Run(stdout, sizes));
            exit = Math.Max(exit, RunBackendBenchmarks(stdout, sizes));
        }
        return exit;
    }

    // A failing backend benchmark (e.g. an op the CUDA backend lacks) reports and fails the run instead of hiding the table.
    private static int RunBackendBenchmarks(StreamWriter stdout, BenchSizes sizes)
    {
        try
        {
            return BackendBenchmarks.Run(stdout, sizes);
        }
#pragma warning disable CA1031 // reported, and the exit code says it failed
        catch (Exception e)
#pragma warning restore CA1031
        {
            stdout.WriteLine("backend benchmarks failed: " + e);
            return 1;
        }
    }

    private static int RunTests(Options options, StreamWriter stdout)
    {
        var runner = new NUnitTestAssemblyRunner(new DefaultTestAssemblyBuilder());
        var settings = new Dictionary<string, object>
        {
            [FrameworkPackageSettings.NumberOfTestWorkers] = Environment.ProcessorCount,
            [FrameworkPackageSettings.RunOnMainThread] = false,
        };
        runner.Load(typeof(CudaTensor.Tests.NativeBinding.GpuTests).Assembly, settings);
        var listener = new Listener(stdout, options.Verbose);
        var started = System.Diagnostics.Stopwatch.StartNew();
        runner.Run(listener, options.Filter());
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"tests ran in {started.Elapsed.TotalSeconds:F1} s"));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{listener.Passed} passed, {listener.Failed} failed, {listener.Skipped} skipped"));
        return listener.Failed > 0 || listener.Passed + listener.Failed + listener.Skipped == 0 ? 1 : 0;
    }

    private sealed class Options
    {
        public string? Regex { get; private set; }

        public List<string> Categories { get; } = [];

        public List<string> ExcludedCategories { get; } = [];

        public bool Diagnose { get; private set; }

        public bool Bench { get; private set; }

        // Benchmarks at smoke sizes (BenchSizes.Smoke): the virtual device's end-to-end check.
        public bool Smoke { get; private set; }

        public bool RunTests { get; private set; } = true;

        public bool Verbose { get; private set; }

        public static Options? Parse(string[] args, StreamWriter stdout)
        {
            var o = new Options();
            for (int i = 0; i < args.Length; i++)
            {
                string? Next() => i + 1 < args.Length ? args[++i] : null;
                switch (args[i])
                {
                    case "--filter": o.Regex = Next(); break;
                    case "--category": o.Categories.Add(Next() ?? string.Empty); break;
                    case "--exclude-category": o.ExcludedCategories.Add(Next() ?? string.Empty); break;
                    case "--diagnose": o.Diagnose = true; break;
                    case "--bench": o.Bench = true; break;
                    case "--smoke": o.Smoke = true; break;
                    case "--no-tests": o.RunTests = false; break;
                    case "--verbose": o.Verbose = true; break;
                    default:
                        stdout.WriteLine($"unknown argument '{args[i]}'. Usage: CudaTensor.GpuRunner [--filter REGEX] [--category NAME] "
                            + "[--exclude-category NAME] [--diagnose] [--bench] [--smoke] [--no-tests] [--verbose]");
                        return null;
                }
            }
            return o;
        }

        // NUnit's XML filter language: <test re="1"> matches full names, <cat> categories.
        public TestFilter Filter()
        {
            var parts = new List<string>();
            if (Regex is not null)
            {
                parts.Add($"<test re=\"1\">{SecurityElement.Escape(Regex)}</test>");
            }
            parts.AddRange(Categories.Select(c => $"<cat>{SecurityElement.Escape(c)}</cat>"));
            parts.AddRange(ExcludedCategories.Select(c => $"<not><cat>{SecurityElement.Escape(c)}</cat></not>"));
            return parts.Count == 0 ? TestFilter.Empty : TestFilter.FromXml($"<filter><and>{string.Concat(parts)}</and></filter>");
        }
    }

    private sealed class Listener(StreamWriter stdout, bool verbose) : ITestListener
    {
        private readonly Lock gate = new();

        public int Passed { get; private set; }

        public int Failed { get; private set; }

        public int Skipped { get; private set; }

        public void TestStarted(ITest test)
        {
        }

        public void TestFinished(ITestResult result)
        {
            if (result.Test.IsSuite)
            {
                // A failing one-time setup or teardown fails the fixture without failing a test case.
                if (result.ResultState.Status == TestStatus.Failed && result.ResultState.Site is FailureSite.SetUp or FailureSite.TearDown)
                {
                    lock (gate)
                    {
                        stdout.WriteLine($"FAILED fixture {result.FullName}: {result.Message}");
                    }
                }
                return;
            }
            lock (gate)
            {
                switch (result.ResultState.Status)
                {
                    case TestStatus.Passed:
                        Passed++;
                        if (verbose)
                        {
                            stdout.WriteLine($"passed  {result.FullName} ({result.Duration * 1000:F0} ms)");
                        }
                        break;
                    case TestStatus.Failed:
                        Failed++;
                        stdout.WriteLine($"FAILED  {result.FullName}\n  {result.Message?.Replace("\n", "\n  ", StringComparison.Ordinal)}");
                        if (verbose && result.StackTrace is not null)
                        {
                            stdout.WriteLine(result.StackTrace);
                        }
                        break;
                    default:
                        Skipped++;
                        stdout.WriteLine($"skipped {result.FullName}: {result.Message}");
                        break;
                }
                if (verbose && !string.IsNullOrWhiteSpace(result.Output))
                {
                    stdout.Write(result.Output);
                }
            }
        }

        public void TestOutput(TestOutput output)
        {
        }

        public void SendMessage(TestMessage message)
        {
        }
    }
}

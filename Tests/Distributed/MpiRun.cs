using System.Collections.Concurrent;
using System.Diagnostics;
using CudaTensor.Native;
using CudaTensor.Tests.NativeBinding;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Distributed;

/// <summary>
/// Runs <see cref="DistributedScenarios"/> under <c>mpirun -np N</c> (as root in CI, hence <c>--allow-run-as-root</c>;
/// <c>--oversubscribe</c> because CI has fewer cores than ranks) and keeps each scenario's line. One launch serves a
/// whole list of scenarios, so the suite pays MPI's and .NET's start-up once per rank count.
/// </summary>
internal static class MpiRun
{
    /// <summary>How long one launch may take before it is killed (a hang fails the tests instead of the suite).</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(180);

    private static readonly ConcurrentDictionary<string, Lazy<Result>> Runs = new();

    internal sealed record Result(int ExitCode, string Output, Dictionary<string, string> Lines);

    /// <summary>The path of mpirun on PATH, or null.</summary>
    public static string? FindMpirun()
    {
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(folder, "mpirun");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Skips (or, with CUDATENSOR_REQUIRE_NATIVE=1, fails) when Open MPI is not installed.</summary>
    public static string RequireMpirun()
    {
        NativeRequirement.Library(NativeLibraryKind.Mpi);
        string? mpirun = FindMpirun();
        if (mpirun is null)
        {
            const string reason = "mpirun is not on PATH (Debian: apt-get install openmpi-bin libopenmpi-dev)";
            if (NativeRequirement.Required) Assert.Fail($"{reason}, but {NativeRequirement.Variable}=1 requires it.");
            Assert.Ignore(reason);
        }
        return mpirun;
    }

    /// <summary>Asserts that <paramref name="scenario"/> passed in the launch of <paramref name="scenarios"/> on <paramref name="ranks"/> ranks.</summary>
    public static void AssertPassed(int ranks, IReadOnlyList<string> scenarios, string scenario)
    {
        string mpirun = RequireMpirun();
        string key = ranks + ":" + string.Join(" ", scenarios);
        Result result = Runs.GetOrAdd(key, _ => new Lazy<Result>(() => Launch(mpirun, ranks, scenarios))).Value;
        if (!result.Lines.TryGetValue(scenario, out string? line) || line is null)
        {
            Assert.Fail($"mpirun -np {ranks} printed no result for '{scenario}' (exit code {result.ExitCode}). Output:\n{result.Output}");
            return;
        }
        if (line.StartsWith("SKIP", StringComparison.Ordinal)) Assert.Ignore(line);
        if (!line.StartsWith("PASS", StringComparison.Ordinal)) Assert.Fail($"{line}\nOutput of mpirun -np {ranks}:\n{result.Output}");
    }

    private static Result Launch(string mpirun, int ranks, IReadOnlyList<string> scenarios)
    {
        string assembly = typeof(ChildProgram).Assembly.Location;
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? Environment.ProcessPath;
        if (string.IsNullOrEmpty(assembly) || host is null || !Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            Assert.Ignore("starting MPI ranks needs the dotnet host and the test assembly's file (not a single-file runner)");
        var start = new ProcessStartInfo(mpirun) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "--allow-run-as-root", "--oversubscribe", "-x", "TERM=dumb", "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), host, assembly, "distributed" })
            start.ArgumentList.Add(a);
        foreach (string s in scenarios) start.ArgumentList.Add(s);
        // Each rank would otherwise start a worker per core: with several ranks on two cores they only contend.
        start.Environment[global::CudaTensor.Cpu.NumThreadsVariable] = "1";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        string output = $"[{clock.Elapsed.TotalSeconds:0.0} s, exit code {(process.HasExited ? process.ExitCode : -1)}]\n{stdout.Result}\n--- stderr ---\n{stderr.Result}";
        var lines = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string raw in stdout.Result.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = raw.Split(' ', 3);
            if (parts.Length < 2 || parts[0] is not ("PASS" or "FAIL" or "SKIP")) continue;
            string name = parts[1].TrimEnd(':');
            // A failure on any rank wins over rank 0's pass.
            if (!lines.TryGetValue(name, out string? existing) || !existing.StartsWith("FAIL", StringComparison.Ordinal)) lines[name] = raw;
        }
        return new Result(process.HasExited ? process.ExitCode : -1, output, lines);
    }
}

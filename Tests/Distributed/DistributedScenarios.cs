using System.Diagnostics;
using System.Globalization;
using CudaTensor.Distributed;

namespace CudaTensor.Tests.Distributed;

/// <summary>
/// The programs the distributed tests run on every rank under <c>mpirun</c>:
/// <c>dotnet CudaTensor.Tests.dll distributed NAME...</c> runs the named scenarios in order on the world group and
/// prints <c>PASS NAME</c> or <c>FAIL NAME: message</c> per scenario (rank 0's lines decide; every rank prints its failures).
/// A scenario checks its results against values computed locally, the same on every rank.
/// </summary>
public static partial class DistributedScenarios
{
    private static readonly Dictionary<string, Action<ProcessGroup>> Scenarios = new(StringComparer.Ordinal);

    /// <summary>Every scenario, by name.</summary>
    public static IReadOnlyDictionary<string, Action<ProcessGroup>> All
    {
        get
        {
            if (Scenarios.Count == 0)
            {
                Register();
                RegisterTraining();
            }
            return Scenarios;
        }
    }

    /// <summary>Runs the scenarios named in <paramref name="names"/>; returns the exit code (1 when any failed).</summary>
    public static int Run(IReadOnlyList<string> names)
    {
        var world = ProcessGroup.Initialize();
        int failures = 0;
        foreach (string name in names)
        {
            if (!All.TryGetValue(name, out var scenario))
            {
                Console.WriteLine($"FAIL {name}: no such scenario");
                failures++;
                continue;
            }
            var clock = Stopwatch.StartNew();
            try
            {
                using var scope = Tensor.NewScope();
                scenario(world);
                if (world.Rank == 0) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PASS {name} ({clock.Elapsed.TotalSeconds:0.00} s)"));
            }
            catch (ScenarioSkippedException skip)
            {
                if (world.Rank == 0) Console.WriteLine($"SKIP {name}: {skip.Message.ReplaceLineEndings(" ")}");
            }
            catch (Exception e)
            {
                failures++;
                Console.WriteLine($"FAIL {name}: rank {world.Rank}: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" | ")}");
                Console.Error.WriteLine(e);
            }
            Console.Out.Flush();
        }
        return failures == 0 ? 0 : 1;
    }

    /// <summary>Throws unless <paramref name="actual"/> equals <paramref name="expected"/> elementwise (within <paramref name="tolerance"/>).</summary>
    internal static void Expect(string what, Tensor actual, double[] expected, double tolerance = 0)
    {
        using var cpu = actual.To(Device.Cpu);
        using var f64 = cpu.To(DType.Float64);
        double[] got = f64.Contiguous().ToArray<double>();
        if (got.Length != expected.Length)
            throw new InvalidOperationException($"{what}: {got.Length} elements, expected {expected.Length}");
        for (int i = 0; i < got.Length; i++)
        {
            if (Math.Abs(got[i] - expected[i]) > tolerance)
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"{what}: element {i} is {got[i]}, expected {expected[i]} (got [{string.Join(", ", got.Take(8))}], expected [{string.Join(", ", expected.Take(8))}])"));
        }
    }

    internal static void Expect(bool condition, string message)
    {
        if (!condition) throw new InvalidOperationException(message);
    }

    /// <summary>The values rank <paramref name="rank"/> contributes: (rank + 1) * 10 + i, as <paramref name="dtype"/>.</summary>
    internal static double[] Values(int rank, int n, DType dtype)
        => [.. Enumerable.Range(0, n).Select(i => dtype == DType.Bool ? ((rank + i) % 3 == 0 ? 1.0 : 0.0) : ((rank + 1) * 10.0) + i - (n / 2))];

    internal static Tensor Make(double[] values, DType dtype, long[]? shape = null)
    {
        using var t = Tensor.FromArray(values, shape ?? [values.Length]);
        return t.To(dtype);
    }

    internal static readonly DType[] AllDTypes = [DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool];
}

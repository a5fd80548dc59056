namespace CudaTensor.Benchmarks;

/// <summary>What a workload's headline number is.</summary>
public enum Metric
{
    /// <summary>Floating-point operations per second (matrix products): GFLOP/s, compared with the FMA peak.</summary>
    Flops,
    /// <summary>Bytes moved per second (elementwise ops, reductions): GB/s and ns/element, compared with measured bandwidth.</summary>
    Bandwidth,
    /// <summary>Microseconds per operation (per-op overhead).</summary>
    Microseconds,
    /// <summary>Milliseconds per iteration (a training step or an epoch).</summary>
    Milliseconds,
    /// <summary>A memory figure in MiB, measured once rather than timed.</summary>
    Memory,
}

/// <summary>
/// One named workload. Names are stable across versions so results can be compared (e.g. <c>gemm/1024</c>,
/// <c>add/1048576</c>, <c>overhead/add</c>). <see cref="Create"/> allocates the operands and returns the timed body;
/// disposing the body frees them.
/// </summary>
/// <param name="Name">Stable name.</param>
/// <param name="Metric">What the headline number is.</param>
/// <param name="WorkPerOp">Flops (<see cref="Metric.Flops"/>) or bytes (<see cref="Metric.Bandwidth"/>) per operation; 0 otherwise.</param>
/// <param name="Elements">Elements per operation, for ns/element (0 when not meaningful).</param>
/// <param name="Create">Allocates the operands and returns the body.</param>
/// <param name="Limit">Which physical limit the workload is compared with (a key of <see cref="MachineLimits"/>), or null.</param>
public sealed record Workload(string Name, Metric Metric, double WorkPerOp, long Elements, Func<Body> Create, string? Limit = null)
{
    /// <summary>Samples are at least this many operations (the per-op overhead workloads time 100,000 ops per sample).</summary>
    public long MinOpsPerSample { get; init; } = 1;

    /// <summary>A note shown under the table (e.g. which model stands in for a sample).</summary>
    public string? Note { get; init; }
}

/// <summary>The timed body of a workload: <see cref="Run"/> performs <see cref="OpsPerRun"/> operations.</summary>
public sealed class Body(Action run, Action dispose, long opsPerRun = 1) : IDisposable
{
    private Action? _dispose = dispose;

    /// <summary>Operations one call of <see cref="Run"/> performs.</summary>
    public long OpsPerRun { get; } = opsPerRun;

    /// <summary>Runs the operations once.</summary>
    public void Run() => run();

    /// <inheritdoc/>
    public void Dispose()
    {
        _dispose?.Invoke();
        _dispose = null;
    }
}

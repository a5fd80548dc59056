using System.Globalization;

namespace CudaTensor.Distributed;

/// <summary>Settings of a <see cref="ProcessGroup"/> (PyTorch's <c>init_process_group</c> arguments).</summary>
public sealed class ProcessGroupOptions
{
    /// <summary>Environment variable with the default <see cref="Timeout"/> in seconds (0 or less: no timeout).</summary>
    public const string TimeoutVariable = "CUDATENSOR_DISTRIBUTED_TIMEOUT";

    /// <summary>Environment variable that turns <see cref="Debug"/> on when set to 1.</summary>
    public const string DebugVariable = "CUDATENSOR_DISTRIBUTED_DEBUG";

    /// <summary>PyTorch's default: 30 minutes.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How long a collective may wait for the other ranks before it throws <see cref="DistributedTimeoutException"/>,
    /// naming the ranks that did not arrive. <see cref="Timeout.InfiniteTimeSpan"/> waits forever. Default:
    /// <see cref="TimeoutVariable"/> if set, else 30 minutes.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeoutFromEnvironment();

    /// <summary>
    /// Forces every collective onto one backend; null (the default) picks by the tensor's device: <see cref="DistributedBackend.Mpi"/>
    /// for CPU tensors, <see cref="DistributedBackend.Nccl"/> for CUDA tensors. Forcing <see cref="DistributedBackend.Mpi"/>
    /// moves CUDA tensors through host memory.
    /// </summary>
    public DistributedBackend? Backend { get; set; }

    /// <summary>
    /// Before each collective the ranks exchange a signature (collective, dtype, shape, root) and throw
    /// <see cref="DistributedMismatchException"/> when they differ, instead of hanging or corrupting data. Costs one
    /// small all-gather per collective. Default: <see cref="DebugVariable"/>=1.
    /// </summary>
    public bool Debug { get; set; } = Environment.GetEnvironmentVariable(DebugVariable) == "1";

    /// <summary>A copy of these settings.</summary>
    /// <returns>The copy.</returns>
    public ProcessGroupOptions Clone() => new() { Timeout = Timeout, Backend = Backend, Debug = Debug };

    private static TimeSpan TimeoutFromEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable(TimeoutVariable);
        if (string.IsNullOrWhiteSpace(text)) return DefaultTimeout;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
            throw new FormatException($"{TimeoutVariable}='{text}' is not a number of seconds (e.g. 600, or 0 for no timeout).");
        return seconds <= 0 ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(seconds);
    }
}

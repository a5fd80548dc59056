using CudaTensor.CudaRuntime.Memory;

namespace CudaTensor.CudaRuntime;

/// <summary>
/// A CUDA graph capture in progress on one device: the stream it records, the thread that began it, the graph's
/// private memory pool and its block of error-log slots. <see cref="CudaDeviceContext.Capture"/> holds it while the
/// capture runs; the public <c>CudaGraph</c> owns it.
/// </summary>
internal sealed class GraphCapture(CudaDeviceContext device, nint stream, PrivatePool pool, ErrorSlots slots)
{
    /// <summary>Slots of a graph's error log: the deferred index checks one graph may hold.</summary>
    public const int LogCapacity = 256;

    private readonly List<DeferredCheck> _checks = [];

    /// <summary>The device.</summary>
    public CudaDeviceContext Device { get; } = device;

    /// <summary>The stream being captured.</summary>
    public nint Stream { get; } = stream;

    /// <summary>The thread that began the capture.</summary>
    public int ThreadId { get; } = Environment.CurrentManagedThreadId;

    /// <summary>The graph's memory.</summary>
    public PrivatePool Pool { get; } = pool;

    /// <summary>The graph's error-log slots.</summary>
    public ErrorSlots Slots { get; } = slots;

    /// <summary>The checks armed during the capture, slot i for check i.</summary>
    public IReadOnlyList<DeferredCheck> Checks => _checks;

    /// <summary>Why the capture cannot give a graph (an operation that cannot be captured was refused), or null.</summary>
    public string? Failure { get; private set; }

    /// <summary>Takes the next slot of the graph's log for <paramref name="check"/>.</summary>
    /// <exception cref="CudaGraphCaptureException">Every slot is taken.</exception>
    public ulong ArmSlot(DeferredCheck check)
    {
        if (_checks.Count == Slots.Capacity)
        {
            throw Refuse("An index-checked op (Gather, Scatter, CrossEntropy)",
                $"one graph holds at most {Slots.Capacity} deferred index checks; capture a shorter region.");
        }
        _checks.Add(check);
        return Slots.Address(_checks.Count - 1);
    }

    /// <summary>Marks the capture failed and returns the exception to throw.</summary>
    public CudaGraphCaptureException Refuse(string operation, string advice)
    {
        var e = new CudaGraphCaptureException(operation, advice);
        Failure ??= e.Message;
        return e;
    }
}

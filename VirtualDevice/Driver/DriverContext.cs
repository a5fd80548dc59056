using System.Collections.Concurrent;

namespace CudaTensor.VirtualDevice.Driver;

/// <summary>
/// A CUcontext (the device's primary context): its streams, its legacy default stream, and the faults its work
/// raised that no synchronizing call has reported yet. Also what the emulated cuBLAS sees (<see cref="IVirtualContext"/>).
/// </summary>
/// <remarks>
/// Ordering rules, as the driver's: work on the legacy stream (handle 0) follows all earlier work on the context's
/// blocking streams (created without CU_STREAM_NON_BLOCKING), and work on a blocking stream follows earlier work on
/// the legacy stream. Non-blocking streams are ordered only by events.
/// A fault is reported once, at the next synchronizing call on the context, and then cleared. Real hardware makes
/// it sticky (the context is unusable until the process ends); clearing it lets one process run a whole test suite
/// after a test that provokes a fault on purpose.
/// </remarks>
internal sealed class DriverContext : IVirtualContext
{
    private readonly List<DriverStream> _streams = [];
    private readonly ConcurrentQueue<(string Name, DeviceFaultException Fault)> _faults = new();

    /// <summary>Creates the primary context of <paramref name="device"/>.</summary>
    /// <param name="device">The device.</param>
    public DriverContext(VirtualGpu device)
    {
        Device = device;
        Handle = HandleTable.Add(this);
        Legacy = new DriverStream(this, nonBlocking: false, legacy: true);
    }

    /// <summary>The device.</summary>
    public VirtualGpu Device { get; }

    /// <summary>The CUcontext value.</summary>
    public IntPtr Handle { get; }

    /// <summary>The legacy default stream.</summary>
    public DriverStream Legacy { get; }

    /// <summary>Guards stream queues, captures and the stream list.</summary>
    public object Gate { get; } = new();

    /// <inheritdoc />
    public IGlobalMemory Memory => Device.Memory;

    /// <summary>Whether work waits until something needs it.</summary>
    public bool Strict => Device.Strict;

    /// <summary>cuStreamCreate.</summary>
    /// <param name="nonBlocking">CU_STREAM_NON_BLOCKING.</param>
    /// <returns>The stream.</returns>
    public DriverStream CreateStream(bool nonBlocking)
    {
        var stream = new DriverStream(this, nonBlocking, legacy: false);
        lock (Gate)
        {
            _streams.Add(stream);
        }
        return stream;
    }

    /// <summary>
    /// The stream named by <paramref name="handle"/> for work on this context's behalf: 0 and CU_STREAM_LEGACY (1)
    /// are the legacy stream.
    /// </summary>
    /// <param name="handle">A CUstream.</param>
    /// <param name="stream">The stream.</param>
    /// <returns>Success, or InvalidHandle.</returns>
    public static CudaErrorCode ResolveStream(IntPtr handle, out DriverStream stream)
    {
        if (handle == IntPtr.Zero || handle == 1)
        {
            DriverContext? current = DriverState.Current;
            if (current is null)
            {
                stream = null!;
                return DriverErrors.Fail(CudaErrorCode.InvalidContext, "the legacy default stream (0) needs a current context: call cuCtxSetCurrent first");
            }
            stream = current.Legacy;
            return CudaErrorCode.Success;
        }
        if (HandleTable.TryGet(handle, out stream) && !stream.Destroyed)
        {
            return CudaErrorCode.Success;
        }
        return DriverErrors.Fail(CudaErrorCode.InvalidHandle, $"0x{handle:X} is not a live CUstream");
    }

    /// <inheritdoc />
    public CudaErrorCode Enqueue(IntPtr stream, string name, Action work)
    {
        CudaErrorCode r = ResolveStream(stream, out DriverStream s);
        return r != CudaErrorCode.Success ? r : Enqueue(s, name, work, null, out _);
    }

    /// <summary>
    /// Queues <paramref name="work"/> on <paramref name="stream"/> after the operations it must follow, or records it
    /// when the stream is capturing.
    /// </summary>
    /// <param name="stream">The stream (of this context).</param>
    /// <param name="name">What it is.</param>
    /// <param name="work">The work; null for a marker.</param>
    /// <param name="waits">Extra operations to follow (an event's marker).</param>
    /// <param name="item">The queued operation; null when captured.</param>
    /// <returns>Success, or a capture error for the legacy stream while a blocking stream captures.</returns>
    public CudaErrorCode Enqueue(DriverStream stream, string name, Action? work, WorkItem[]? waits, out WorkItem? item)
    {
        item = null;
        lock (Gate)
        {
            if (stream.Capture is { } capture)
            {
                if (capture.Invalidated is not null)
                {
                    return DriverErrors.Fail(CudaErrorCode.StreamCaptureInvalidated, $"{name}: the capture was invalidated earlier: {capture.Invalidated}");
                }
                capture.Nodes.Add(new GraphNode(name, work));
                return CudaErrorCode.Success;
            }
            List<WorkItem>? all = waits is null ? null : [.. waits];
            if (stream.IsLegacy)
            {
                foreach (DriverStream s in _streams)
                {
                    if (s.NonBlocking)
                    {
                        continue;
                    }
                    if (s.Capture is { } c)
                    {
                        c.Invalidated = $"{name} on the legacy stream would wait for the capturing blocking stream";
                        return DriverErrors.Fail(CudaErrorCode.StreamCaptureImplicit,
                            $"{name} on the legacy default stream: a blocking stream of this context is capturing; use a non-blocking stream");
                    }
                    if (s.Tail is { IsDone: false } t)
                    {
                        (all ??= []).Add(t);
                    }
                }
            }
            else if (!stream.NonBlocking && Legacy.Tail is { IsDone: false } legacyTail)
            {
                (all ??= []).Add(legacyTail);
            }
            item = stream.Append(name, work, all?.ToArray());
        }
        if (!Strict)
        {
            stream.Schedule(item);
        }
        return CudaErrorCode.Success;
    }

    /// <summary>Runs or waits for everything queued on every stream of the context (cuCtxSynchronize).</summary>
    public void Drain()
    {
        List<WorkItem> tails = [];
        lock (Gate)
        {
            if (Legacy.Tail is { } legacyTail)
            {
                tails.Add(legacyTail);
            }
            _streams.RemoveAll(s => s.Destroyed && s.IsIdle);
            foreach (DriverStream s in _streams)
            {
                if (s.Tail is { } t)
                {
                    tails.Add(t);
                }
            }
        }
        foreach (WorkItem t in tails)
        {
            t.Ensure();
        }
    }

    /// <summary>The capture that makes an unsafe call (cuMemAlloc, cuCtxSynchronize) fail on this thread, or null.</summary>
    /// <returns>The capture or null.</returns>
    public StreamCapture? ProhibitingCapture()
    {
        lock (Gate)
        {
            foreach (DriverStream s in _streams)
            {
                if (s.Capture is { Invalidated: null } c && c.ProhibitsUnsafeCallsHere)
                {
                    return c;
                }
            }
        }
        return null;
    }

    /// <summary>Fails an unsafe call made while a capture forbids it, invalidating the capture as the driver does.</summary>
    /// <param name="call">The call.</param>
    /// <returns>Success when no capture forbids it, else StreamCaptureUnsupported.</returns>
    public CudaErrorCode CheckUnsafeCall(string call)
    {
        StreamCapture? capture = ProhibitingCapture();
        if (capture is null)
        {
            return CudaErrorCode.Success;
        }
        lock (Gate)
        {
            capture.Invalidated = $"{call} was called during the capture";
        }
        return DriverErrors.Fail(CudaErrorCode.StreamCaptureUnsupported,
            $"{call} is not allowed while a stream captures in {(capture.Mode == 0 ? "global" : "thread-local")} mode; "
            + "allocate before cuStreamBeginCapture, or capture in relaxed mode");
    }

    /// <summary>Records a fault raised by queued work; the next synchronizing call reports it.</summary>
    /// <param name="name">The operation.</param>
    /// <param name="fault">The fault.</param>
    public void ReportFault(string name, DeviceFaultException fault) => _faults.Enqueue((name, fault));

    /// <summary>Reports (and clears) the first pending fault, or returns success.</summary>
    /// <returns>The fault's error, with its message as the thread's detail, or success.</returns>
    public CudaErrorCode TakeFault()
    {
        if (!_faults.TryDequeue(out var first))
        {
            return CudaErrorCode.Success;
        }
        int more = 0;
        while (_faults.TryDequeue(out _))
        {
            more++;
        }
        string rest = more == 0 ? string.Empty : $" ({more} later fault{(more == 1 ? string.Empty : "s")} dropped)";
        return DriverErrors.Fail(first.Fault.Error, $"{first.Name}: {first.Fault.Message}{rest}");
    }
}

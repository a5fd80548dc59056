using CudaTensor.CudaRuntime;
using CudaTensor.CudaRuntime.Memory;
using CudaTensor.Native;

namespace CudaTensor;

/// <summary>
/// A CUDA graph: the device work of a region of code, recorded once and replayed with one launch (as PyTorch's
/// <c>torch.cuda.CUDAGraph</c>). <see cref="Capture()"/> begins recording on a stream of the graph's own, made current
/// for the region; nothing runs while recording. <see cref="Replay"/> launches the recorded work on the current stream.
/// <code>
/// using var graph = new CudaGraph(Device.Cuda());
/// Tensor y;
/// using (graph.Capture()) y = (x.MatMul(w) + b).Relu();   // records; y's memory is the graph's
/// x.CopyFrom(nextBatch);                                   // inputs change in place
/// graph.Replay();                                          // y now holds the result for the new x
/// </code>
/// Tensors created inside the capture keep their device addresses for the graph's life and hold the results of the
/// latest replay; tensors created before it are read and written where they are, so change inputs in place. Their
/// memory comes from the graph's private pool (see docs/cuda-graphs.md), freed by <see cref="Dispose"/> once no tensor
/// uses it. Inside a capture, host reads (ToArray, Item), synchronizations, copies from host memory and allocations the
/// pool cannot serve without the driver throw <see cref="CudaGraphCaptureException"/>; the capture then gives no graph.
/// Numbers baked into the captured kernels stay fixed: random ops draw the same numbers on every replay, and an
/// optimizer's host-side step count (Adam's bias correction) is the one of the captured step.
/// </summary>
public sealed class CudaGraph : IDisposable
{
    private readonly CudaDeviceContext _device;
    private readonly long _reserveBytes;
    private CudaStream? _stream;
    private PrivatePool? _pool;
    private DeviceMemory? _logMemory;
    private GraphCapture? _capture;
    private StreamScope? _scope;
    private GraphHandle? _graph;
    private GraphExecHandle? _exec;
    private string? _failure;
    private bool _disposed;

    /// <summary>Creates an empty graph on <paramref name="device"/> (default cuda:0).</summary>
    /// <param name="device">A CUDA device.</param>
    /// <param name="reserveBytes">Memory to reserve for the graph's private pool before the capture begins, for tensors
    /// larger than 1 MiB; smaller ones share a 2 MiB segment reserved anyway. A capture cannot call cuMemAlloc: a request
    /// that neither the reservation nor a wholly free segment of the device's cache can serve throws.</param>
    /// <exception cref="ArgumentException"><paramref name="device"/> is not a CUDA device.</exception>
    /// <exception cref="NotSupportedException">CUDA is unusable (the message says why).</exception>
    public CudaGraph(Device? device = null, long reserveBytes = 0)
    {
        var d = device ?? Device.Cuda();
        if (!d.IsCuda) throw new ArgumentException($"CudaGraph needs a CUDA device, not {d}.", nameof(device));
        ArgumentOutOfRangeException.ThrowIfNegative(reserveBytes);
        _device = CudaDeviceContext.For(d.Index);
        _reserveBytes = reserveBytes;
    }

    /// <summary>The device.</summary>
    public Device Device => _device.Device;

    /// <summary>True once a capture has ended with a graph that <see cref="Replay"/> can launch.</summary>
    public bool IsReady => _exec is not null;

    /// <summary>
    /// Records <paramref name="body"/> into a new graph and returns it, ready to replay (<c>using var g = CudaGraph.Capture(() => ...);</c>).
    /// </summary>
    /// <exception cref="CudaGraphCaptureException">The body called an operation that cannot be captured.</exception>
    public static CudaGraph Capture(Action body, Device? device = null, long reserveBytes = 0)
    {
        ArgumentNullException.ThrowIfNull(body);
        var graph = new CudaGraph(device, reserveBytes);
        try
        {
            using (graph.Capture()) body();
            if (!graph.IsReady) throw new CudaGraphCaptureException("The capture failed: " + graph._failure);
            return graph;
        }
        catch
        {
            graph.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Begins recording the device work queued on this thread until the returned scope is disposed: the graph's capture
    /// stream becomes the current stream of the device (a non-blocking stream, never the legacy NULL stream, which cannot
    /// be captured), and the work is recorded, not run. The capture uses the driver's thread-local mode: only this thread's
    /// unsafe calls are refused, and other threads keep working on their streams.
    /// </summary>
    /// <returns>The scope; disposing it ends the capture and instantiates the graph.</returns>
    /// <exception cref="InvalidOperationException">The graph was already captured, or another capture is active on the device.</exception>
    public IDisposable Capture()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_exec is not null || _capture is not null || _failure is not null)
            throw new InvalidOperationException("CudaGraph.Capture: this graph was already captured; create a new CudaGraph for another region.");
        if (_device.Capture is not null)
            throw new InvalidOperationException($"CudaGraph.Capture: another capture is active on {Device}; end it before beginning this one.");
        var origin = _device.CurrentStream;
        _stream = new CudaStream(Device);
        try
        {
            // Reserved before the capture begins: the capture itself never calls the driver's allocator.
            _pool = _device.Pool.BeginPrivate(_stream.Handle, origin.Handle, (ulong)_reserveBytes);
            _logMemory = _device.Pool.Allocate((ulong)(GraphCapture.LogCapacity * DeviceErrorLog.SlotBytes), _stream.Handle);
            _capture = new GraphCapture(_device, _stream.Handle, _pool, new ErrorSlots(_logMemory.Address, GraphCapture.LogCapacity));
            _device.MakeCurrent();
            Driver.BeginCapture(_stream.Handle, StreamCaptureMode.ThreadLocal);
        }
        catch
        {
            if (_pool is not null) _device.Pool.EndPrivate(_pool);
            _capture = null;
            Release();
            throw;
        }
        _device.Capture = _capture;
        _scope = new StreamScope(_stream);
        return new Scope(this);
    }

    /// <summary>
    /// Launches the recorded work on the device's current stream and returns at once. Tensors created inside the capture
    /// then hold this replay's results; a device-side index error of the replay is reported at the next synchronization.
    /// </summary>
    /// <exception cref="InvalidOperationException">Nothing was captured, or the capture failed (the message says why).</exception>
    public void Replay()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failure is not null) throw new InvalidOperationException($"CudaGraph.Replay: the capture gave no graph: {_failure}");
        if (_exec is null || _capture is null) throw new InvalidOperationException("CudaGraph.Replay: nothing was captured yet; call Capture() first.");
        var stream = _device.CurrentStream.Handle;
        _device.RefuseWhileCapturing("CudaGraph.Replay", "launching a graph inside another capture is not supported. Replay it after the capture.", stream);
        _device.MakeCurrent();
        Driver.LaunchGraph(_exec, stream);
        _device.ErrorLog.AddReplayed(_capture.Slots, _capture.Checks, stream);
    }

    /// <summary>
    /// Frees the graph and its memory: segments of the private pool go back to the driver now, or when the last tensor
    /// created inside the capture is disposed. A replay still running finishes first (the driver defers the release).
    /// Index errors of a replay not yet synchronized are no longer reported.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (_device.Capture == _capture && _capture is not null) EndCapture("the graph was disposed during its capture");
        _disposed = true;
        Release();
    }

    private void EndCapture(string? failure)
    {
        var capture = _capture!;
        _device.Capture = null;
        _scope?.Dispose();
        _scope = null;
        GraphHandle? graph = null;
        try
        {
            _device.MakeCurrent();
            graph = Driver.EndCapture(capture.Stream);
        }
        catch (CudaException e)
        {
            failure ??= e.Message;
        }
        finally
        {
            _device.Pool.EndPrivate(capture.Pool);
        }
        failure ??= capture.Failure;
        if (failure is null && graph is not null)
        {
            _graph = graph;
            _exec = Driver.Instantiate(graph);
        }
        else
        {
            graph?.Dispose();
            _failure = failure ?? "the capture gave no graph";
        }
    }

    private void Release()
    {
        _exec?.Dispose();
        _graph?.Dispose();
        _exec = null;
        _graph = null;
        if (_capture is not null) _device.ErrorLog.Forget(_capture.Slots);
        _logMemory?.Dispose();
        _logMemory = null;
        if (_pool is not null) _device.Pool.RetirePrivate(_pool);
        _pool = null;
        _stream?.Dispose();
        _stream = null;
    }

    private sealed class Scope(CudaGraph graph) : IDisposable
    {
        private bool _ended;

        public void Dispose()
        {
            if (_ended || graph._disposed) return;
            _ended = true;
            graph.EndCapture(null);
        }
    }
}

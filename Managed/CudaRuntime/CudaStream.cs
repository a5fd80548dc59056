using CudaTensor.Native;
using CudaTensor.CudaRuntime;

namespace CudaTensor;

/// <summary>
/// A queue of GPU work on one device. Work on one stream runs in order; work on different streams may overlap,
/// and is ordered with <see cref="CudaEvent"/>s. Every device has a default stream the library creates
/// (non-blocking); <see cref="Cuda.UseStream"/> switches the current one for a scope.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "CUDA's own name for the concept, as in PyTorch's torch.cuda.Stream.")]
public sealed class CudaStream : IDisposable
{
    private readonly StreamHandle _handle;
    private readonly bool _owned;

    internal CudaStream(CudaDeviceContext device, StreamHandle handle, bool owned = false)
    {
        DeviceContext = device;
        _handle = handle;
        _owned = owned;
    }

    /// <summary>Creates a non-blocking stream on <paramref name="device"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="device"/> is not a CUDA device.</exception>
    /// <exception cref="NotSupportedException">CUDA is unusable (the message says why).</exception>
    public CudaStream(Device device)
    {
        if (!device.IsCuda) throw new ArgumentException($"CudaStream needs a CUDA device, not {device}.", nameof(device));
        DeviceContext = CudaDeviceContext.For(device.Index);
        DeviceContext.MakeCurrent();
        _handle = Driver.CreateStream(Driver.StreamNonBlocking);
        _owned = true;
    }

    internal CudaDeviceContext DeviceContext { get; }

    /// <summary>The device the stream belongs to.</summary>
    public Device Device => DeviceContext.Device;

    /// <summary>The CUstream handle, for interop with other CUDA libraries.</summary>
    public nint Handle => _handle.DangerousGetHandle();

    /// <summary>Whether all queued work has finished (never blocks).</summary>
    public bool IsIdle
    {
        get
        {
            DeviceContext.MakeCurrent();
            return Driver.QueryStream(Handle);
        }
    }

    /// <summary>Blocks until all queued work has finished, then reports a pending device-side index error of that work.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A gather, scatter or cross-entropy queued earlier met an index out of range.</exception>
    /// <exception cref="CudaGraphCaptureException">The stream is being captured into a <see cref="CudaGraph"/>.</exception>
    public void Synchronize()
    {
        DeviceContext.RefuseWhileCapturing("CudaStream.Synchronize", Cuda.SynchronizeAdvice, Handle);
        DeviceContext.MakeCurrent();
        Driver.SynchronizeStream(Handle);
        DeviceContext.CountHostSynchronization();
        DeviceContext.ErrorLog.CheckCompleted(Handle, wholeDevice: false);
    }

    /// <summary>Records a new event after the work queued so far.</summary>
    public CudaEvent RecordEvent(bool enableTiming = false)
    {
        var ev = new CudaEvent(Device, enableTiming);
        ev.Record(this);
        return ev;
    }

    /// <summary>Makes work queued on this stream from now on wait for <paramref name="ev"/>.</summary>
    public void Wait(CudaEvent ev)
    {
        ArgumentNullException.ThrowIfNull(ev);
        DeviceContext.MakeCurrent();
        Driver.StreamWaitEvent(Handle, ev.Handle);
    }

    /// <summary>Makes work queued on this stream from now on wait for everything queued on <paramref name="other"/> so far.</summary>
    public void Wait(CudaStream other)
    {
        ArgumentNullException.ThrowIfNull(other);
        using var ev = other.RecordEvent();
        Wait(ev);
    }

    /// <summary>Destroys a stream created with the public constructor (queued work still completes). The default stream is never destroyed.</summary>
    public void Dispose()
    {
        if (_owned) _handle.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"CudaStream(0x{Handle:x} on {Device})";
}

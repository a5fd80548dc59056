using CudaTensor.Native;
using CudaTensor.CudaRuntime;

namespace CudaTensor;

/// <summary>
/// A marker in a stream's work: record it, then wait for it from the host (<see cref="Synchronize"/>) or from
/// another stream (<see cref="CudaStream.Wait(CudaEvent)"/>), or time the work between two events.
/// </summary>
public sealed class CudaEvent : IDisposable
{
    private readonly EventHandle _handle;
    private readonly CudaDeviceContext _device;

    /// <summary>Creates an event on <paramref name="device"/>; timing events cost a little more.</summary>
    /// <exception cref="ArgumentException"><paramref name="device"/> is not a CUDA device.</exception>
    public CudaEvent(Device device, bool enableTiming = false)
    {
        if (!device.IsCuda) throw new ArgumentException($"CudaEvent needs a CUDA device, not {device}.", nameof(device));
        _device = CudaDeviceContext.For(device.Index);
        _device.MakeCurrent();
        _handle = Driver.CreateEvent(enableTiming ? Driver.EventDefault : Driver.EventDisableTiming);
        IsTiming = enableTiming;
    }

    /// <summary>Whether <see cref="ElapsedMilliseconds"/> can be used.</summary>
    public bool IsTiming { get; }

    /// <summary>The device.</summary>
    public Device Device => _device.Device;

    internal nint Handle => _handle.DangerousGetHandle();

    /// <summary>Records the event after the work queued so far on <paramref name="stream"/> (default: the current stream).</summary>
    public void Record(CudaStream? stream = null)
    {
        _device.MakeCurrent();
        Driver.RecordEvent(Handle, (stream ?? _device.CurrentStream).Handle);
    }

    /// <summary>Whether the recorded work has completed (never blocks).</summary>
    public bool IsComplete
    {
        get
        {
            _device.MakeCurrent();
            return Driver.QueryEvent(Handle);
        }
    }

    /// <summary>Blocks until the recorded work has completed, then reports a pending device-side index error of streams now idle.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A gather, scatter or cross-entropy that has finished met an index out of range.</exception>
    public void Synchronize()
    {
        _device.MakeCurrent();
        Driver.SynchronizeEvent(Handle);
        _device.CountHostSynchronization();
        _device.ErrorLog.CheckCompleted(0, wholeDevice: false);
    }

    /// <summary>Milliseconds from this event to <paramref name="end"/> (both recorded, completed and timing).</summary>
    /// <exception cref="InvalidOperationException">One of the events was created without timing.</exception>
    public float ElapsedMilliseconds(CudaEvent end)
    {
        ArgumentNullException.ThrowIfNull(end);
        if (!IsTiming || !end.IsTiming) throw new InvalidOperationException("ElapsedMilliseconds needs two events created with enableTiming: true.");
        _device.MakeCurrent();
        return Driver.ElapsedMilliseconds(Handle, end.Handle);
    }

    /// <summary>Destroys the event.</summary>
    public void Dispose() => _handle.Dispose();
}

namespace CudaTensor.VirtualDevice.Driver;

/// <summary>
/// A CUevent: the marker operation of its last cuEventRecord. Waiting for the event means running (or waiting for)
/// that marker, which follows everything queued before it on the recording stream.
/// </summary>
internal sealed class DriverEvent
{
    /// <summary>Creates an event.</summary>
    /// <param name="context">The context it belongs to.</param>
    /// <param name="timing">False for CU_EVENT_DISABLE_TIMING.</param>
    public DriverEvent(DriverContext context, bool timing)
    {
        Context = context;
        Timing = timing;
        Handle = HandleTable.Add(this);
    }

    /// <summary>The CUevent value.</summary>
    public IntPtr Handle { get; }

    /// <summary>The owning context.</summary>
    public DriverContext Context { get; }

    /// <summary>Whether elapsed times may be taken.</summary>
    public bool Timing { get; }

    /// <summary>The marker of the last record outside a capture, or null.</summary>
    public WorkItem? Marker { get; set; }

    /// <summary>The capture the last record happened in, or null.</summary>
    public StreamCapture? CapturedIn { get; set; }
}

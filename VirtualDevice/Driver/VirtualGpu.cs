namespace CudaTensor.VirtualDevice.Driver;

/// <summary>One virtual device: its memory and its primary context (created on the first retain, kept for the process).</summary>
internal sealed class VirtualGpu
{
    private readonly object _gate = new();
    private DriverContext? _primary;
    private int _retains;

    /// <summary>Creates device <paramref name="ordinal"/>.</summary>
    /// <param name="ordinal">The ordinal (the CUdevice value).</param>
    /// <param name="options">Memory size and synchronization mode.</param>
    public VirtualGpu(int ordinal, VirtualDeviceOptions options)
    {
        Ordinal = ordinal;
        Memory = new DeviceMemory(ordinal, options.MemoryBytes);
        Strict = options.Strict;
    }

    /// <summary>The ordinal.</summary>
    public int Ordinal { get; }

    /// <summary>The device's memory.</summary>
    public DeviceMemory Memory { get; }

    /// <summary>
    /// Whether work queued from now on runs only when waited for. Settable so that tests can check strict-mode
    /// behaviour in a process started in either mode (drain the context after switching back).
    /// </summary>
    public bool Strict { get; set; }

    /// <summary>The primary context without retaining it (created on first use).</summary>
    public DriverContext Primary
    {
        get
        {
            lock (_gate)
            {
                return _primary ??= new DriverContext(this);
            }
        }
    }

    /// <summary>cuDevicePrimaryCtxRetain: the primary context, created on first use.</summary>
    /// <returns>The context.</returns>
    public DriverContext RetainPrimary()
    {
        lock (_gate)
        {
            _retains++;
            return _primary ??= new DriverContext(this);
        }
    }

    /// <summary>
    /// cuDevicePrimaryCtxRelease. The real driver destroys the context (and frees its memory) when the count reaches
    /// zero; the virtual device keeps it, so that handles and allocations held elsewhere stay valid for the process.
    /// </summary>
    /// <returns>False when the context was not retained.</returns>
    public bool ReleasePrimary()
    {
        lock (_gate)
        {
            if (_retains == 0)
            {
                return false;
            }
            _retains--;
            return true;
        }
    }
}

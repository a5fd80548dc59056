namespace CudaTensor.VirtualDevice.Driver;

/// <summary>The emulated driver's process-wide state: options, devices, whether cuInit ran, each thread's current context.</summary>
internal static class DriverState
{
    [ThreadStatic]
    private static DriverContext? t_current;

    private static VirtualGpu[] s_devices = [];
    private static volatile bool s_initialized;

    /// <summary>The options the driver was activated with (defaults before activation).</summary>
    public static VirtualDeviceOptions Options { get; private set; } = VirtualDeviceOptions.Default;

    /// <summary>The devices.</summary>
    public static IReadOnlyList<VirtualGpu> Devices => s_devices;

    /// <summary>True once cuInit succeeded.</summary>
    public static bool Initialized => s_initialized;

    /// <summary>The calling thread's current context, or null.</summary>
    public static DriverContext? Current
    {
        get => t_current;
        set => t_current = value;
    }

    /// <summary>Creates the devices (once; activation calls it before any entry point can run).</summary>
    /// <param name="options">The options.</param>
    public static void Configure(VirtualDeviceOptions options)
    {
        Options = options;
        s_devices = [.. Enumerable.Range(0, options.DeviceCount).Select(i => new VirtualGpu(i, options))];
        VirtualContexts.SetProvider(static () => t_current);
    }

    /// <summary>cuInit.</summary>
    public static void Initialize() => s_initialized = true;

    /// <summary>The device <paramref name="ordinal"/>, or null.</summary>
    /// <param name="ordinal">A CUdevice.</param>
    /// <returns>The device or null.</returns>
    public static VirtualGpu? Device(int ordinal) => ordinal >= 0 && ordinal < s_devices.Length ? s_devices[ordinal] : null;

    /// <summary>The device memory whose address range holds <paramref name="address"/>, or null (a host address).</summary>
    /// <param name="address">An address.</param>
    /// <returns>The memory or null.</returns>
    public static DeviceMemory? MemoryOf(ulong address)
    {
        foreach (VirtualGpu d in s_devices)
        {
            if (d.Memory.Owns(address))
            {
                return d.Memory;
            }
        }
        return null;
    }
}

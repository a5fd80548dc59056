namespace CudaTensor.VirtualDevice.Driver;

/// <summary>
/// Global memory as a kernel sees it with unified addressing: every device's allocations, each found in the
/// owning device's part of the address space, so a kernel may read a peer device's memory as on hardware with
/// peer access.
/// </summary>
internal sealed class UnifiedMemory : IGlobalMemory
{
    /// <summary>The process-wide instance.</summary>
    public static UnifiedMemory Instance { get; } = new();

    private UnifiedMemory()
    {
    }

    /// <inheritdoc />
    public MemoryRegion Resolve(ulong address) => Owner(address).Resolve(address);

    /// <inheritdoc />
    public DeviceFaultException OutOfBounds(ulong address, ulong bytes, bool write) => Owner(address).OutOfBounds(address, bytes, write);

    private static DeviceMemory Owner(ulong address) => DriverState.MemoryOf(address) ?? DriverState.Devices[0].Memory;
}

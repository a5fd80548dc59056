namespace CudaTensor.VirtualDevice;

/// <summary>One live device allocation as the executor sees it: its device range and the host bytes behind it.</summary>
/// <param name="start">First device address.</param>
/// <param name="length">Length in bytes.</param>
/// <param name="host">Host address of the first byte.</param>
internal readonly unsafe struct MemoryRegion(ulong start, ulong length, byte* host)
{
    /// <summary>First device address.</summary>
    public ulong Start { get; } = start;

    /// <summary>Length in bytes.</summary>
    public ulong Length { get; } = length;

    /// <summary>Host address of the first byte.</summary>
    public byte* Host { get; } = host;

    /// <summary>True when [address, address + bytes) lies inside this region.</summary>
    public bool Contains(ulong address, ulong bytes) => address >= Start && address - Start + bytes <= Length;
}

/// <summary>
/// Global device memory as kernels and copy engines see it. Device addresses are synthetic (never host
/// addresses) and at least <see cref="LowestAddress"/>, so that the generic-address windows the PTX executor
/// keeps for shared and local memory (below it) never alias a global allocation.
/// </summary>
internal interface IGlobalMemory
{
    /// <summary>Global allocations start at or above 2^40; generic addresses below it belong to the executor.</summary>
    public const ulong LowestAddress = 1UL << 40;

    /// <summary>
    /// The live allocation that contains <paramref name="address"/>. Throws <see cref="DeviceFaultException"/>
    /// (<see cref="CudaErrorCode.IllegalAddress"/>) naming the address and the nearest allocation (or the freed
    /// one it falls in) when no live allocation contains it. Callers check the access's length and alignment
    /// against the region themselves and may cache the region while a launch runs.
    /// </summary>
    /// <param name="address">A device address.</param>
    /// <returns>The region.</returns>
    MemoryRegion Resolve(ulong address);

    /// <summary>A fault for an access of <paramref name="bytes"/> at <paramref name="address"/> that no live allocation holds whole.</summary>
    /// <param name="address">The first byte accessed.</param>
    /// <param name="bytes">The access size.</param>
    /// <param name="write">True for a store.</param>
    /// <returns>The exception to throw (not thrown here), naming the nearest allocation.</returns>
    DeviceFaultException OutOfBounds(ulong address, ulong bytes, bool write);
}

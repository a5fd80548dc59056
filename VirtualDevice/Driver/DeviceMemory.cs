using System.Globalization;
using System.Runtime.InteropServices;

namespace CudaTensor.VirtualDevice.Driver;

/// <summary>
/// One virtual device's global memory: every cuMemAlloc gets its own host block and a synthetic device address.
/// </summary>
/// <remarks>
/// Addresses are handed out upwards from the device's base (at or above 2^40) and never reused, with a 64 KiB gap
/// after each allocation, so an overrun past the end or an access after cuMemFree never lands in another live
/// allocation and is reported, naming the allocation it missed or the freed one it hit. Sizes are rounded up to
/// 256 bytes (the driver's alignment). Fresh memory is filled with 0xFF bytes, a NaN in float32 and float64, so a
/// kernel that reads memory nobody wrote shows NaN instead of a plausible zero. The live allocations are an
/// immutable sorted array replaced on every change, so <see cref="Resolve"/> (called from many executor threads)
/// reads it without a lock.
/// </remarks>
internal sealed unsafe class DeviceMemory : IGlobalMemory
{
    /// <summary>Each device owns 4 TiB of the address space, from 2^40 + ordinal * 2^42.</summary>
    public const int DeviceAddressBits = 42;

    private const ulong Alignment = 256;
    private const ulong GuardBytes = 64 * 1024;
    private const byte Poison = 0xFF;

    private readonly object _gate = new();
    private readonly List<Allocation> _history = []; // every allocation, in address order (addresses only grow)
    private MemoryRegion[] _live = [];
    private ulong _next;
    private ulong _used;

    /// <summary>Creates the memory of device <paramref name="ordinal"/> with <paramref name="totalBytes"/> of capacity.</summary>
    /// <param name="ordinal">The device.</param>
    /// <param name="totalBytes">The limit; allocations beyond it fail with CUDA_ERROR_OUT_OF_MEMORY.</param>
    public DeviceMemory(int ordinal, ulong totalBytes)
    {
        Ordinal = ordinal;
        TotalBytes = totalBytes;
        Base = IGlobalMemory.LowestAddress + ((ulong)ordinal << DeviceAddressBits);
        _next = Base;
    }

    /// <summary>The device ordinal.</summary>
    public int Ordinal { get; }

    /// <summary>The capacity in bytes.</summary>
    public ulong TotalBytes { get; }

    /// <summary>The lowest address of this device.</summary>
    public ulong Base { get; }

    /// <summary>Bytes allocated now (sizes rounded to 256).</summary>
    public ulong UsedBytes
    {
        get
        {
            lock (_gate)
            {
                return _used;
            }
        }
    }

    /// <summary>True when <paramref name="address"/> lies in this device's part of the address space.</summary>
    /// <param name="address">A device address.</param>
    /// <returns>Whether this device owns it.</returns>
    public bool Owns(ulong address) => address >= Base && address - Base < (1UL << DeviceAddressBits);

    /// <summary>cuMemAlloc: a fresh poisoned allocation.</summary>
    /// <param name="bytes">Requested size (not zero).</param>
    /// <param name="address">The device address.</param>
    /// <returns>Success, InvalidValue for zero bytes, OutOfMemory beyond the limit (the detail says how much is in use).</returns>
    public CudaErrorCode Allocate(ulong bytes, out ulong address)
    {
        address = 0;
        if (bytes == 0)
        {
            return DriverErrors.Fail(CudaErrorCode.InvalidValue, "cuMemAlloc of 0 bytes: the driver refuses empty allocations");
        }
        ulong rounded = (bytes + Alignment - 1) & ~(Alignment - 1);
        byte* host;
        lock (_gate)
        {
            if (rounded > TotalBytes - _used)
            {
                return DriverErrors.Fail(CudaErrorCode.OutOfMemory, string.Create(CultureInfo.InvariantCulture,
                    $"cuMemAlloc of {bytes} bytes on virtual device {Ordinal}: {_used} of {TotalBytes} bytes are allocated "
                    + $"({_live.Length} allocations); raise the limit with {VirtualDeviceOptions.Variable}=memory=..."));
            }
            host = (byte*)NativeMemory.AlignedAlloc((nuint)rounded, (nuint)Alignment);
            if (host == null)
            {
                return DriverErrors.Fail(CudaErrorCode.OutOfMemory, $"cuMemAlloc of {bytes} bytes: the host has no memory left to back it");
            }
            address = _next;
            _next += rounded + GuardBytes;
            _used += rounded;
            _history.Add(new Allocation(address, bytes, rounded));
            var live = new MemoryRegion[_live.Length + 1];
            _live.CopyTo(live, 0);
            live[^1] = new MemoryRegion(address, bytes, host); // addresses grow, so appending keeps the order
            Volatile.Write(ref _live, live);
        }
        NativeMemory.Fill(host, (nuint)rounded, Poison);
        return CudaErrorCode.Success;
    }

    /// <summary>cuMemFree: releases the host block; the range stays known as freed for later fault messages.</summary>
    /// <param name="address">The start of a live allocation.</param>
    /// <returns>Success, or InvalidValue when <paramref name="address"/> is not the start of a live allocation.</returns>
    public CudaErrorCode Free(ulong address)
    {
        byte* host;
        lock (_gate)
        {
            MemoryRegion[] live = _live;
            int index = Find(live, address);
            if (index < 0 || live[index].Start != address)
            {
                return DriverErrors.Fail(CudaErrorCode.InvalidValue, $"cuMemFree(0x{address:X}): {Describe(address, 1)}");
            }
            host = live[index].Host;
            var next = new MemoryRegion[live.Length - 1];
            Array.Copy(live, 0, next, 0, index);
            Array.Copy(live, index + 1, next, index, live.Length - index - 1);
            Volatile.Write(ref _live, next);
            Allocation record = _history[FindHistory(address)];
            record.Freed = true;
            _used -= record.Rounded;
        }
        NativeMemory.AlignedFree(host);
        return CudaErrorCode.Success;
    }

    /// <inheritdoc />
    public MemoryRegion Resolve(ulong address)
    {
        MemoryRegion[] live = Volatile.Read(ref _live);
        int index = Find(live, address);
        if (index >= 0 && live[index].Contains(address, 1))
        {
            return live[index];
        }
        throw OutOfBounds(address, 1, write: false);
    }

    /// <summary>The host address of [<paramref name="address"/>, + <paramref name="bytes"/>) when one live allocation holds it whole.</summary>
    /// <param name="address">The first byte.</param>
    /// <param name="bytes">The length.</param>
    /// <param name="host">The host address.</param>
    /// <returns>Whether the range is valid.</returns>
    public bool TryGetHost(ulong address, ulong bytes, out byte* host)
    {
        MemoryRegion[] live = Volatile.Read(ref _live);
        int index = Find(live, address);
        if (index >= 0 && live[index].Contains(address, bytes))
        {
            host = live[index].Host + (address - live[index].Start);
            return true;
        }
        host = null;
        return false;
    }

    /// <summary>The live allocation starting at or containing <paramref name="address"/>, or null.</summary>
    /// <param name="address">A device address.</param>
    /// <returns>The region or null.</returns>
    public MemoryRegion? Find(ulong address)
    {
        MemoryRegion[] live = Volatile.Read(ref _live);
        int index = Find(live, address);
        return index >= 0 && live[index].Contains(address, 1) ? live[index] : null;
    }

    /// <inheritdoc />
    public DeviceFaultException OutOfBounds(ulong address, ulong bytes, bool write)
        => new(CudaErrorCode.IllegalAddress, string.Create(CultureInfo.InvariantCulture,
            $"{(write ? "write" : "read")} of {bytes} byte{(bytes == 1 ? string.Empty : "s")} at 0x{address:X}: {Describe(address, bytes)}"));

    /// <summary>Why [<paramref name="address"/>, + <paramref name="bytes"/>) is not valid device memory, naming the nearest or the freed allocation.</summary>
    /// <param name="address">The first byte.</param>
    /// <param name="bytes">The length.</param>
    /// <returns>The explanation.</returns>
    public string Describe(ulong address, ulong bytes)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        if (address < IGlobalMemory.LowestAddress)
        {
            return string.Create(c, $"not a device address (device memory starts at 0x{IGlobalMemory.LowestAddress:X}; a null pointer, an offset or a host pointer?)");
        }
        lock (_gate)
        {
            int h = FindHistory(address);
            if (h >= 0 && address < _history[h].Start + _history[h].Rounded + GuardBytes)
            {
                Allocation a = _history[h];
                if (a.Freed && address < a.Start + a.Rounded)
                {
                    return string.Create(c, $"use after free: it lies {address - a.Start} bytes into an allocation of {a.Bytes} bytes at 0x{a.Start:X} that was freed (cuMemFree)");
                }
                if (!a.Freed && address < a.Start + a.Bytes)
                {
                    return string.Create(c, $"out of bounds: the access runs {address + bytes - (a.Start + a.Bytes)} bytes past the end of the allocation of {a.Bytes} bytes at 0x{a.Start:X} (offset {address - a.Start})");
                }
                if (!a.Freed)
                {
                    return string.Create(c, $"out of bounds: {address - (a.Start + a.Bytes)} bytes past the end of the allocation of {a.Bytes} bytes at 0x{a.Start:X}{NextLive(h, address)}");
                }
            }
            return "outside every live allocation" + Nearest(address);
        }
    }

    private string NextLive(int h, ulong address)
    {
        for (int i = h + 1; i < _history.Count; i++)
        {
            if (!_history[i].Freed)
            {
                return string.Create(CultureInfo.InvariantCulture, $"; the next live allocation starts {_history[i].Start - address} bytes later");
            }
        }
        return string.Empty;
    }

    private string Nearest(ulong address)
    {
        MemoryRegion[] live = _live;
        if (live.Length == 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"; virtual device {Ordinal} has no live allocation");
        }
        int index = Find(live, address);
        MemoryRegion? before = index >= 0 ? live[index] : null;
        MemoryRegion? after = index + 1 < live.Length ? live[index + 1] : null;
        ulong beforeDistance = before is { } b ? address - (b.Start + b.Length) : ulong.MaxValue;
        ulong afterDistance = after is { } a ? a.Start - address : ulong.MaxValue;
        return beforeDistance <= afterDistance
            ? string.Create(CultureInfo.InvariantCulture, $"; nearest live allocation: {before!.Value.Length} bytes at 0x{before.Value.Start:X}, ending {beforeDistance} bytes before the address")
            : string.Create(CultureInfo.InvariantCulture, $"; nearest live allocation: {after!.Value.Length} bytes at 0x{after.Value.Start:X}, starting {afterDistance} bytes after the address");
    }

    // Index of the last region whose start is <= address, or -1.
    private static int Find(MemoryRegion[] regions, ulong address)
    {
        int lo = 0, hi = regions.Length - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (regions[mid].Start <= address)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found;
    }

    // Index of the last allocation ever made whose start is <= address, or -1 (caller holds the lock).
    private int FindHistory(ulong address)
    {
        int lo = 0, hi = _history.Count - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_history[mid].Start <= address)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found;
    }

    private sealed class Allocation(ulong start, ulong bytes, ulong rounded)
    {
        public ulong Start { get; } = start;

        public ulong Bytes { get; } = bytes;

        public ulong Rounded { get; } = rounded;

        public bool Freed { get; set; }
    }
}

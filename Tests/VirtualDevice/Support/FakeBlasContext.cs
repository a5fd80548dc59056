using System.Runtime.InteropServices;
using CudaTensor.VirtualDevice;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>
/// Device memory for the BLAS emulator's tests: allocations at synthetic addresses (from 2^40, 1 MiB apart, so a
/// stray address never lands in a neighbour) backed by native memory and filled with NaN bytes when made.
/// </summary>
internal sealed unsafe class FakeBlasMemory : IGlobalMemory, IDisposable
{
    private const ulong Spacing = 1UL << 20;
    private readonly List<(ulong Start, ulong Length, IntPtr Host, bool Live)> regions = [];

    /// <summary>Allocates <paramref name="bytes"/> of NaN-poisoned memory and returns its device address.</summary>
    public ulong Allocate(long bytes)
    {
        if (bytes <= 0 || (ulong)bytes > Spacing / 2) throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "test allocations are 1 B .. 512 KiB");
        var host = (IntPtr)NativeMemory.AlignedAlloc((nuint)bytes, 256);
        new Span<byte>((void*)host, (int)bytes).Fill(0xFF);
        ulong start = IGlobalMemory.LowestAddress + ((ulong)regions.Count * Spacing);
        regions.Add((start, (ulong)bytes, host, true));
        return start;
    }

    /// <summary>Allocates room for <paramref name="values"/> and copies them in.</summary>
    public ulong Upload<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        ulong address = Allocate(Math.Max(1, values.Length * sizeof(T)));
        values.CopyTo(new Span<T>(HostOf(address, values.Length * sizeof(T)), values.Length));
        return address;
    }

    /// <summary>Copies <paramref name="count"/> elements out of device memory.</summary>
    public T[] Download<T>(ulong address, int count) where T : unmanaged
        => new ReadOnlySpan<T>(HostOf(address, count * sizeof(T)), count).ToArray();

    /// <summary>Marks the allocation at <paramref name="address"/> freed (its address stays reserved, so use after free faults).</summary>
    public void Free(ulong address)
    {
        int i = regions.FindIndex(r => r.Start == address && r.Live);
        regions[i] = regions[i] with { Live = false };
    }

    public MemoryRegion Resolve(ulong address)
    {
        foreach (var r in regions)
        {
            if (address >= r.Start && address - r.Start < r.Length)
            {
                if (!r.Live) throw new DeviceFaultException(CudaErrorCode.IllegalAddress, $"address 0x{address:X} is in freed allocation 0x{r.Start:X}");
                return new MemoryRegion(r.Start, r.Length, (byte*)r.Host);
            }
        }
        throw new DeviceFaultException(CudaErrorCode.IllegalAddress, $"address 0x{address:X} is in no allocation");
    }

    public DeviceFaultException OutOfBounds(ulong address, ulong bytes, bool write)
        => new(CudaErrorCode.IllegalAddress, $"{(write ? "write" : "read")} of {bytes} bytes at 0x{address:X} leaves its allocation");

    private void* HostOf(ulong address, int bytes)
    {
        MemoryRegion region = Resolve(address);
        if (!region.Contains(address, (ulong)bytes)) throw new ArgumentOutOfRangeException(nameof(bytes));
        return region.Host + (address - region.Start);
    }

    public void Dispose()
    {
        foreach (var r in regions) NativeMemory.AlignedFree((void*)r.Host);
        regions.Clear();
    }
}

/// <summary>
/// A context whose streams run work at once, in the caller's thread, and keep the faults the work raised (the
/// real driver reports them at the next synchronizing call).
/// </summary>
internal sealed class FakeBlasContext : IVirtualContext, IDisposable
{
    /// <summary>A stream handle this context rejects, as the driver rejects a destroyed stream.</summary>
    public static readonly IntPtr BadStream = new(0xBAD0);

    public FakeBlasMemory Device { get; } = new();

    public IGlobalMemory Memory => Device;

    /// <summary>(stream, name) of every piece of work, in order.</summary>
    public List<(IntPtr Stream, string Name)> Work { get; } = [];

    /// <summary>Faults the work raised.</summary>
    public List<DeviceFaultException> Faults { get; } = [];

    public CudaErrorCode Enqueue(IntPtr stream, string name, Action work)
    {
        if (stream == BadStream) return CudaErrorCode.InvalidHandle;
        Work.Add((stream, name));
        try
        {
            work();
        }
        catch (DeviceFaultException e)
        {
            Faults.Add(e);
        }
        return CudaErrorCode.Success;
    }

    public void Dispose() => Device.Dispose();
}

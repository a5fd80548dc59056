using System.Runtime.InteropServices;
using CudaTensor.VirtualDevice;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>
/// Global memory for executor tests: allocations at synthetic device addresses from 2^40 up, 64 KiB apart so an
/// overrun lands in no allocation, backed by native host memory.
/// </summary>
internal sealed unsafe class TestGlobalMemory : IGlobalMemory, IDisposable
{
    private readonly List<(ulong Start, ulong Length, nint Host)> _blocks = [];
    private ulong _next = IGlobalMemory.LowestAddress;

    /// <summary>Allocates <paramref name="bytes"/> bytes (zeroed) and returns the device address.</summary>
    public ulong Allocate(long bytes)
    {
        ulong start = _next;
        nint host = (nint)NativeMemory.AllocZeroed((nuint)Math.Max(1, bytes));
        lock (_blocks) _blocks.Add((start, (ulong)bytes, host));
        _next = (start + (ulong)bytes + 0x1_0000 + 0xFFFF) & ~0xFFFFUL;
        return start;
    }

    public ulong Upload<T>(ReadOnlySpan<T> data) where T : unmanaged
    {
        ulong address = Allocate(data.Length * sizeof(T));
        MemoryMarshal.AsBytes(data).CopyTo(new Span<byte>((void*)Host(address), data.Length * sizeof(T)));
        return address;
    }

    public ulong Upload<T>(T[] data) where T : unmanaged => Upload((ReadOnlySpan<T>)data);

    public T[] Download<T>(ulong address, int count) where T : unmanaged
        => new ReadOnlySpan<T>((void*)Host(address), count).ToArray();

    public nint Host(ulong address)
    {
        MemoryRegion r = Resolve(address);
        return (nint)(r.Host + (address - r.Start));
    }

    public MemoryRegion Resolve(ulong address)
    {
        lock (_blocks)
        {
            foreach (var (start, length, host) in _blocks)
            {
                if (address >= start && address < start + length) return new MemoryRegion(start, length, (byte*)host);
            }
        }
        throw new DeviceFaultException(CudaErrorCode.IllegalAddress, $"address 0x{address:X} is in no allocation ({Nearest(address)})");
    }

    public DeviceFaultException OutOfBounds(ulong address, ulong bytes, bool write)
        => new(CudaErrorCode.IllegalAddress, $"{(write ? "write" : "read")} of {bytes} bytes at 0x{address:X} is outside every allocation ({Nearest(address)})");

    private string Nearest(ulong address)
    {
        lock (_blocks)
        {
            if (_blocks.Count == 0) return "no allocations";
            var n = _blocks.MinBy(b => address < b.Start ? b.Start - address : address - (b.Start + b.Length));
            return $"nearest allocation 0x{n.Start:X} of {n.Length} bytes";
        }
    }

    public void Dispose()
    {
        lock (_blocks)
        {
            foreach (var b in _blocks) NativeMemory.Free((void*)b.Host);
            _blocks.Clear();
        }
    }
}

using System.Collections.Concurrent;
using System.Numerics;

namespace CudaTensor;

/// <summary>
/// Pool of 64-byte-aligned host buffers on the pinned object heap.
/// Policy: requests of at least 256 KiB are rounded up to a power of two and reused from a per-size free
/// list; smaller ones come straight from the GC (cheap, and reuse would not pay). Why pool at all: a fresh
/// multi-megabyte array page-faults on first touch, which makes out-of-place elementwise ops several times
/// slower than in-place ones. At most <see cref="MaxCachedBytes"/> are kept; beyond that a returned buffer
/// is left to the GC.
/// </summary>
internal static unsafe class CpuBufferPool
{
    private const long MinPooledBytes = 256 * 1024;   // below 256 KiB a fresh array is cheaper than pooling
    private const int Alignment = 64;                  // one cache line, one Vector512
    private static readonly long MaxCachedBytes = 1L << 30; // keep at most 1 GiB of idle buffers

    private static readonly ConcurrentBag<byte[]>[] FreeLists = CreateLists();
    private static long _cachedBytes;

    /// <summary>A rented buffer: the array that owns it and the aligned address inside it.</summary>
    internal readonly struct Buffer(byte[] array, byte* pointer)
    {
        public byte[] Array { get; } = array;
        public byte* Pointer { get; } = pointer;
    }

    private static ConcurrentBag<byte[]>[] CreateLists()
    {
        var lists = new ConcurrentBag<byte[]>[64];
        for (int i = 0; i < lists.Length; i++) lists[i] = new ConcurrentBag<byte[]>();
        return lists;
    }

    /// <summary>Bytes currently idle in the pool.</summary>
    public static long CachedBytes => Interlocked.Read(ref _cachedBytes);

    public static Buffer Rent(long byteLength)
    {
        byte[] array;
        if (byteLength < MinPooledBytes)
        {
            array = GC.AllocateUninitializedArray<byte>((int)byteLength + Alignment, pinned: true);
        }
        else
        {
            int bucket = BitOperations.Log2(BitOperations.RoundUpToPowerOf2((ulong)byteLength));
            if (FreeLists[bucket].TryTake(out var cached))
            {
                Interlocked.Add(ref _cachedBytes, -cached.LongLength);
                array = cached;
            }
            else
            {
                long size = 1L << bucket;
                if (size + Alignment > Array.MaxLength)
                    throw new InsufficientMemoryException(
                        $"A CPU tensor of {byteLength} bytes exceeds the largest host buffer .NET can allocate ({Array.MaxLength} bytes).");
                array = GC.AllocateUninitializedArray<byte>((int)size + Alignment, pinned: true);
            }
        }
        return new Buffer(array, Align(array));
    }

    public static void Return(Buffer buffer)
    {
        var array = buffer.Array;
        if (array is null) return;
        long usable = array.LongLength - Alignment;
        if (usable < MinPooledBytes || !BitOperations.IsPow2(usable)) return;
        if (Interlocked.Add(ref _cachedBytes, array.LongLength) > MaxCachedBytes)
        {
            Interlocked.Add(ref _cachedBytes, -array.LongLength);
            return;
        }
        FreeLists[BitOperations.Log2((ulong)usable)].Add(array);
    }

    /// <summary>Drops every idle buffer (they are collected by the GC).</summary>
    public static void Clear()
    {
        foreach (var list in FreeLists)
        {
            while (list.TryTake(out var a)) Interlocked.Add(ref _cachedBytes, -a.LongLength);
        }
    }

    private static byte* Align(byte[] array)
    {
        // Arrays on the pinned object heap never move, so the address taken here stays valid.
        byte* p = (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(array));
        return (byte*)(((nint)p + (Alignment - 1)) & ~(nint)(Alignment - 1));
    }
}

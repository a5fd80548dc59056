using System.Collections.Concurrent;
using System.Numerics;

namespace CudaTensor;

/// <summary>
/// Pool of 64-byte-aligned host buffers on the pinned object heap.
/// Policy: every request is rounded up to a power of two (at least 64 bytes) and reused from a per-size free list.
/// Why pool large buffers: a fresh multi-megabyte array page-faults on first touch, which makes out-of-place
/// elementwise ops several times slower than in-place ones. Why pool small ones too: a pinned-heap allocation is
/// slower than a reuse (it dominates the cost of a one-element op), and pinned arrays are only collected by
/// full (gen 2) collections, so a training loop's short-lived activations would pile up between them.
/// Buffers of up to <see cref="MaxThreadCachedBytes"/> are first kept in a small per-thread cache (no
/// synchronisation on the hot path); the shared lists keep at most <see cref="MaxCachedBytes"/> in all, and
/// each per-thread list at most <see cref="ThreadCacheDepth"/> buffers. Beyond that a returned buffer is left to the GC.
/// </summary>
internal static unsafe class CpuBufferPool
{
    private const int MinBucket = 6;                    // 64 bytes: the smallest buffer handed out
    private const int Alignment = 64;                   // one cache line, one Vector512
    private const int MaxThreadCachedBytes = 64 * 1024; // per-thread caches hold buffers of up to 64 KiB
    private const int ThreadCacheDepth = 16;            // ... at most 16 of each size per thread (< 2 MiB a thread)
    private static readonly long MaxCachedBytes = 1L << 30; // keep at most 1 GiB of idle buffers in the shared lists

    private static readonly ConcurrentBag<byte[]>[] FreeLists = CreateLists();
    private static long _cachedBytes;

    [ThreadStatic] private static ThreadCache? _threadCache;

    /// <summary>A rented buffer: the array that owns it and the aligned address inside it.</summary>
    internal readonly struct Buffer(byte[] array, byte* pointer)
    {
        public byte[] Array { get; } = array;
        public byte* Pointer { get; } = pointer;
    }

    // One stack of buffers per small size class, owned by one thread.
    private sealed class ThreadCache
    {
        public readonly byte[][][] Stacks = CreateStacks();
        public readonly int[] Counts = new int[BucketOf(MaxThreadCachedBytes) + 1];

        private static byte[][][] CreateStacks()
        {
            var stacks = new byte[BucketOf(MaxThreadCachedBytes) + 1][][];
            for (int i = 0; i < stacks.Length; i++) stacks[i] = new byte[ThreadCacheDepth][];
            return stacks;
        }
    }

    private static ConcurrentBag<byte[]>[] CreateLists()
    {
        var lists = new ConcurrentBag<byte[]>[64];
        for (int i = 0; i < lists.Length; i++) lists[i] = new ConcurrentBag<byte[]>();
        return lists;
    }

    private static int BucketOf(long byteLength)
        => Math.Max(MinBucket, BitOperations.Log2(BitOperations.RoundUpToPowerOf2((ulong)Math.Max(byteLength, 1))));

    /// <summary>Bytes currently idle in the shared lists (per-thread caches not counted).</summary>
    public static long CachedBytes => Interlocked.Read(ref _cachedBytes);

    public static Buffer Rent(long byteLength)
    {
        int bucket = BucketOf(byteLength);
        byte[]? array = null;
        if (bucket < 64 && (1L << bucket) <= MaxThreadCachedBytes)
        {
            var cache = _threadCache;
            if (cache is not null && cache.Counts[bucket] > 0)
            {
                int top = --cache.Counts[bucket];
                array = cache.Stacks[bucket][top];
                cache.Stacks[bucket][top] = null!;
            }
        }
        if (array is null && FreeLists[bucket].TryTake(out var cached))
        {
            Interlocked.Add(ref _cachedBytes, -cached.LongLength);
            array = cached;
        }
        if (array is null)
        {
            long size = 1L << bucket;
            if (size + Alignment > Array.MaxLength)
                throw new InsufficientMemoryException(
                    $"A CPU tensor of {byteLength} bytes exceeds the largest host buffer .NET can allocate ({Array.MaxLength} bytes).");
            array = GC.AllocateUninitializedArray<byte>((int)size + Alignment, pinned: true);
        }
        return new Buffer(array, Align(array));
    }

    public static void Return(Buffer buffer)
    {
        var array = buffer.Array;
        if (array is null) return;
        long usable = array.LongLength - Alignment;
        if (!BitOperations.IsPow2(usable)) return;
        int bucket = BitOperations.Log2((ulong)usable);
        if (bucket < MinBucket) return;
        if (usable <= MaxThreadCachedBytes)
        {
            var cache = _threadCache ??= new ThreadCache();
            if (cache.Counts[bucket] < ThreadCacheDepth)
            {
                cache.Stacks[bucket][cache.Counts[bucket]++] = array;
                return;
            }
        }
        if (Interlocked.Add(ref _cachedBytes, array.LongLength) > MaxCachedBytes)
        {
            Interlocked.Add(ref _cachedBytes, -array.LongLength);
            return;
        }
        FreeLists[bucket].Add(array);
    }

    /// <summary>Drops every idle buffer of the shared lists and of the calling thread's cache (they are collected by the GC).</summary>
    public static void Clear()
    {
        foreach (var list in FreeLists)
        {
            while (list.TryTake(out var a)) Interlocked.Add(ref _cachedBytes, -a.LongLength);
        }
        _threadCache = null;
    }

    private static byte* Align(byte[] array)
    {
        // Arrays on the pinned object heap never move, so the address taken here stays valid.
        byte* p = (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(array));
        return (byte*)(((nint)p + (Alignment - 1)) & ~(nint)(Alignment - 1));
    }
}

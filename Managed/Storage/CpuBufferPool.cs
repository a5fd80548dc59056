using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.InteropServices;

namespace CudaTensor.Memory;

/// <summary>
/// Pool of 64-byte-aligned native host blocks (<see cref="NativeMemory.AlignedAlloc"/>): off the GC heap, so the
/// collector sees only the small tensor and storage objects, which die young.
/// <list type="bullet">
/// <item>Sizes are rounded up to a power of two (at least 64 bytes) and reused from a per-size free list. Why pool at
/// all: a fresh multi-megabyte block page-faults on first touch, which makes out-of-place ops several times slower
/// than in-place ones, and a system allocation costs more than a reuse (it would dominate a one-element op).</item>
/// <item>A disposed storage of up to <see cref="MaxThreadCachedBytes"/> is kept whole, with its block, in a small
/// per-thread cache (no synchronisation and no allocation on the hot path: the next tensor of that size reuses the
/// storage object), at most <see cref="ThreadCacheDepth"/> of each size per thread.</item>
/// <item>The shared lists keep at most <see cref="MaxCachedBytes"/> of idle blocks; beyond that a returned block
/// goes back to the system.</item>
/// <item>A storage that is disposed returns its block at once. A storage that is forgotten is finalized: the
/// finalizer pushes the block onto a lock-free pending queue (it takes no lock of the pool's), drained by the next
/// allocation that misses the thread cache or by <see cref="Stats"/> and <see cref="EmptyCache"/>; right after a
/// collection the pool started, an allocation that would otherwise take new memory waits for those blocks (2 ms at
/// most).</item>
/// <item>Forgotten tensors hold native memory the GC does not see, and a training loop allocates megabytes of it per
/// step but only kilobytes of managed objects, so the GC alone would wait thousands of steps before collecting. The
/// pool therefore starts a young collection (generations 0 and 1) itself when the bytes held by storages grow by
/// <see cref="MinCollectBudget"/> (or by half of what stays held, whichever is larger) past the level after the last
/// reclaim; when a young collection gives little back (the garbage was promoted), the next one is full, and when a
/// full one gives little back too (the memory is alive: a long graph), the next budget is what is held, so
/// collections come at doublings and their cost amortizes.</item>
/// </list>
/// Statistics count block sizes (powers of two), as the pool hands them out.
/// </summary>
internal static unsafe class CpuBufferPool
{
    private const int MinBucket = 6;                    // 64 bytes: the smallest block handed out
    private const int Alignment = 64;                   // one cache line, one Vector512
    private const int MaxThreadCachedBytes = 64 * 1024; // per-thread caches hold blocks of up to 64 KiB
    private const int ThreadCacheDepth = 16;            // ... at most 16 of each size per thread (< 2 MiB a thread)
    private const long MaxCachedBytes = 256L << 20;     // keep at most 256 MiB of idle blocks in the shared lists
    private const long MinCollectBudget = 32L << 20;    // start a collection after 32 MiB more are held
    private const int Buckets = 64;

    private static readonly SharedList[] Shared = CreateLists();
    private static readonly ConcurrentQueue<Pending> PendingFrees = new(); // lock-free: finalizers push here
    // The counters of every thread that used the pool; a dead thread's are folded into the globals by Stats.
    private static readonly List<ThreadCounters> Counters = [];
    private static long _allocated, _reserved, _peakAllocated, _peakReserved, _allocations, _returns;
    private static long _systemAllocations, _systemFrees, _pendingCount, _collections, _sharedCachedBytes;
    // Collection trigger: collect when _allocated exceeds _collectAt; _finalizedBytes (bytes finalizers gave back,
    // ever) tells whether the last young collection found garbage.
    private static long _collectAt = MinCollectBudget, _finalizedBytes, _finalizedAtCollect;
    private static int _collecting;
    private static CollectKind _lastKind;
    // Set by a collection the pool started, cleared when finalized blocks arrive: an allocation that would take a new
    // block from the system first waits for the finalizer thread, at most FinalizerWait in all. A wait, not a yield:
    // on a loaded machine the finalizer thread needs a core, and yielding gives it only this thread's core when it
    // happens to be queued there (measured: the reserve grew from 39 to 55 MB over 20,000 unscoped steps at load 10).
    private static bool _awaitingFinalizers;
    private static readonly ManualResetEventSlim FinalizedBlocks = new(false);
    private static readonly TimeSpan FinalizerWait = TimeSpan.FromMilliseconds(2);

    [ThreadStatic] private static ThreadCache? _threadCache;

    private readonly record struct Pending(nint Address, int Bucket);

    private sealed class SharedList
    {
        public readonly Lock Gate = new();
        public nint[] Items = new nint[4];
        public int Count;
    }

    // Per-thread counts, plain (only the owning thread writes them): no atomic operation per tensor for statistics.
    private sealed class ThreadCounters(ThreadCache owner)
    {
        public long Allocations, Returns;
        public readonly WeakReference<ThreadCache> Owner = new(owner);
    }

    // One stack of idle storages per small size class, owned by one thread, each with the block it gave up (a storage
    // claims its block back atomically on reuse, so every path that frees a block first takes it with one exchange).
    // A reuse allocates nothing: a new finalizable object costs several times a plain one.
    private sealed class ThreadCache
    {
        public readonly CpuStorage?[][] Stacks = CreateStacks<CpuStorage?>();
        public readonly nint[][] Blocks = CreateStacks<nint>();
        public readonly int[] Counts = new int[BucketOf(MaxThreadCachedBytes) + 1];
        public readonly ThreadCounters Counters;

        public ThreadCache() => Counters = new ThreadCounters(this);

        private static T[][] CreateStacks<T>()
        {
            var stacks = new T[BucketOf(MaxThreadCachedBytes) + 1][];
            for (int i = 0; i < stacks.Length; i++) stacks[i] = new T[ThreadCacheDepth];
            return stacks;
        }

        public long Bytes()
        {
            long bytes = 0;
            for (int b = 0; b < Counts.Length; b++) bytes += (long)Volatile.Read(ref Counts[b]) << b;
            return bytes;
        }

        // The thread ended: its idle blocks go back through the pending queue (the finalizer thread takes no lock).
        ~ThreadCache()
        {
            for (int b = 0; b < Counts.Length; b++)
            {
                for (int i = 0; i < Counts[b]; i++)
                {
                    PendingFrees.Enqueue(new Pending(Blocks[b][i], b));
                    Interlocked.Increment(ref _pendingCount);
                }
                Counts[b] = 0;
            }
        }
    }

    private static SharedList[] CreateLists()
    {
        var lists = new SharedList[Buckets];
        for (int i = 0; i < lists.Length; i++) lists[i] = new SharedList();
        return lists;
    }

    /// <summary>The size class of a request: log2 of the block size.</summary>
    public static int BucketOf(long byteLength)
        => Math.Max(MinBucket, BitOperations.Log2(BitOperations.RoundUpToPowerOf2((ulong)Math.Max(byteLength, 1))));

    /// <summary>An idle storage of size class <paramref name="bucket"/> from the calling thread's cache and its block, or null.</summary>
    public static CpuStorage? RentCached(int bucket, out nint block)
    {
        var cache = _threadCache;
        block = 0;
        if (cache is null || bucket >= cache.Counts.Length || cache.Counts[bucket] == 0) return null;
        int top = --cache.Counts[bucket];
        var storage = cache.Stacks[bucket][top];
        cache.Stacks[bucket][top] = null;
        block = cache.Blocks[bucket][top];
        cache.Counters.Allocations++;
        Held(1L << bucket);
        return storage;
    }

    /// <summary>A block of 2^<paramref name="bucket"/> bytes, 64-byte aligned, uninitialised.</summary>
    /// <exception cref="InsufficientMemoryException">The system has no block of that size.</exception>
    public static nint Rent(int bucket)
    {
        Counted().Allocations++;
        Held(1L << bucket);
        return NewBlock(bucket);
    }

    /// <summary>A block for an allocation already counted: from the pending queue, the shared list or the system.</summary>
    internal static nint NewBlock(int bucket)
    {
        // After a collection the pool started, the finalizer thread is about to hand blocks back: wait for it (bounded:
        // the collection may have found nothing to finalize) rather than take new memory from the system while they
        // are on the way. Once per collection at most: whoever finds the flag set and gets no block clears it.
        long deadline = 0;
        while (true)
        {
            bool awaiting = Volatile.Read(ref _awaitingFinalizers);
            if (awaiting) FinalizedBlocks.Reset(); // before draining: a block that arrives after the drain wakes the wait
            if (!PendingFrees.IsEmpty) DrainPending();
            if (TryTakeShared(bucket, out nint block)) return block;
            if (!awaiting) break;
            long now = Environment.TickCount64;
            if (deadline == 0) deadline = now + (long)FinalizerWait.TotalMilliseconds;
            if (now >= deadline) break;
            FinalizedBlocks.Wait(FinalizerWait);
        }
        Volatile.Write(ref _awaitingFinalizers, false);
        return SystemAlloc(bucket);
    }

    private static bool TryTakeShared(int bucket, out nint block)
    {
        var list = Shared[bucket];
        if (list.Count > 0)
        {
            lock (list.Gate)
            {
                if (list.Count > 0)
                {
                    Interlocked.Add(ref _sharedCachedBytes, -(1L << bucket));
                    block = list.Items[--list.Count];
                    return true;
                }
            }
        }
        block = 0;
        return false;
    }

    private static void Held(long size)
    {
        long held = Interlocked.Add(ref _allocated, size);
        if (held > Volatile.Read(ref _peakAllocated)) RaisePeak(ref _peakAllocated, held);
        if (held > Volatile.Read(ref _collectAt)) Collect();
    }

    /// <summary>
    /// Keeps a released storage and the block it gave up in the calling thread's cache; false when the cache is full or
    /// the block too large (the caller then gives the block back with <see cref="Return"/>).
    /// </summary>
    public static bool TryCache(CpuStorage storage, nint block, int bucket)
    {
        if (bucket >= BucketOf(MaxThreadCachedBytes) + 1) return false;
        var cache = _threadCache ?? NewThreadCache();
        if (cache.Counts[bucket] == ThreadCacheDepth) return false;
        cache.Blocks[bucket][cache.Counts[bucket]] = block;
        cache.Stacks[bucket][cache.Counts[bucket]++] = storage;
        cache.Counters.Returns++;
        Interlocked.Add(ref _allocated, -(1L << bucket));
        return true;
    }

    /// <summary>Gives back a block that a disposed storage held.</summary>
    public static void Return(nint address, int bucket)
    {
        Counted().Returns++;
        Interlocked.Add(ref _allocated, -(1L << bucket));
        PushShared(address, bucket);
    }

    /// <summary>Gives back a block that a finalized storage held; takes no lock of the pool's (see the class summary), and wakes an allocation that waits for it.</summary>
    public static void ReturnFromFinalizer(nint address, int bucket)
    {
        Interlocked.Add(ref _allocated, -(1L << bucket));
        Interlocked.Add(ref _finalizedBytes, 1L << bucket);
        Interlocked.Increment(ref _returns);
        PendingFrees.Enqueue(new Pending(address, bucket));
        Interlocked.Increment(ref _pendingCount);
        if (Volatile.Read(ref _awaitingFinalizers)) FinalizedBlocks.Set();
    }

    /// <summary>A snapshot of the statistics (pending frees are taken back first).</summary>
    public static CpuMemoryStats Stats()
    {
        DrainPending();
        long threadCached = 0, allocations, returns;
        lock (Counters)
        {
            FoldDeadThreadsLocked();
            allocations = Interlocked.Read(ref _allocations);
            returns = Interlocked.Read(ref _returns);
            foreach (var c in Counters)
            {
                allocations += Volatile.Read(ref c.Allocations);
                returns += Volatile.Read(ref c.Returns);
                if (c.Owner.TryGetTarget(out var cache)) threadCached += cache.Bytes();
            }
        }
        return new CpuMemoryStats(
            AllocatedBytes: Interlocked.Read(ref _allocated),
            ReservedBytes: Interlocked.Read(ref _reserved),
            PeakAllocatedBytes: Interlocked.Read(ref _peakAllocated),
            PeakReservedBytes: Interlocked.Read(ref _peakReserved),
            Allocations: allocations,
            ActiveBlocks: allocations - returns,
            SystemAllocations: Interlocked.Read(ref _systemAllocations),
            SystemFrees: Interlocked.Read(ref _systemFrees),
            PendingFrees: Interlocked.Read(ref _pendingCount),
            Collections: Interlocked.Read(ref _collections),
            ThreadCachedBytes: threadCached,
            CacheLimitBytes: MaxCachedBytes);
    }

    /// <summary>Sets the peaks to the current values.</summary>
    public static void ResetPeak()
    {
        Interlocked.Exchange(ref _peakAllocated, Interlocked.Read(ref _allocated));
        Interlocked.Exchange(ref _peakReserved, Interlocked.Read(ref _reserved));
    }

    /// <summary>
    /// Returns every idle block of the shared lists and of the calling thread's cache to the system (other threads'
    /// caches, at most <see cref="ThreadCacheDepth"/> small blocks per size, stay with their threads).
    /// </summary>
    public static void EmptyCache()
    {
        DrainPending();
        var cache = _threadCache;
        if (cache is not null)
        {
            for (int b = 0; b < cache.Counts.Length; b++)
            {
                while (cache.Counts[b] > 0)
                {
                    int top = --cache.Counts[b];
                    cache.Stacks[b][top] = null;
                    SystemFree(cache.Blocks[b][top], b);
                }
            }
        }
        for (int b = 0; b < Shared.Length; b++)
        {
            var list = Shared[b];
            lock (list.Gate)
            {
                while (list.Count > 0)
                {
                    Interlocked.Add(ref _sharedCachedBytes, -(1L << b));
                    SystemFree(list.Items[--list.Count], b);
                }
            }
        }
    }

    private static ThreadCache NewThreadCache()
    {
        var cache = new ThreadCache();
        lock (Counters)
        {
            FoldDeadThreadsLocked(); // a program that starts many threads does not grow the list
            Counters.Add(cache.Counters);
        }
        return _threadCache = cache;
    }

    // Counters of threads that are gone (their cache was collected): nobody writes them any more, so they move into
    // the globals.
    private static void FoldDeadThreadsLocked()
    {
        for (int i = Counters.Count - 1; i >= 0; i--)
        {
            var c = Counters[i];
            if (c.Owner.TryGetTarget(out _)) continue;
            Interlocked.Add(ref _allocations, c.Allocations);
            Interlocked.Add(ref _returns, c.Returns);
            Counters[i] = Counters[^1];
            Counters.RemoveAt(Counters.Count - 1);
        }
    }

    private static ThreadCounters Counted() => (_threadCache ?? NewThreadCache()).Counters;

    private static void PushShared(nint address, int bucket)
    {
        long size = 1L << bucket;
        if (Interlocked.Add(ref _sharedCachedBytes, size) > MaxCachedBytes)
        {
            Interlocked.Add(ref _sharedCachedBytes, -size);
            SystemFree(address, bucket);
            return;
        }
        var list = Shared[bucket];
        lock (list.Gate)
        {
            if (list.Count == list.Items.Length) Array.Resize(ref list.Items, list.Items.Length * 2);
            list.Items[list.Count++] = address;
        }
    }

    private static void DrainPending()
    {
        bool any = false;
        while (PendingFrees.TryDequeue(out var p))
        {
            Interlocked.Decrement(ref _pendingCount);
            PushShared(p.Address, p.Bucket);
            any = true;
        }
        // Memory came back from forgotten tensors: the next collection is due a budget past what is held now.
        if (any) Volatile.Write(ref _collectAt, NextCollectAt(Interlocked.Read(ref _allocated)));
    }

    private static long NextCollectAt(long held) => held + Math.Max(MinCollectBudget, held / 2);

    // Starts a collection so that forgotten storages are finalized. Young (generations 0 and 1) unless the last one
    // was young and gave back less than a quarter of a budget: then the garbage was promoted, or everything is alive,
    // and only a full collection can tell. When a full one gives back little too, the memory is alive (a long graph, a
    // growing cache): the next budget is what is held, so collections come at doublings and their cost amortizes.
    private static void Collect()
    {
        if (Interlocked.CompareExchange(ref _collecting, 1, 0) != 0) return;
        try
        {
            long held = Interlocked.Read(ref _allocated);
            long finalized = Interlocked.Read(ref _finalizedBytes);
            bool fruitless = finalized - _finalizedAtCollect < MinCollectBudget / 4;
            bool full = _lastKind == CollectKind.Young && fruitless;
            bool alive = _lastKind == CollectKind.Full && fruitless;
            _finalizedAtCollect = finalized;
            _lastKind = full ? CollectKind.Full : CollectKind.Young;
            // Until memory comes back, the next attempt waits for another budget's growth.
            Volatile.Write(ref _collectAt, alive ? held + Math.Max(MinCollectBudget, held) : NextCollectAt(held));
            Interlocked.Increment(ref _collections);
            FinalizedBlocks.Reset();
            Volatile.Write(ref _awaitingFinalizers, true);
            GC.Collect(full ? 2 : 1, GCCollectionMode.Forced, blocking: true);
        }
        finally
        {
            Volatile.Write(ref _collecting, 0);
        }
    }

    private enum CollectKind { None, Young, Full }

    private static nint SystemAlloc(int bucket)
    {
        long size = 1L << bucket;
        void* p;
        try
        {
            p = NativeMemory.AlignedAlloc((nuint)size, Alignment);
        }
        catch (OutOfMemoryException)
        {
            p = null;
        }
        if (p is null)
        {
            // Forgotten tensors may hold the memory: collect, let their finalizers run, take it back, retry once.
            EmptyCache();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            EmptyCache();
            try
            {
                p = NativeMemory.AlignedAlloc((nuint)size, Alignment);
            }
            catch (OutOfMemoryException)
            {
                p = null;
            }
            if (p is null)
            {
                Interlocked.Add(ref _allocated, -size);
                Counted().Allocations--;
                throw new InsufficientMemoryException(
                    $"Out of host memory: a CPU tensor needs a block of {size} bytes; tensors hold {Interlocked.Read(ref _allocated)} bytes now. Dispose tensors you no longer need, or use a TensorScope.");
            }
        }
        Interlocked.Increment(ref _systemAllocations);
        long reserved = Interlocked.Add(ref _reserved, size);
        if (reserved > Volatile.Read(ref _peakReserved)) RaisePeak(ref _peakReserved, reserved);
        return (nint)p;
    }

    private static void SystemFree(nint address, int bucket)
    {
        NativeMemory.AlignedFree((void*)address);
        Interlocked.Increment(ref _systemFrees);
        Interlocked.Add(ref _reserved, -(1L << bucket));
    }

    private static void RaisePeak(ref long peak, long value)
    {
        long seen = Volatile.Read(ref peak);
        while (value > seen)
        {
            long was = Interlocked.CompareExchange(ref peak, value, seen);
            if (was == seen) return;
            seen = was;
        }
    }
}

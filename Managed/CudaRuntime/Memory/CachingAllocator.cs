using System.Collections.Concurrent;

namespace CudaTensor.CudaRuntime.Memory;

/// <summary>
/// The caching allocator of one CUDA device. Policy:
/// <list type="bullet">
/// <item>Sizes are rounded up to multiples of 512 B (<see cref="MinBlockBytes"/>); a request of 0 B takes one 512 B block.</item>
/// <item>Small requests (at most 1 MiB, <see cref="SmallRequestBytes"/>) are packed into 2 MiB segments
/// (<see cref="SmallSegmentBytes"/>); larger ones get segments rounded up to 2 MiB (<see cref="LargeRoundingBytes"/>).
/// Small and large blocks live in separate pools, so small tensors never fragment large segments.</item>
/// <item>Best fit: the smallest free block of the same pool and stream that is large enough. A fitting block is split
/// when the rest is still useful (at least 512 B in the small pool; more than 1 MiB in the large pool, whose
/// blocks only serve requests above 1 MiB); freed blocks merge with free neighbours of the same segment.</item>
/// <item>Blocks belong to the stream they were allocated on and are reused only by that stream, where ordering
/// is implicit. Use on another stream is recorded (<see cref="RecordStream"/>); at free time an event is recorded
/// on each such stream, and the block returns to the pool only when all of them have completed.</item>
/// <item><see cref="DeviceMemory"/> handles own the blocks: Dispose returns a block at once; a finalized handle
/// goes onto a lock-free pending-free queue, drained by the next allocation (finalizers never call the driver).</item>
/// <item>Out of memory: drain pending frees and retry; wait for outstanding events and release cached segments,
/// retry; collect garbage and wait for finalizers (outside the lock), drain again, release again, retry once more;
/// then throw <see cref="CudaOutOfMemoryException"/> with the request, allocated, cached, free and total bytes.</item>
/// <item>An optional limit (<see cref="CudaTensor.Cuda.MemoryLimitVariable"/>) caps the reserved bytes: exceeding it is an
/// out-of-memory condition, handled as above.</item>
/// <item>No caching (<see cref="CudaTensor.Cuda.NoMemoryCachingVariable"/>, PyTorch's <c>PYTORCH_NO_CUDA_MEMORY_CACHING</c>):
/// every request gets its own driver allocation of exactly the requested bytes (at least 1; not rounded, never split or
/// shared), and a freed block goes back to the driver as soon as the events of other streams that used it complete.
/// Slow, but a kernel that overruns a tensor then touches memory no allocation owns, which a checking device (the
/// virtual one, compute-sanitizer) reports, instead of silently writing into a neighbour in the same segment. Work still
/// queued on the owning stream is covered by the driver: cuMemFree waits for the device before freeing.</item>
/// <item>CUDA graphs: while a capture is active, requests on its stream are served by the graph's private pool
/// (<see cref="PrivatePool"/>, CachingAllocator.Private.cs), and blocks of the shared pool freed meanwhile wait until the
/// capture ends, so the capture never calls cuMemAlloc or cuMemFree.</item>
/// </list>
/// Thread-safe: one lock per device guards the pools and statistics.
/// </summary>
internal sealed partial class CachingAllocator
{
    /// <summary>The environment variable that caps each device's pool (public as <see cref="Cuda.MemoryLimitVariable"/>).</summary>
    internal const string LimitVariable = "CUDATENSOR_CUDA_MEMORY_LIMIT";

    /// <summary>The environment variable that turns caching off (public as <see cref="Cuda.NoMemoryCachingVariable"/>).</summary>
    internal const string NoCachingVariable = "CUDATENSOR_NO_CUDA_MEMORY_CACHING";

    /// <summary>Every size is a multiple of 512 B (cuMemAlloc aligns to at least 256 B; 512 B suits vector loads).</summary>
    public const ulong MinBlockBytes = 512;

    /// <summary>Requests of at most 1 MiB are small.</summary>
    public const ulong SmallRequestBytes = 1UL << 20;

    /// <summary>Small requests are packed in 2 MiB segments.</summary>
    public const ulong SmallSegmentBytes = 2UL << 20;

    /// <summary>Large segments are multiples of 2 MiB.</summary>
    public const ulong LargeRoundingBytes = 2UL << 20;

    private readonly IRawDeviceAllocator _raw;
    private readonly object _gate = new();
    private readonly SortedSet<MemoryBlock> _smallFree = new(BlockComparer.Instance);
    private readonly SortedSet<MemoryBlock> _largeFree = new(BlockComparer.Instance);
    private readonly List<(nint Event, MemoryBlock Block)> _outstandingEvents = [];
    private readonly ConcurrentQueue<MemoryBlock> _pendingFrees = new(); // lock-free (CAS-based segments)
    private readonly Action<CachingAllocator> _collectGarbage;

    private long _allocated, _reserved, _peakAllocated, _peakReserved, _allocations, _activeBlocks;
    private long _driverAllocations, _driverFrees, _oomRetries;

    /// <summary>Creates a pool over <paramref name="raw"/>.</summary>
    /// <param name="raw">Segments and events of one device.</param>
    /// <param name="device">The device, for messages.</param>
    /// <param name="limitBytes">Cap on reserved bytes, or null.</param>
    /// <param name="collectGarbage">The out-of-memory path's garbage collection (tests replace it); default: a full blocking
    /// collection and a wait for finalizers.</param>
    /// <param name="caching">False: no caching, every block is its own driver allocation (see the class summary).</param>
    public CachingAllocator(IRawDeviceAllocator raw, Device device, long? limitBytes = null, Action<CachingAllocator>? collectGarbage = null,
        bool caching = true)
    {
        _raw = raw;
        Device = device;
        LimitBytes = limitBytes;
        Caching = caching;
        _collectGarbage = collectGarbage ?? (_ =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        });
    }

    /// <summary>The device, for messages.</summary>
    public Device Device { get; }

    /// <summary>Cap on reserved bytes, or null.</summary>
    public long? LimitBytes { get; }

    /// <summary>False when every block is its own driver allocation, freed to the driver when released.</summary>
    public bool Caching { get; }

    /// <summary>Whether <see cref="CudaTensor.Cuda.NoMemoryCachingVariable"/> asks for no caching ("1" or "true").</summary>
    /// <param name="value">The variable's value, or null when unset.</param>
    /// <returns>True to turn caching off.</returns>
    public static bool NoCachingRequested(string? value) => value?.Trim().ToUpperInvariant() is "1" or "TRUE";

    /// <summary>The size a request occupies: at least 512 B, rounded up to a multiple of 512 B.</summary>
    public static ulong RoundSize(ulong bytes) => bytes < MinBlockBytes ? MinBlockBytes : (bytes + MinBlockBytes - 1) & ~(MinBlockBytes - 1);

    /// <summary>The segment size a new segment for a rounded request gets.</summary>
    public static ulong SegmentSize(ulong roundedBytes)
        => roundedBytes <= SmallRequestBytes ? SmallSegmentBytes : (roundedBytes + LargeRoundingBytes - 1) & ~(LargeRoundingBytes - 1);

    /// <summary>Allocates <paramref name="bytes"/> for work on <paramref name="stream"/>.</summary>
    /// <exception cref="CudaOutOfMemoryException">The device is out of memory after every retry.</exception>
    public DeviceMemory Allocate(ulong bytes, nint stream)
    {
        ulong size = Caching ? RoundSize(bytes) : Math.Max(bytes, 1);
        lock (_gate)
        {
            if (_capture is { } capture && capture.Stream == stream) return Hand(AllocatePrivateLocked(capture, RoundSize(bytes)), bytes);
            var block = TryAllocateLocked(size, stream, releaseCache: false) ?? TryAllocateLocked(size, stream, releaseCache: true);
            if (block is not null) return Hand(block, bytes);
            _oomRetries++;
        }
        // Forgotten tensors may hold memory: let their finalizers queue it, outside the lock (finalizers never take it,
        // but nothing else should wait on a collection while holding it).
        _collectGarbage(this);
        lock (_gate)
        {
            var block = TryAllocateLocked(size, stream, releaseCache: true);
            if (block is not null) return Hand(block, bytes);
            var (free, total) = MemoryInfoOrUnknown();
            throw new CudaOutOfMemoryException(Device, (long)bytes, _allocated, _reserved - _allocated, free, total, LimitBytes);
        }
    }

    private DeviceMemory Hand(MemoryBlock block, ulong requested)
    {
        block.RequestedBytes = requested;
        return new DeviceMemory(this, block);
    }

    private (long Free, long Total) MemoryInfoOrUnknown()
    {
        try
        {
            var (free, total) = _raw.GetMemoryInfo();
            return ((long)free, (long)total);
        }
#pragma warning disable CA1031 // the numbers only decorate the message; the out-of-memory error is what matters
        catch (Exception)
#pragma warning restore CA1031
        {
            return (-1, -1);
        }
    }

    private MemoryBlock? TryAllocateLocked(ulong size, nint stream, bool releaseCache)
    {
        DrainPendingFrees();
        ProcessEvents(wait: releaseCache);
        bool small = size <= SmallRequestBytes;
        var pool = small ? _smallFree : _largeFree;
        var block = Caching ? BestFit(pool, size, stream) : null;
        if (block is null)
        {
            if (releaseCache) ReleaseCachedSegments();
            block = NewSegment(Caching ? SegmentSize(size) : size, stream, small);
            if (block is null) return null;
        }
        else
        {
            pool.Remove(block);
        }
        Split(block, size, pool);
        MarkAllocated(block);
        return block;
    }

    private void MarkAllocated(MemoryBlock block)
    {
        block.State = BlockState.Allocated;
        _allocated += (long)block.Size;
        _peakAllocated = Math.Max(_peakAllocated, _allocated);
        _allocations++;
        _activeBlocks++;
    }

    private static MemoryBlock? BestFit(SortedSet<MemoryBlock> pool, ulong size, nint stream)
    {
        if (pool.Count == 0) return null;
        var lower = new MemoryBlock { Stream = stream, Size = size, Address = 0 };
        var upper = new MemoryBlock { Stream = stream, Size = ulong.MaxValue, Address = ulong.MaxValue };
        var view = pool.GetViewBetween(lower, upper);
        return view.Count == 0 ? null : view.Min;
    }

    private MemoryBlock? NewSegment(ulong segmentBytes, nint stream, bool small)
    {
        if (LimitBytes is long limit && _reserved + (long)segmentBytes > limit) return null;
        if (!_raw.TryAllocate(segmentBytes, out ulong address)) return null;
        _driverAllocations++;
        _reserved += (long)segmentBytes;
        _peakReserved = Math.Max(_peakReserved, _reserved);
        return new MemoryBlock { Address = address, Size = segmentBytes, Stream = stream, IsSmall = small, State = BlockState.Free };
    }

    // Splits off the tail of `block` beyond `size` into a free block when it is worth keeping separately.
    private static void Split(MemoryBlock block, ulong size, SortedSet<MemoryBlock> pool)
    {
        ulong rest = block.Size - size;
        bool worthIt = block.IsSmall ? rest >= MinBlockBytes : rest > SmallRequestBytes;
        if (!worthIt) return;
        var tail = new MemoryBlock
        {
            Address = block.Address + size,
            Size = rest,
            Stream = block.Stream,
            IsSmall = block.IsSmall,
            State = BlockState.Free,
            Private = block.Private,
            Previous = block,
            Next = block.Next,
        };
        if (block.Next is not null) block.Next.Previous = tail;
        block.Next = tail;
        block.Size = size;
        pool.Add(tail);
    }

    /// <summary>Records that <paramref name="block"/> is used by work on <paramref name="stream"/>.</summary>
    internal void RecordStream(MemoryBlock block, nint stream)
    {
        lock (_gate)
        {
            if (block.State != BlockState.Allocated) throw new InvalidOperationException($"RecordStream on a {block.State} block.");
            if (stream == block.Stream) return; // the owning stream orders itself
            // A capture records work without running it; its replays run on the replaying stream (docs/cuda-graphs.md).
            if (_capture is { } capture && stream == capture.Stream) return;
            block.OtherStreams ??= [];
            if (!block.OtherStreams.Contains(stream)) block.OtherStreams.Add(stream);
        }
    }

    /// <summary>Returns a block at once (the Dispose path).</summary>
    internal void Free(MemoryBlock block)
    {
        lock (_gate) FreeLocked(block);
    }

    /// <summary>The finalizer path: lock-free, no driver call; the block is returned by the next allocation.</summary>
    internal void EnqueuePendingFree(MemoryBlock block) => _pendingFrees.Enqueue(block);

    /// <summary>What a finalizer does with a forgotten handle, for tests: the handle is closed without returning its block directly.</summary>
    internal void EnqueuePendingFreeForTest(DeviceMemory memory)
    {
        if (memory.Pool != this) throw new ArgumentException("The block belongs to another pool.", nameof(memory));
        memory.ReleaseAsFinalizer();
    }

    private void FreeLocked(MemoryBlock block)
    {
        if (block.State != BlockState.Allocated) throw new InvalidOperationException($"Double free of {block}.");
        if (_capture is not null && block.Private is null)
        {
            // Returning it now could mean cuMemFree or an event on the capturing stream; it waits for the capture's end.
            _deferredFrees.Add(block);
            return;
        }
        _allocated -= (long)block.Size;
        _activeBlocks--;
        if (block.OtherStreams is { Count: > 0 } streams)
        {
            // Reuse must wait for the work queued on every other stream that used the block.
            block.State = BlockState.AwaitingEvents;
            foreach (nint s in streams)
            {
                _outstandingEvents.Add((_raw.RecordEvent(s), block));
                block.PendingEvents++;
            }
            block.OtherStreams = null;
            return;
        }
        ReturnToPool(block);
    }

    private void ReturnToPool(MemoryBlock block)
    {
        if (!Caching && block.Private is null)
        {
            block.State = BlockState.Free;
            ReleaseSegment(block);
            return;
        }
        var pool = block.Private is { } owner ? owner.FreeSet(block) : block.IsSmall ? _smallFree : _largeFree;
        block.State = BlockState.Free;
        block.RequestedBytes = 0;
        if (block.Previous is { State: BlockState.Free } prev)
        {
            pool.Remove(prev);
            block.Address = prev.Address;
            block.Size += prev.Size;
            block.Previous = prev.Previous;
            if (block.Previous is not null) block.Previous.Next = block;
        }
        if (block.Next is { State: BlockState.Free } next)
        {
            pool.Remove(next);
            block.Size += next.Size;
            block.Next = next.Next;
            if (block.Next is not null) block.Next.Previous = block;
        }
        if (block.Private is { Retired: true } retired && block.IsWholeSegment)
        {
            retired.ReservedBytes -= (long)block.Size;
            ReleaseSegment(block);
            return;
        }
        pool.Add(block);
    }

    private void DrainPendingFrees()
    {
        while (_pendingFrees.TryDequeue(out var block)) FreeLocked(block);
    }

    // Returns blocks whose events have all completed; with `wait`, first waits for every outstanding event.
    private void ProcessEvents(bool wait)
    {
        if (_outstandingEvents.Count == 0) return;
        int kept = 0;
        for (int i = 0; i < _outstandingEvents.Count; i++)
        {
            var (ev, block) = _outstandingEvents[i];
            if (wait) _raw.WaitEvent(ev);
            if (wait || _raw.IsEventComplete(ev))
            {
                _raw.ReleaseEvent(ev);
                if (--block.PendingEvents == 0) ReturnToPool(block);
            }
            else
            {
                _outstandingEvents[kept++] = _outstandingEvents[i];
            }
        }
        _outstandingEvents.RemoveRange(kept, _outstandingEvents.Count - kept);
    }

    private void ReleaseCachedSegments()
    {
        foreach (var pool in new[] { _smallFree, _largeFree })
        {
            var whole = pool.Where(b => b.IsWholeSegment).ToList();
            foreach (var b in whole)
            {
                pool.Remove(b);
                ReleaseSegment(b);
            }
        }
    }

    private void ReleaseSegment(MemoryBlock segment)
    {
        _raw.Free(segment.Address);
        _driverFrees++;
        _reserved -= (long)segment.Size;
    }

    /// <summary>
    /// Returns every cached segment that no tensor uses to the driver (after taking back pending frees and waiting for
    /// outstanding events). Memory held by tensors stays.
    /// </summary>
    public void EmptyCache()
    {
        lock (_gate)
        {
            DrainPendingFrees();
            ProcessEvents(wait: true);
            ReleaseCachedSegments();
        }
    }

    /// <summary>Takes back blocks from finalizers and completed events without allocating (used by statistics readers).</summary>
    public void Collect()
    {
        lock (_gate)
        {
            DrainPendingFrees();
            ProcessEvents(wait: false);
        }
    }

    /// <summary>A snapshot of the statistics.</summary>
    public CudaMemoryStats Stats
    {
        get
        {
            lock (_gate)
            {
                return new CudaMemoryStats(_allocated, _reserved, _peakAllocated, _peakReserved, _allocations, _activeBlocks,
                    _driverAllocations, _driverFrees, _oomRetries, _pendingFrees.Count, LimitBytes);
            }
        }
    }

    /// <summary>Sets the peaks to the current values.</summary>
    public void ResetPeak()
    {
        lock (_gate)
        {
            _peakAllocated = _allocated;
            _peakReserved = _reserved;
        }
    }

    /// <summary>Number of free blocks cached (both pools), for tests.</summary>
    internal int FreeBlockCount
    {
        get
        {
            lock (_gate) return _smallFree.Count + _largeFree.Count;
        }
    }

    /// <summary>Number of blocks waiting for events, for tests.</summary>
    internal int BlocksAwaitingEvents
    {
        get
        {
            lock (_gate) return _outstandingEvents.Select(e => e.Block).Distinct().Count();
        }
    }

    /// <summary>
    /// Parses a memory limit: bytes, or a number with a K, M, G or T suffix (binary units, "KiB"/"KB" spellings too);
    /// empty means no limit.
    /// </summary>
    /// <exception cref="FormatException">The text is not a size.</exception>
    public static long? ParseLimit(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        string t = text.Trim().ToUpperInvariant();
        if (t.EndsWith("IB", StringComparison.Ordinal)) t = t[..^2];
        else if (t.EndsWith('B')) t = t[..^1];
        long scale = 1;
        if (t.Length > 0 && char.IsLetter(t[^1]))
        {
            scale = t[^1] switch
            {
                'K' => 1L << 10,
                'M' => 1L << 20,
                'G' => 1L << 30,
                'T' => 1L << 40,
                _ => throw new FormatException($"'{text}' is not a memory size; use bytes or a K, M, G or T suffix, e.g. 8G."),
            };
            t = t[..^1];
        }
        if (!double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) || v <= 0)
            throw new FormatException($"'{text}' is not a memory size; use bytes or a K, M, G or T suffix, e.g. 8G.");
        return (long)(v * scale);
    }
}

namespace CudaTensor.CudaRuntime.Memory;

// Graph-private pools. A capture cannot call cuMemAlloc (the driver refuses "potentially unsafe" calls on a thread
// capturing in thread-local mode, and the allocation would not be part of the graph anyway), so a graph's segments are
// reserved before cuStreamBeginCapture, or claimed during the capture from segments the device's cache holds wholly
// free (no driver call). Blocks of the private pool are never handed to anyone but the capture, so the addresses baked
// into the graph stay the graph's for as long as it lives.
internal sealed partial class CachingAllocator
{
    private PrivatePool? _capture;
    private readonly List<MemoryBlock> _deferredFrees = [];

    /// <summary>
    /// Starts serving the requests made on <paramref name="stream"/> from a new private pool, which first gets one small
    /// segment and, when <paramref name="reserveBytes"/> is positive, a large one of at least that size (claimed from the
    /// cache when it holds a free one, else from the driver: call this before the capture begins).
    /// </summary>
    /// <exception cref="InvalidOperationException">Another capture is active on the device.</exception>
    /// <exception cref="CudaOutOfMemoryException">The device cannot reserve the segments.</exception>
    public PrivatePool BeginPrivate(nint stream, nint originStream, ulong reserveBytes)
    {
        lock (_gate)
        {
            if (_capture is not null) throw new InvalidOperationException($"A CUDA graph capture is already active on {Device}: end it before beginning another.");
            DrainPendingFrees();
            ProcessEvents(wait: false);
            var pool = new PrivatePool(stream, originStream);
            try
            {
                Reserve(pool, small: true, SmallSegmentBytes);
                if (reserveBytes > 0) Reserve(pool, small: false, SegmentSize(Math.Max(RoundSize(reserveBytes), SmallRequestBytes + MinBlockBytes)));
            }
            catch
            {
                RetireLocked(pool);
                throw;
            }
            _capture = pool;
            return pool;
        }
    }

    /// <summary>Stops serving from <paramref name="pool"/> (the capture ended) and returns the shared blocks freed meanwhile.</summary>
    public void EndPrivate(PrivatePool pool)
    {
        lock (_gate)
        {
            if (_capture == pool) _capture = null;
            foreach (var block in _deferredFrees) FreeLocked(block);
            _deferredFrees.Clear();
        }
    }

    /// <summary>The graph is gone: its free segments go back to the driver now, the others when their last block is freed.</summary>
    public void RetirePrivate(PrivatePool pool)
    {
        lock (_gate)
        {
            if (_capture == pool) throw new InvalidOperationException("The graph's capture is still active.");
            RetireLocked(pool);
        }
    }

    private void RetireLocked(PrivatePool pool)
    {
        pool.Retired = true;
        foreach (var set in new[] { pool.Small, pool.Large })
        {
            foreach (var b in set.Where(b => b.IsWholeSegment).ToList())
            {
                set.Remove(b);
                pool.ReservedBytes -= (long)b.Size;
                ReleaseSegment(b);
            }
        }
    }

    private void Reserve(PrivatePool pool, bool small, ulong segmentBytes)
    {
        if (TryClaim(pool, small, segmentBytes)) return;
        var segment = NewSegment(segmentBytes, pool.Stream, small)
            ?? throw new CudaOutOfMemoryException(Device, (long)segmentBytes, _allocated, _reserved - _allocated, -1, -1, LimitBytes);
        Adopt(pool, segment);
    }

    // Moves the smallest wholly free cached segment of the origin stream holding `minBytes` into the private pool.
    private bool TryClaim(PrivatePool pool, bool small, ulong minBytes)
    {
        var shared = small ? _smallFree : _largeFree;
        MemoryBlock? best = null;
        foreach (var b in shared)
        {
            if (b.IsWholeSegment && b.Stream == pool.OriginStream && b.Size >= minBytes && (best is null || b.Size < best.Size)) best = b;
        }
        if (best is null) return false;
        shared.Remove(best);
        Adopt(pool, best);
        return true;
    }

    private static void Adopt(PrivatePool pool, MemoryBlock segment)
    {
        segment.Stream = pool.Stream;
        segment.Private = pool;
        pool.ReservedBytes += (long)segment.Size;
        pool.FreeSet(segment).Add(segment);
    }

    private MemoryBlock AllocatePrivateLocked(PrivatePool pool, ulong size)
    {
        bool small = size <= SmallRequestBytes;
        var set = small ? pool.Small : pool.Large;
        var block = BestFit(set, size, pool.Stream);
        if (block is null)
        {
            if (!TryClaim(pool, small, small ? SmallSegmentBytes : size))
            {
                throw new CudaGraphCaptureException($"Allocating {size} bytes on {Device}",
                    "the graph's memory pool has no free block that large, and a new segment needs cuMemAlloc, which a capture cannot "
                    + "record. Reserve memory for the graph (new CudaGraph(device, reserveBytes: ...)), or run the captured code once "
                    + "before capturing and dispose its tensors, so that the device's cache holds the memory (as torch.cuda.graph's warm-up).");
            }
            block = BestFit(set, size, pool.Stream)!;
        }
        set.Remove(block);
        Split(block, size, set);
        MarkAllocated(block);
        return block;
    }
}

namespace CudaTensor.Memory;

/// <summary>
/// Host memory for CPU tensors: a 64-byte-aligned native block from <see cref="CpuBufferPool"/> (full-width vector
/// loads; the address never moves). The block is released exactly once: by the last <see cref="Storage.Release"/>
/// (disposal; the block goes straight back to the pool and finalization is suppressed) or, when every tensor viewing
/// the storage was forgotten, by the finalizer (the block goes onto the pool's pending queue). Both paths take the
/// address with one atomic exchange, so a disposal racing with finalization cannot free the block twice. A small
/// disposed storage is kept whole by the pool and revived for the next tensor of its size (see <see cref="CpuBufferPool"/>).
/// </summary>
internal sealed unsafe class CpuStorage : Storage
{
    private nint _address;
    private readonly int _bucket;

    private CpuStorage(nint address, int bucket, long byteLength) : base(Device.Cpu, byteLength)
    {
        _address = address;
        _bucket = bucket;
    }

    /// <summary>Gives the block back if no tensor disposed the storage (every view was forgotten).</summary>
    ~CpuStorage() => ReleaseAsFinalizer();

    /// <summary>Allocates <paramref name="byteLength"/> bytes, uninitialised unless <paramref name="zero"/>.</summary>
    /// <exception cref="InsufficientMemoryException">The system has no memory for the block.</exception>
    public static CpuStorage Allocate(long byteLength, bool zero)
    {
        int bucket = CpuBufferPool.BucketOf(byteLength);
        var storage = CpuBufferPool.RentCached(bucket, out nint block);
        if (storage is not null)
        {
            storage.Revive(byteLength);
            Volatile.Write(ref storage._address, block);
        }
        else
        {
            storage = new CpuStorage(CpuBufferPool.Rent(bucket), bucket, byteLength);
        }
        if (zero) Clear((byte*)storage._address, byteLength);
        return storage;
    }

    private static void Clear(byte* p, long bytes)
    {
        for (long done = 0; done < bytes; done += int.MaxValue)
            new Span<byte>(p + done, (int)Math.Min(int.MaxValue, bytes - done)).Clear();
    }

    /// <summary>Address of byte 0; stable for the storage's lifetime.</summary>
    public byte* Pointer
    {
        get
        {
            nint address = Volatile.Read(ref _address);
            if (address == 0 || IsReleased) throw new ObjectDisposedException(nameof(CpuStorage), "The tensor's storage was released (the tensor was disposed).");
            return (byte*)address;
        }
    }

    /// <summary>The finalizer's path, callable directly so tests can race it with disposal.</summary>
    internal void ReleaseAsFinalizer()
    {
        nint address = Interlocked.Exchange(ref _address, 0);
        if (address != 0) CpuBufferPool.ReturnFromFinalizer(address, _bucket);
    }

    protected override void Free()
    {
        nint address = Interlocked.Exchange(ref _address, 0);
        if (address == 0) return;
        // A small storage waits in the thread's cache, with its block, for the next tensor of its size (it stays
        // registered for finalization, which finds no block while it is cached).
        if (CpuBufferPool.TryCache(this, address, _bucket)) return;
#pragma warning disable CA1816 // Free is this storage's Dispose: the last reference went, the finalizer has nothing left to do
        GC.SuppressFinalize(this);
#pragma warning restore CA1816
        CpuBufferPool.Return(address, _bucket);
    }
}

namespace CudaTensor;

/// <summary>
/// A buffer of bytes on one device, shared by every tensor that views it. Reference-counted: each tensor
/// holds one reference and <see cref="Tensor.Dispose"/> drops it; the buffer goes back to its pool when the
/// last reference is gone. The version counter, shared by all views, counts in-place writes (autograd uses it
/// to detect that a saved tensor was modified).
/// </summary>
/// <remarks>
/// A storage object whose last reference is gone may be reused for a new tensor (the CPU pool keeps small ones with
/// their memory): do not keep a <see cref="Storage"/> beyond the tensors that view it.
/// </remarks>
public abstract class Storage
{
    private int _refCount = 1;
    private int _version;

    /// <summary>Creates a storage holding one reference for its creator.</summary>
    protected Storage(Device device, long byteLength)
    {
        Device = device;
        ByteLength = byteLength;
    }

    /// <summary>The device the bytes live on.</summary>
    public Device Device { get; }

    /// <summary>Size of the buffer in bytes.</summary>
    public long ByteLength { get; private set; }

    /// <summary>How many in-place writes the storage has seen.</summary>
    public int Version => Volatile.Read(ref _version);

    /// <summary>Whether the buffer has been released.</summary>
    public bool IsReleased => Volatile.Read(ref _refCount) <= 0;

    /// <summary>How many references are held (a graph compiler checks that a storage it shares is still shared).</summary>
    internal int RefCount => Volatile.Read(ref _refCount);

    internal void BumpVersion() => Interlocked.Increment(ref _version);

    /// <summary>Makes a released storage new again for its pool: one reference, version 0, <paramref name="byteLength"/> bytes.</summary>
    private protected void Revive(long byteLength)
    {
        ByteLength = byteLength;
        _version = 0;
        Volatile.Write(ref _refCount, 1);
    }

    internal void AddRef()
    {
        // Compare-and-swap rather than a blind increment: incrementing a released count (0) would make the
        // storage look alive again after its buffer went back to the pool.
        int count = Volatile.Read(ref _refCount);
        while (true)
        {
            if (count <= 0) throw new ObjectDisposedException(nameof(Storage), "The storage was already released.");
            int seen = Interlocked.CompareExchange(ref _refCount, count + 1, count);
            if (seen == count) return;
            count = seen;
        }
    }

    internal void Release()
    {
        int left = Interlocked.Decrement(ref _refCount);
        if (left == 0) Free();
    }

    /// <summary>Returns the buffer to its pool or to the device; called once, when the last reference goes.</summary>
    protected abstract void Free();
}

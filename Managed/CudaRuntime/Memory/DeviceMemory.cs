using System.Runtime.InteropServices;

namespace CudaTensor.CudaRuntime.Memory;

/// <summary>
/// A block of device memory from the <see cref="CachingAllocator"/>. <see cref="SafeHandle.Dispose()"/> returns
/// the block to the pool at once; when the owner forgets, the finalizer pushes the block onto the pool's
/// lock-free pending-free queue (the finalizer thread never takes the pool's lock nor calls the driver), and the
/// next allocation or <see cref="CachingAllocator.EmptyCache"/> drains it.
/// </summary>
internal sealed class DeviceMemory : SafeHandle
{
    private readonly CachingAllocator _pool;
    private readonly MemoryBlock _block;
    private int _disposing;

    internal DeviceMemory(CachingAllocator pool, MemoryBlock block) : base(IntPtr.Zero, ownsHandle: true)
    {
        _pool = pool;
        _block = block;
        Address = block.Address;
        Bytes = block.RequestedBytes;
        Stream = block.Stream;
        SetHandle((nint)block.Address);
    }

    /// <summary>The device address of byte 0.</summary>
    public ulong Address { get; }

    /// <summary>The size asked for (the block may be larger: sizes are rounded to 512 B).</summary>
    public ulong Bytes { get; }

    /// <summary>The stream the block was allocated on.</summary>
    public nint Stream { get; }

    /// <summary>The pool the block belongs to.</summary>
    public CachingAllocator Pool => _pool;

    /// <inheritdoc/>
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>
    /// Notes that work on <paramref name="stream"/> uses this block: when the block is freed, it is reused only
    /// after that work has completed (an event is recorded on the stream at free time).
    /// </summary>
    public void RecordStream(nint stream)
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        _pool.RecordStream(_block, stream);
    }

    /// <summary>Closes the handle as the finalizer would (the block goes onto the pending-free queue); for tests.</summary>
    internal void ReleaseAsFinalizer()
    {
        Dispose(disposing: false); // the later real finalizer finds the handle closed and does nothing
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        // Dispose(true) comes from user code; Dispose(false) from the finalizer. ReleaseHandle runs inside base.Dispose
        // (or later, on the thread that drops the last DangerousAddRef), and needs to know which path it is on.
        if (disposing) Volatile.Write(ref _disposing, 1);
        base.Dispose(disposing);
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        if (Volatile.Read(ref _disposing) == 1) _pool.Free(_block);
        else _pool.EnqueuePendingFree(_block);
        return true;
    }
}

using CudaTensor.CudaRuntime;
using CudaTensor.CudaRuntime.Memory;

namespace CudaTensor.Backends.Cuda;

/// <summary>
/// Device memory for CUDA tensors: a block of the device's caching pool, owned through a <see cref="DeviceMemory"/>
/// SafeHandle. Releasing the last reference returns the block to the pool at once; a storage that is never released
/// is finalized through the handle, whose block then reaches the pool's pending-free queue.
/// </summary>
internal sealed class CudaStorage : Storage
{
    private readonly DeviceMemory _memory;

    public CudaStorage(CudaDeviceContext device, DeviceMemory memory, long byteLength) : base(device.Device, byteLength)
    {
        DeviceContext = device;
        _memory = memory;
    }

    public CudaDeviceContext DeviceContext { get; }

    /// <summary>Device address of byte 0.</summary>
    public ulong Address
    {
        get
        {
            if (IsReleased) throw new ObjectDisposedException(nameof(CudaStorage), "The tensor's storage was released (the tensor was disposed).");
            return _memory.Address;
        }
    }

    /// <summary>Notes that queued work on <paramref name="stream"/> reads or writes this memory (no-op on the owning stream).</summary>
    public void UseOn(nint stream)
    {
        if (stream != _memory.Stream) _memory.RecordStream(stream);
    }

    protected override void Free() => _memory.Dispose();
}

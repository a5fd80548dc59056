namespace CudaTensor.Native;

/// <summary>
/// Device memory from cuMemAlloc_v2, freed with cuMemFree_v2 on <see cref="Dispose"/>. For tests, tools and
/// one-off buffers; tensors get their memory from the caching pool instead. Disposing needs the owning
/// context current; a finalizer does not free (it would block on the driver), so always dispose.
/// </summary>
public sealed class DeviceBuffer : IDisposable
{
    private ulong pointer;

    /// <summary>Allocates <paramref name="bytes"/> bytes on the current context's device.</summary>
    /// <param name="bytes">Size in bytes (greater than zero).</param>
    /// <exception cref="CudaException">The allocation failed (e.g. CUDA_ERROR_OUT_OF_MEMORY).</exception>
    public DeviceBuffer(ulong bytes)
    {
        ArgumentOutOfRangeException.ThrowIfZero(bytes);
        pointer = Driver.Allocate(bytes);
        Bytes = bytes;
    }

    /// <summary>Size in bytes.</summary>
    public ulong Bytes { get; }

    /// <summary>The device pointer.</summary>
    public ulong Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(pointer == 0, this);
            return pointer;
        }
    }

    /// <summary>Frees the memory.</summary>
    public void Dispose()
    {
        ulong p = Interlocked.Exchange(ref pointer, 0);
        if (p != 0)
        {
            Driver.Free(p);
        }
    }
}

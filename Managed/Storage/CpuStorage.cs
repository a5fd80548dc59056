namespace CudaTensor;

/// <summary>
/// Host memory for CPU tensors. Buffers come from <see cref="CpuBufferPool"/>: they are allocated on the
/// pinned object heap, so the address never moves — the CUDA backend can copy from them asynchronously
/// (after registering the range with the driver) without pinning per copy — and are aligned to 64 bytes
/// for full-width vector loads.
/// </summary>
internal sealed unsafe class CpuStorage : Storage
{
    private CpuBufferPool.Buffer _buffer;

    private CpuStorage(CpuBufferPool.Buffer buffer, long byteLength) : base(Device.Cpu, byteLength)
    {
        _buffer = buffer;
    }

    /// <summary>Allocates <paramref name="byteLength"/> bytes, uninitialised unless <paramref name="zero"/>.</summary>
    public static CpuStorage Allocate(long byteLength, bool zero)
    {
        var buffer = CpuBufferPool.Rent(byteLength);
        if (zero) Clear(buffer.Pointer, byteLength);
        return new CpuStorage(buffer, byteLength);
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
            if (IsReleased) throw new ObjectDisposedException(nameof(CpuStorage), "The tensor's storage was released (the tensor was disposed).");
            return _buffer.Pointer;
        }
    }

    protected override void Free()
    {
        var b = _buffer;
        _buffer = default;
        CpuBufferPool.Return(b);
    }
}

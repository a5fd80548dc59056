using Microsoft.Win32.SafeHandles;

namespace CudaTensor.Native;

/// <summary>Owned page-locked host memory (cuMemAllocHost_v2 / cuMemFreeHost).</summary>
public sealed unsafe class PinnedHostBuffer : SafeHandleZeroOrMinusOneIsInvalid
{
    internal PinnedHostBuffer(IntPtr pointer, ulong bytes)
        : base(ownsHandle: true)
    {
        SetHandle(pointer);
        Bytes = bytes;
    }

    /// <summary>Size in bytes.</summary>
    public ulong Bytes { get; }

    /// <summary>The host address.</summary>
    public IntPtr Pointer => handle;

    /// <summary>The buffer as a span of <typeparamref name="T"/> (valid until disposed).</summary>
    /// <typeparam name="T">Element type.</typeparam>
    /// <returns>The span.</returns>
    public Span<T> AsSpan<T>()
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        return new Span<T>((void*)handle, checked((int)(Bytes / (ulong)sizeof(T))));
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Driver.FreeHost(handle) == CuResult.CUDA_SUCCESS;
}

using Microsoft.Win32.SafeHandles;

namespace CudaTensor.Native;

/// <summary>An owned CUDA stream (<c>CUstream</c>), destroyed with cuStreamDestroy_v2. Pending work still completes.</summary>
public sealed class StreamHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>An invalid handle (for marshalling).</summary>
    public StreamHandle()
        : base(ownsHandle: true)
    {
    }

    internal StreamHandle(IntPtr handle)
        : base(ownsHandle: true)
    {
        SetHandle(handle);
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Driver.DestroyStream(handle) == CuResult.CUDA_SUCCESS;
}

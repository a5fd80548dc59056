using Microsoft.Win32.SafeHandles;

namespace CudaTensor.Native;

/// <summary>An owned CUDA event (<c>CUevent</c>), destroyed with cuEventDestroy_v2.</summary>
public sealed class EventHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>An invalid handle (for marshalling).</summary>
    public EventHandle()
        : base(ownsHandle: true)
    {
    }

    internal EventHandle(IntPtr handle)
        : base(ownsHandle: true)
    {
        SetHandle(handle);
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Driver.DestroyEvent(handle) == CuResult.CUDA_SUCCESS;
}

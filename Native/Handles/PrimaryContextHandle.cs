using Microsoft.Win32.SafeHandles;

namespace CudaTensor.Native;

/// <summary>
/// A reference to a device's primary context, taken with cuDevicePrimaryCtxRetain and given back with
/// cuDevicePrimaryCtxRelease_v2. The context lives while any reference does.
/// </summary>
public sealed class PrimaryContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    internal PrimaryContextHandle(IntPtr context, int device)
        : base(ownsHandle: true)
    {
        SetHandle(context);
        Device = device;
    }

    /// <summary>The device (CUdevice) whose primary context this is.</summary>
    public int Device { get; }

    /// <summary>The CUcontext.</summary>
    public IntPtr Context => handle;

    /// <summary>Makes the context current on the calling thread (cuCtxSetCurrent).</summary>
    public void MakeCurrent()
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        Driver.SetCurrentContext(handle);
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Driver.ReleasePrimaryContext(Device) == CuResult.CUDA_SUCCESS;
}

using Microsoft.Win32.SafeHandles;

namespace CudaTensor.Native;

/// <summary>An owned NVRTC program (<c>nvrtcProgram</c>), destroyed with nvrtcDestroyProgram.</summary>
public sealed class NvrtcProgramHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>An invalid handle (for marshalling).</summary>
    public NvrtcProgramHandle()
        : base(ownsHandle: true)
    {
    }

    internal NvrtcProgramHandle(IntPtr handle)
        : base(ownsHandle: true)
    {
        SetHandle(handle);
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Nvrtc.DestroyNoThrow(handle) == NvrtcResult.NVRTC_SUCCESS;
}

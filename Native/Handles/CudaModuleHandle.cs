using Microsoft.Win32.SafeHandles;

namespace CudaTensor.Native;

/// <summary>An owned loaded module (<c>CUmodule</c>), unloaded with cuModuleUnload. Its context must still exist when it is released.</summary>
public sealed class CudaModuleHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>An invalid handle (for marshalling).</summary>
    public CudaModuleHandle()
        : base(ownsHandle: true)
    {
    }

    internal CudaModuleHandle(IntPtr handle)
        : base(ownsHandle: true)
    {
        SetHandle(handle);
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Driver.UnloadModule(handle) == CuResult.CUDA_SUCCESS;
}

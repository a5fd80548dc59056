using Microsoft.Win32.SafeHandles;

namespace CudaTensor.Native;

/// <summary>An owned cuBLASLt handle (<c>cublasLtHandle_t</c>), destroyed with cublasLtDestroy.</summary>
public sealed class CublasLtHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>An invalid handle (for marshalling).</summary>
    public CublasLtHandle()
        : base(ownsHandle: true)
    {
    }

    internal CublasLtHandle(IntPtr handle)
        : base(ownsHandle: true)
    {
        SetHandle(handle);
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => CublasLt.DestroyNoThrow(handle) == CublasStatus.CUBLAS_STATUS_SUCCESS;
}

using Microsoft.Win32.SafeHandles;

namespace CudaTensor.Native;

/// <summary>An owned cuBLAS handle (<c>cublasHandle_t</c>), destroyed with cublasDestroy_v2.</summary>
public sealed class CublasHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>An invalid handle (for marshalling).</summary>
    public CublasHandle()
        : base(ownsHandle: true)
    {
    }

    internal CublasHandle(IntPtr handle)
        : base(ownsHandle: true)
    {
        SetHandle(handle);
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Cublas.DestroyNoThrow(handle) == CublasStatus.CUBLAS_STATUS_SUCCESS;
}

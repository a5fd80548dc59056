using Microsoft.Win32.SafeHandles;

namespace CudaTensor.Native;

/// <summary>An owned cuBLASLt matrix layout (<c>cublasLtMatrixLayout_t</c>).</summary>
public sealed class CublasLtMatrixLayoutHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>An invalid handle (for marshalling).</summary>
    public CublasLtMatrixLayoutHandle()
        : base(ownsHandle: true)
    {
    }

    internal CublasLtMatrixLayoutHandle(IntPtr handle)
        : base(ownsHandle: true)
    {
        SetHandle(handle);
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => CublasLt.DestroyMatrixLayoutNoThrow(handle) == CublasStatus.CUBLAS_STATUS_SUCCESS;
}

using Microsoft.Win32.SafeHandles;

namespace CudaTensor.Native;

/// <summary>An owned cuBLASLt matmul descriptor (<c>cublasLtMatmulDesc_t</c>).</summary>
public sealed class CublasLtMatmulDescHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>An invalid handle (for marshalling).</summary>
    public CublasLtMatmulDescHandle()
        : base(ownsHandle: true)
    {
    }

    internal CublasLtMatmulDescHandle(IntPtr handle)
        : base(ownsHandle: true)
    {
        SetHandle(handle);
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => CublasLt.DestroyMatmulDescNoThrow(handle) == CublasStatus.CUBLAS_STATUS_SUCCESS;
}

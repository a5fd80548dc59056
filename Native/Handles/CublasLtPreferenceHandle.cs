using Microsoft.Win32.SafeHandles;

namespace CudaTensor.Native;

/// <summary>An owned cuBLASLt matmul preference (<c>cublasLtMatmulPreference_t</c>).</summary>
public sealed class CublasLtPreferenceHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>An invalid handle (for marshalling).</summary>
    public CublasLtPreferenceHandle()
        : base(ownsHandle: true)
    {
    }

    internal CublasLtPreferenceHandle(IntPtr handle)
        : base(ownsHandle: true)
    {
        SetHandle(handle);
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => CublasLt.DestroyPreferenceNoThrow(handle) == CublasStatus.CUBLAS_STATUS_SUCCESS;
}

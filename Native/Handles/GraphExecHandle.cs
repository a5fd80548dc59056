using Microsoft.Win32.SafeHandles;

namespace CudaTensor.Native;

/// <summary>An owned executable graph (<c>CUgraphExec</c>), destroyed with cuGraphExecDestroy.</summary>
public sealed class GraphExecHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>An invalid handle (for marshalling).</summary>
    public GraphExecHandle()
        : base(ownsHandle: true)
    {
    }

    internal GraphExecHandle(IntPtr handle)
        : base(ownsHandle: true)
    {
        SetHandle(handle);
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Driver.DestroyGraphExec(handle) == CuResult.CUDA_SUCCESS;
}

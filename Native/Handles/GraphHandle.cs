using Microsoft.Win32.SafeHandles;

namespace CudaTensor.Native;

/// <summary>An owned CUDA graph (<c>CUgraph</c>), destroyed with cuGraphDestroy.</summary>
public sealed class GraphHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>An invalid handle (for marshalling).</summary>
    public GraphHandle()
        : base(ownsHandle: true)
    {
    }

    internal GraphHandle(IntPtr handle)
        : base(ownsHandle: true)
    {
        SetHandle(handle);
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Driver.DestroyGraph(handle) == CuResult.CUDA_SUCCESS;
}

namespace CudaTensor.CudaRuntime.Memory;

/// <summary>
/// The memory of one CUDA graph (as PyTorch's graph-private pools): the segments it reserved before its capture
/// began or claimed from the device's cache during it. While the capture runs, every allocation on the capture stream
/// is served from here, and a block freed during the capture comes back here only; after the capture nothing else
/// allocates from it, so a replay never writes memory that another tensor was given. Released when the graph is
/// disposed: free segments go back to the driver at once, the others when their last tensor is freed.
/// </summary>
internal sealed class PrivatePool(nint stream, nint originStream)
{
    /// <summary>Free blocks of small segments.</summary>
    public SortedSet<MemoryBlock> Small { get; } = new(BlockComparer.Instance);

    /// <summary>Free blocks of large segments.</summary>
    public SortedSet<MemoryBlock> Large { get; } = new(BlockComparer.Instance);

    /// <summary>The stream the capture records (the blocks belong to it).</summary>
    public nint Stream { get; } = stream;

    /// <summary>The stream that was current when the capture began: cached segments of that stream may be claimed.</summary>
    public nint OriginStream { get; } = originStream;

    /// <summary>Bytes of the segments the pool owns.</summary>
    public long ReservedBytes { get; set; }

    /// <summary>True once the graph is gone: segments return to the driver as soon as they are wholly free.</summary>
    public bool Retired { get; set; }

    /// <summary>The free set a block of this pool goes to.</summary>
    public SortedSet<MemoryBlock> FreeSet(MemoryBlock block) => block.IsSmall ? Small : Large;
}

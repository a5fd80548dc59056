namespace CudaTensor.CudaRuntime.Memory;

/// <summary>
/// One piece of a segment: either handed out, waiting for events of other streams, or free in a pool.
/// Blocks of one segment form a doubly linked list in address order, so neighbours can be merged.
/// Mutable, and only touched under the owning <see cref="CachingAllocator"/>'s lock.
/// </summary>
internal sealed class MemoryBlock
{
    public ulong Address;
    public ulong Size;
    /// <summary>The stream the block was allocated for; it is reused only on that stream.</summary>
    public nint Stream;
    /// <summary>Whether the block lives in the small pool (segments of 2 MiB for requests of at most 1 MiB).</summary>
    public bool IsSmall;
    public BlockState State;
    public MemoryBlock? Previous;
    public MemoryBlock? Next;
    /// <summary>Other streams the block was used on (recorded with <see cref="CachingAllocator.RecordStream"/>).</summary>
    public List<nint>? OtherStreams;
    /// <summary>Events still to complete before the block can be reused.</summary>
    public int PendingEvents;
    /// <summary>What the caller asked for (before rounding).</summary>
    public ulong RequestedBytes;

    /// <summary>The graph pool the block's segment belongs to, or null for the device's shared pool.</summary>
    public PrivatePool? Private;

    /// <summary>True when the block is the whole of its segment.</summary>
    public bool IsWholeSegment => Previous is null && Next is null;

    public override string ToString() => $"block 0x{Address:x} {Size} B {State} stream 0x{Stream:x}";
}

internal enum BlockState
{
    Free,
    Allocated,
    /// <summary>Freed by its owner, but used on other streams whose events have not completed yet.</summary>
    AwaitingEvents,
}

/// <summary>Orders free blocks by (stream, size, address): the first block at or after (stream, size, 0) is the best fit.</summary>
internal sealed class BlockComparer : IComparer<MemoryBlock>
{
    public static BlockComparer Instance { get; } = new();

    public int Compare(MemoryBlock? x, MemoryBlock? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        int c = x.Stream.CompareTo(y.Stream);
        if (c != 0) return c;
        c = x.Size.CompareTo(y.Size);
        return c != 0 ? c : x.Address.CompareTo(y.Address);
    }
}

namespace CudaTensor.VirtualDevice.Ptx;

/// <summary>One decoded <c>.entry</c>.</summary>
internal sealed class PtxKernel
{
    /// <summary>Creates a kernel description (the decoder fills in the body).</summary>
    /// <param name="name">Entry name.</param>
    /// <param name="parameters">Parameters in declaration order.</param>
    /// <param name="parameterBytes">Size of the whole parameter buffer.</param>
    /// <param name="staticSharedBytes">Bytes of <c>.shared</c> variables the kernel (and the functions it calls) declare.</param>
    /// <param name="maxThreadsPerBlock">From <c>.maxntid</c>, or null.</param>
    public PtxKernel(string name, IReadOnlyList<PtxParameter> parameters, int parameterBytes, int staticSharedBytes, int? maxThreadsPerBlock)
    {
        Name = name;
        Parameters = parameters;
        ParameterBytes = parameterBytes;
        StaticSharedBytes = staticSharedBytes;
        MaxThreadsPerBlock = maxThreadsPerBlock;
    }

    /// <summary>Entry name.</summary>
    public string Name { get; }

    /// <summary>Parameters in declaration order.</summary>
    public IReadOnlyList<PtxParameter> Parameters { get; }

    /// <summary>Size of the parameter buffer.</summary>
    public int ParameterBytes { get; }

    /// <summary>Static shared memory per block, bytes.</summary>
    public int StaticSharedBytes { get; }

    /// <summary>The <c>.maxntid</c> product, or null when the PTX sets none.</summary>
    public int? MaxThreadsPerBlock { get; }

    /// <summary>The decoded body the executor runs (set by the decoder right after construction).</summary>
    internal PtxCode Code { get; set; } = null!;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(Dim3 Block, int DynamicShared), System.Collections.Concurrent.ConcurrentBag<PtxBlock>> _blocks = new();

    /// <summary>A block runner for this shape from the pool (or a new one): launches of small kernels reuse warps and memory.</summary>
    internal PtxBlock RentBlock(Dim3 block, int dynamicShared)
        => _blocks.TryGetValue((block, dynamicShared), out var bag) && bag.TryTake(out PtxBlock? b) ? b : new PtxBlock(this, block, dynamicShared);

    /// <summary>Returns a runner to the pool (at most a few per shape are kept).</summary>
    internal void ReturnBlock(PtxBlock block)
    {
        var bag = _blocks.GetOrAdd((block.BlockDim, block.DynamicSharedBytes), static _ => []);
        if (bag.Count < 16) bag.Add(block);
    }
}

/// <summary>
/// A kernel's decoded body: the instructions with called functions inlined, the register file's shape, the
/// constants preloaded into read-only registers and the per-thread local frame.
/// </summary>
internal sealed class PtxCode
{
    public required PtxInstruction[] Instructions { get; init; }

    /// <summary>Value registers per thread (constants included); the warp's file holds 32 lanes of each.</summary>
    public required int ValueRegisters { get; init; }

    public required int PredicateRegisters { get; init; }

    /// <summary>(register * 32, bits) preloaded into every lane before the first block runs.</summary>
    public required (int Register, ulong Bits)[] Constants { get; init; }

    /// <summary>(register * 32, index into the launch's global addresses, byte offset) preloaded at launch.</summary>
    public required (int Register, int Global, long Offset)[] GlobalAddresses { get; init; }

    /// <summary>Bytes of local memory per thread (depots of the kernel and of inlined functions, call frames).</summary>
    public required int LocalBytes { get; init; }

    /// <summary>"line N: text" of each instruction's source, for fault messages.</summary>
    public required string[] Sources { get; init; }
}

using System.Numerics;
using System.Runtime.CompilerServices;

namespace CudaTensor.VirtualDevice.Ptx;

/// <summary>
/// One warp's state: its register file (32 lanes of each register), predicate bitmasks, per-lane program counters and
/// the lanes that exited or wait at a barrier; plus the address translation every memory instruction goes through.
/// </summary>
internal sealed unsafe class PtxWarp
{
    public const uint Full = uint.MaxValue;

    public PtxWarp(PtxBlock block, int index, PtxCode code)
    {
        Block = block;
        Index = index;
        R = new ulong[code.ValueRegisters * 32];
        P = new uint[Math.Max(1, code.PredicateRegisters)];
        foreach (var (reg, bits) in code.Constants) R.AsSpan(reg, 32).Fill(bits);
    }

    public PtxBlock Block { get; }

    /// <summary>Warp index in the block (%warpid as the executor numbers warps).</summary>
    public int Index { get; }

    /// <summary>Value registers: [register * 32 + lane].</summary>
    public ulong[] R { get; }

    /// <summary>Predicate registers: bit <c>lane</c> of P[p].</summary>
    public uint[] P { get; }

    /// <summary>Program counter of each lane not in the running group.</summary>
    public int[] Pc { get; } = new int[32];

    /// <summary>Barrier id each waiting lane waits at, and the instruction where it waits.</summary>
    public int[] BarrierId { get; } = new int[32];

    public int[] BarrierSource { get; } = new int[32];

    /// <summary>The thread count of <c>bar.sync id, count</c> each waiting lane gave, or 0 for the whole block.</summary>
    public int[] BarrierCount { get; } = new int[32];

    /// <summary>Lanes that exist and have not exited.</summary>
    public uint Live;

    /// <summary>Lanes that exist in the block (a partial last warp has fewer).</summary>
    public uint Exists;

    /// <summary>Lanes parked at a barrier.</summary>
    public uint Waiting;

    /// <summary>Lanes parked at a warp-synchronous instruction until the rest of its member mask arrives.</summary>
    public uint Parked;

    /// <summary>Linear thread index of lane 0.</summary>
    public int FirstThread;

    /// <summary>This warp's local memory: lane l's frame at Local + l * LocalStride.</summary>
    public byte* Local;

    public int LocalStride;

    /// <summary>The instruction now executing (for fault messages).</summary>
    public int Current;

    private MemoryRegion _region;

    public uint Runnable => Live & ~Waiting;

    /// <summary>Drops the cached allocation (a new launch may see different memory).</summary>
    public void ForgetRegion() => _region = default;

    /// <summary>Each lane's thread index in the block, per dimension (computed once per block for %tid).</summary>
    public uint[] TidX { get; } = new uint[32];

    public uint[] TidY { get; } = new uint[32];

    public uint[] TidZ { get; } = new uint[32];

    /// <summary>Resets the warp for a new block.</summary>
    public void Start(int firstThread, int threads)
    {
        FirstThread = firstThread;
        for (int l = 0; l < 32; l++)
        {
            var (x, y, z) = Block.ThreadXyz(firstThread + l);
            TidX[l] = x;
            TidY[l] = y;
            TidZ[l] = z;
        }
        Exists = threads >= 32 ? Full : (1u << threads) - 1;
        Live = Exists;
        Waiting = 0;
        Parked = 0;
        Array.Clear(Pc);
    }

    /// <summary>Host address of <paramref name="bytes"/> bytes at a global device address, checked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Global(ulong address, int bytes, bool write, int lane)
    {
        if ((address & (ulong)(bytes - 1)) != 0) throw Misaligned(address, bytes, lane);
        if (address - _region.Start + (ulong)bytes <= _region.Length && address >= _region.Start) return _region.Host + (address - _region.Start);
        return GlobalSlow(address, bytes, write, lane);
    }

    private byte* GlobalSlow(ulong address, int bytes, bool write, int lane)
    {
        IGlobalMemory memory = Block.Memory;
        MemoryRegion region;
        try
        {
            region = memory.Resolve(address);
        }
        catch (DeviceFaultException e)
        {
            throw Fault(e.Error, $"{(write ? "write" : "read")} of {bytes} bytes at 0x{address:X}", lane, e);
        }
        if (!region.Contains(address, (ulong)bytes))
        {
            DeviceFaultException e = memory.OutOfBounds(address, (ulong)bytes, write);
            throw Fault(e.Error, $"{(write ? "write" : "read")} of {bytes} bytes at 0x{address:X}", lane, e);
        }
        _region = region;
        return region.Host + (address - region.Start);
    }

    /// <summary>Host address of a shared-space access, checked against the block's shared memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Shared(ulong address, int bytes, bool write, int lane)
    {
        ulong offset = address - PtxWindows.SharedBase;
        if (offset + (ulong)bytes > (ulong)Block.SharedBytes || offset >= PtxWindows.WindowBytes) throw OutOfWindow("shared", address, bytes, write, lane, Block.SharedBytes);
        if ((address & (ulong)(bytes - 1)) != 0) throw Misaligned(address, bytes, lane);
        return Block.SharedMemory + offset;
    }

    /// <summary>Host address of a local-space access of <paramref name="lane"/>'s own frame, checked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* LocalAt(ulong address, int bytes, bool write, int lane)
    {
        ulong offset = address - PtxWindows.LocalBase;
        if (offset + (ulong)bytes > (ulong)LocalStride || offset >= PtxWindows.WindowBytes) throw OutOfWindow("local", address, bytes, write, lane, LocalStride);
        if ((address & (ulong)(bytes - 1)) != 0) throw Misaligned(address, bytes, lane);
        return Local + lane * LocalStride + (long)offset;
    }

    /// <summary>Host address of a read of the kernel's parameter buffer.</summary>
    public byte* Param(ulong address, int bytes, bool write, int lane)
    {
        ulong offset = address - PtxWindows.ParamBase;
        if (write || offset + (ulong)bytes > (ulong)Block.ParameterBytes || offset >= PtxWindows.WindowBytes) throw OutOfWindow("param", address, bytes, write, lane, Block.ParameterBytes);
        return Block.Parameters + offset;
    }

    /// <summary>Generic addressing: global at or above 2^40, else the shared, local or param window.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Generic(ulong address, int bytes, bool write, int lane)
    {
        if (address >= IGlobalMemory.LowestAddress) return Global(address, bytes, write, lane);
        return (address & ~(PtxWindows.WindowBytes - 1)) switch
        {
            PtxWindows.SharedBase => Shared(address, bytes, write, lane),
            PtxWindows.LocalBase => LocalAt(address, bytes, write, lane),
            PtxWindows.ParamBase => Param(address, bytes, write, lane),
            _ => throw Fault(CudaErrorCode.IllegalAddress, $"{(write ? "write" : "read")} of {bytes} bytes at generic address 0x{address:X}, which is in no state space (global starts at 0x{IGlobalMemory.LowestAddress:X}; shared 0x{PtxWindows.SharedBase:X}, local 0x{PtxWindows.LocalBase:X}, param 0x{PtxWindows.ParamBase:X})", lane),
        };
    }

    private DeviceFaultException OutOfWindow(string space, ulong address, int bytes, bool write, int lane, int limit)
        => Fault(CudaErrorCode.IllegalAddress, $"{(write ? "write" : "read")} of {bytes} bytes at {space} address 0x{address:X} (offset {(long)(address - (space == "shared" ? PtxWindows.SharedBase : space == "local" ? PtxWindows.LocalBase : PtxWindows.ParamBase))}) outside the {limit} bytes of {space} memory", lane);

    private DeviceFaultException Misaligned(ulong address, int bytes, int lane)
        => Fault(CudaErrorCode.MisalignedAddress, $"misaligned access of {bytes} bytes at 0x{address:X} (the address must be a multiple of {bytes})", lane);

    /// <summary>A fault naming the kernel, block, thread, instruction and what happened.</summary>
    public DeviceFaultException Fault(CudaErrorCode error, string what, int lane, Exception? inner = null)
    {
        string message = $"{Block.Describe(FirstThread + lane)}: {what}; at {Block.Kernel.Code.Sources[Block.Kernel.Code.Instructions[Current].Source]}"
            + (inner is null ? "" : $": {inner.Message}");
        return inner is null ? new DeviceFaultException(error, message) : new DeviceFaultException(error, message, inner);
    }

    /// <summary>The lowest lane of a mask.</summary>
    public static int FirstLane(uint mask) => BitOperations.TrailingZeroCount(mask);
}

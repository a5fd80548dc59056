using System.Runtime.InteropServices;

namespace CudaTensor.VirtualDevice.Ptx;

/// <summary>What an instruction does to the warp's control flow; most do nothing to it.</summary>
internal enum PtxFlow : byte
{
    None,
    Branch,
    Exit,
    Barrier,
    Trap,
}

/// <summary>Rounding modes of float results (<c>.rn .rz .rm .rp</c>) and of float-to-integer conversions (<c>.rni</c>...).</summary>
internal enum PtxRounding : byte
{
    Rn,
    Rz,
    Rm,
    Rp,
}

/// <summary>
/// One decoded instruction. Operands are register indices already multiplied by 32 (value registers are stored
/// [register * 32 + lane]); immediates were turned into read-only constant registers at decode, so every operand is
/// a register and the lane loops have no operand-kind branches. Predicate operands index <see cref="PtxWarp.P"/>.
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal unsafe struct PtxInstruction
{
    /// <summary>The handler, called with the lanes that execute it (guard applied); null for control flow.</summary>
    public delegate*<PtxWarp, ref PtxInstruction, uint, void> Execute;

    public PtxFlow Flow;

    /// <summary>Guard predicate register, or -1.</summary>
    public int Guard;

    public bool GuardNegated;

    /// <summary>Destinations (D, and D2..D4 for vectors and pairs) and sources (A, B, C, M).</summary>
    public int D, D2, D3, D4, A, B, C, M;

    /// <summary>Address offset of a memory operand.</summary>
    public long Offset;

    /// <summary>Branch target (code index).</summary>
    public int Target;

    public PtxType Type;

    /// <summary>The second type of two-type instructions (cvt's source, mul.wide's source...).</summary>
    public PtxType Type2;

    /// <summary>Bytes per element of a memory access.</summary>
    public byte Size;

    /// <summary>Elements of a vector access (1, 2, 4).</summary>
    public byte Count;

    public PtxRounding Rounding;

    /// <summary>Instruction-specific selector (compare op, atomic op, shuffle mode, special register, flags).</summary>
    public int Aux;

    public bool Ftz;

    public bool Saturate;

    /// <summary>A warp-synchronous instruction (member mask in M): the scheduler gathers its members before running it.</summary>
    public bool WarpSync;

    /// <summary>Index into <see cref="PtxCode.Sources"/> for fault messages.</summary>
    public int Source;
}

/// <summary>Where the executor places the state spaces in the generic address space (all below 2^32, so below
/// every global address, and away from 0 so a null pointer faults).</summary>
internal static class PtxWindows
{
    /// <summary>Shared memory: shared-space addresses equal generic ones, so cvta to and from shared is the identity.</summary>
    public const ulong SharedBase = 0x1000_0000;

    /// <summary>Local memory (per thread; the same address names each thread's own copy).</summary>
    public const ulong LocalBase = 0x2000_0000;

    /// <summary>The kernel parameter buffer (read-only).</summary>
    public const ulong ParamBase = 0x3000_0000;

    /// <summary>Each window's size limit: 256 MiB.</summary>
    public const ulong WindowBytes = 0x1000_0000;
}

using System.Numerics;
using System.Runtime.CompilerServices;

namespace CudaTensor.VirtualDevice.Ptx.Exec;

/// <summary>A state space's address translation (checked; faults name the kernel, block, thread and address).</summary>
internal unsafe interface ISpace
{
    static abstract byte* At(PtxWarp w, ulong address, int bytes, bool write, int lane);
}

internal unsafe struct GlobalSpace : ISpace
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* At(PtxWarp w, ulong address, int bytes, bool write, int lane) => w.Global(address, bytes, write, lane);
}

internal unsafe struct SharedSpace : ISpace
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* At(PtxWarp w, ulong address, int bytes, bool write, int lane) => w.Shared(address, bytes, write, lane);
}

internal unsafe struct LocalSpace : ISpace
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* At(PtxWarp w, ulong address, int bytes, bool write, int lane) => w.LocalAt(address, bytes, write, lane);
}

internal unsafe struct ParamSpace : ISpace
{
    public static byte* At(PtxWarp w, ulong address, int bytes, bool write, int lane) => w.Param(address, bytes, write, lane);
}

internal unsafe struct GenericSpace : ISpace
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* At(PtxWarp w, ulong address, int bytes, bool write, int lane) => w.Generic(address, bytes, write, lane);
}

/// <summary>
/// ld and st, scalar and vector (.v2/.v4: one access of Size * Count bytes, aligned to it). A holds the address
/// register, Offset the constant offset, D..D4 the data registers. Loads of signed types narrower than 8 bytes
/// sign-extend (Aux = 1).
/// </summary>
internal static unsafe class PtxMemory
{
    public static void Load<TS>(PtxWarp w, ref PtxInstruction ins, uint mask) where TS : ISpace
    {
        int size = ins.Size, count = ins.Count;
        bool signed = ins.Aux == 1;
        ulong[] r = w.R;
        for (uint m = mask; m != 0; m &= m - 1)
        {
            int l = BitOperations.TrailingZeroCount(m);
            ulong address = r[ins.A + l] + (ulong)ins.Offset;
            byte* p = TS.At(w, address, size * count, false, l);
            r[ins.D + l] = Read(p, size, signed);
            if (count > 1)
            {
                r[ins.D2 + l] = Read(p + size, size, signed);
                if (count > 2)
                {
                    r[ins.D3 + l] = Read(p + 2 * size, size, signed);
                    r[ins.D4 + l] = Read(p + 3 * size, size, signed);
                }
            }
        }
    }

    public static void Store<TS>(PtxWarp w, ref PtxInstruction ins, uint mask) where TS : ISpace
    {
        int size = ins.Size, count = ins.Count;
        ulong[] r = w.R;
        for (uint m = mask; m != 0; m &= m - 1)
        {
            int l = BitOperations.TrailingZeroCount(m);
            ulong address = r[ins.A + l] + (ulong)ins.Offset;
            byte* p = TS.At(w, address, size * count, true, l);
            Write(p, size, r[ins.D + l]);
            if (count > 1)
            {
                Write(p + size, size, r[ins.D2 + l]);
                if (count > 2)
                {
                    Write(p + 2 * size, size, r[ins.D3 + l]);
                    Write(p + 3 * size, size, r[ins.D4 + l]);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Read(byte* p, int size, bool signed) => size switch
    {
        1 => signed ? (ulong)(long)*(sbyte*)p : *p,
        2 => signed ? (ulong)(long)Unsafe.ReadUnaligned<short>(p) : Unsafe.ReadUnaligned<ushort>(p),
        4 => signed ? (ulong)(long)Unsafe.ReadUnaligned<int>(p) : Unsafe.ReadUnaligned<uint>(p),
        _ => Unsafe.ReadUnaligned<ulong>(p),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Write(byte* p, int size, ulong v)
    {
        switch (size)
        {
            case 1: *p = (byte)v; break;
            case 2: Unsafe.WriteUnaligned(p, (ushort)v); break;
            case 4: Unsafe.WriteUnaligned(p, (uint)v); break;
            default: Unsafe.WriteUnaligned(p, v); break;
        }
    }

    public static delegate*<PtxWarp, ref PtxInstruction, uint, void> LoadFor(string space) => space switch
    {
        "global" or "const" => &Load<GlobalSpace>,
        "shared" => &Load<SharedSpace>,
        "local" => &Load<LocalSpace>,
        "param" => &Load<ParamSpace>,
        _ => &Load<GenericSpace>,
    };

    public static delegate*<PtxWarp, ref PtxInstruction, uint, void> StoreFor(string space) => space switch
    {
        "global" => &Store<GlobalSpace>,
        "shared" => &Store<SharedSpace>,
        "local" => &Store<LocalSpace>,
        _ => &Store<GenericSpace>,
    };
}

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
    /// <summary>How a scalar of one width is read into a register slot (zero- or sign-extended) and written back.</summary>
    public interface IWidth
    {
        static abstract int Bytes { get; }

        static abstract ulong Read(byte* p);

        static abstract void Write(byte* p, ulong v);
    }

    public struct W8 : IWidth { public static int Bytes => 1; public static ulong Read(byte* p) => *p; public static void Write(byte* p, ulong v) => *p = (byte)v; }
    public struct W8S : IWidth { public static int Bytes => 1; public static ulong Read(byte* p) => (ulong)(long)*(sbyte*)p; public static void Write(byte* p, ulong v) => *p = (byte)v; }
    public struct W16 : IWidth { public static int Bytes => 2; public static ulong Read(byte* p) => *(ushort*)p; public static void Write(byte* p, ulong v) => *(ushort*)p = (ushort)v; }
    public struct W16S : IWidth { public static int Bytes => 2; public static ulong Read(byte* p) => (ulong)(long)*(short*)p; public static void Write(byte* p, ulong v) => *(ushort*)p = (ushort)v; }
    public struct W32 : IWidth { public static int Bytes => 4; public static ulong Read(byte* p) => *(uint*)p; public static void Write(byte* p, ulong v) => *(uint*)p = (uint)v; }
    public struct W32S : IWidth { public static int Bytes => 4; public static ulong Read(byte* p) => (ulong)(long)*(int*)p; public static void Write(byte* p, ulong v) => *(uint*)p = (uint)v; }
    public struct W64 : IWidth { public static int Bytes => 8; public static ulong Read(byte* p) => *(ulong*)p; public static void Write(byte* p, ulong v) => *(ulong*)p = v; }

    /// <summary>A scalar load: the common case, with the width known to the JIT.</summary>
    public static void LoadScalar<TS, TW>(PtxWarp w, ref PtxInstruction ins, uint mask) where TS : ISpace where TW : IWidth
    {
        ref ulong d = ref PtxLanes.Reg(w, ins.D);
        ref ulong a = ref PtxLanes.Reg(w, ins.A);
        ulong offset = (ulong)ins.Offset;
        for (uint m = mask; m != 0; m &= m - 1)
        {
            int l = BitOperations.TrailingZeroCount(m);
            Unsafe.Add(ref d, l) = TW.Read(TS.At(w, Unsafe.Add(ref a, l) + offset, TW.Bytes, false, l));
        }
    }

    /// <summary>A scalar store with the width known to the JIT.</summary>
    public static void StoreScalar<TS, TW>(PtxWarp w, ref PtxInstruction ins, uint mask) where TS : ISpace where TW : IWidth
    {
        ref ulong d = ref PtxLanes.Reg(w, ins.D);
        ref ulong a = ref PtxLanes.Reg(w, ins.A);
        ulong offset = (ulong)ins.Offset;
        for (uint m = mask; m != 0; m &= m - 1)
        {
            int l = BitOperations.TrailingZeroCount(m);
            TW.Write(TS.At(w, Unsafe.Add(ref a, l) + offset, TW.Bytes, true, l), Unsafe.Add(ref d, l));
        }
    }

    private static delegate*<PtxWarp, ref PtxInstruction, uint, void> Scalar<TS>(int size, bool signed, bool store) where TS : ISpace => (size, signed, store) switch
    {
        (1, false, false) => &LoadScalar<TS, W8>,
        (1, true, false) => &LoadScalar<TS, W8S>,
        (2, false, false) => &LoadScalar<TS, W16>,
        (2, true, false) => &LoadScalar<TS, W16S>,
        (4, false, false) => &LoadScalar<TS, W32>,
        (4, true, false) => &LoadScalar<TS, W32S>,
        (8, _, false) => &LoadScalar<TS, W64>,
        (1, _, true) => &StoreScalar<TS, W8>,
        (2, _, true) => &StoreScalar<TS, W16>,
        (4, _, true) => &StoreScalar<TS, W32>,
        _ => &StoreScalar<TS, W64>,
    };

    /// <summary>The scalar handler for a space, width and signedness.</summary>
    public static delegate*<PtxWarp, ref PtxInstruction, uint, void> ScalarFor(string space, int size, bool signed, bool store) => space switch
    {
        "global" or "const" => Scalar<GlobalSpace>(size, signed, store),
        "shared" => Scalar<SharedSpace>(size, signed, store),
        "local" => Scalar<LocalSpace>(size, signed, store),
        "param" when !store => Scalar<ParamSpace>(size, signed, store),
        _ => Scalar<GenericSpace>(size, signed, store),
    };

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

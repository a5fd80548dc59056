using System.Numerics;
using System.Runtime.CompilerServices;

namespace CudaTensor.VirtualDevice.Ptx.Exec;

/// <summary>Atomic operations (Aux) of atom and red.</summary>
internal enum PtxAtomicOp
{
    Add, Min, Max, Exch, Cas, And, Or, Xor, Inc, Dec,
}

/// <summary>
/// atom and red on global, shared and generic addresses. Every access is a real host atomic (Interlocked on the
/// host bytes; compare-and-swap loops for float add, min, max, inc, dec), because blocks run on several host
/// threads at once; lanes apply their operations one after another. atom.add.f32 flushes subnormals as the ISA says.
/// D receives the old value (a sink register for red), B the operand, C the new value of cas.
/// </summary>
internal static unsafe class PtxAtomic
{
    public static void Atom<TS>(PtxWarp w, ref PtxInstruction ins, uint mask) where TS : ISpace
    {
        ulong[] r = w.R;
        int size = ins.Size;
        for (uint m = mask; m != 0; m &= m - 1)
        {
            int l = BitOperations.TrailingZeroCount(m);
            ulong address = r[ins.A + l] + (ulong)ins.Offset;
            byte* p = TS.At(w, address, size, true, l);
            ulong old = size == 4
                ? Apply32((uint*)p, (PtxAtomicOp)ins.Aux, ins.Type, (uint)r[ins.B + l], (uint)r[ins.C + l])
                : Apply64((ulong*)p, (PtxAtomicOp)ins.Aux, ins.Type, r[ins.B + l], r[ins.C + l]);
            r[ins.D + l] = PtxConvert.Fit(ins.Type, old);
        }
    }

    private static uint Apply32(uint* p, PtxAtomicOp op, PtxType type, uint b, uint c)
    {
        ref int cell = ref Unsafe.AsRef<int>(p);
        ref uint ucell = ref Unsafe.AsRef<uint>(p);
        switch (op)
        {
            case PtxAtomicOp.Add when type != PtxType.F32: return (uint)(Interlocked.Add(ref cell, (int)b) - (int)b);
            case PtxAtomicOp.Exch: return Interlocked.Exchange(ref ucell, b);
            case PtxAtomicOp.Cas: return Interlocked.CompareExchange(ref ucell, c, b);
            case PtxAtomicOp.And: return Interlocked.And(ref ucell, b);
            case PtxAtomicOp.Or: return Interlocked.Or(ref ucell, b);
        }
        while (true)
        {
            uint old = Volatile.Read(ref ucell);
            uint value = op switch
            {
                PtxAtomicOp.Add => F32Bits(Ftz(Ftz(F32(old)) + Ftz(F32(b)))),
                PtxAtomicOp.Min => type switch
                {
                    PtxType.S32 => (uint)Math.Min((int)old, (int)b),
                    PtxType.F32 => F32Bits(float.MinNumber(F32(old), F32(b))),
                    _ => Math.Min(old, b),
                },
                PtxAtomicOp.Max => type switch
                {
                    PtxType.S32 => (uint)Math.Max((int)old, (int)b),
                    PtxType.F32 => F32Bits(float.MaxNumber(F32(old), F32(b))),
                    _ => Math.Max(old, b),
                },
                PtxAtomicOp.Xor => old ^ b,
                PtxAtomicOp.Inc => old >= b ? 0 : old + 1,
                _ => old == 0 || old > b ? b : old - 1,
            };
            if (Interlocked.CompareExchange(ref ucell, value, old) == old) return old;
        }
    }

    private static ulong Apply64(ulong* p, PtxAtomicOp op, PtxType type, ulong b, ulong c)
    {
        ref long cell = ref Unsafe.AsRef<long>(p);
        ref ulong ucell = ref Unsafe.AsRef<ulong>(p);
        switch (op)
        {
            case PtxAtomicOp.Add when type != PtxType.F64: return (ulong)(Interlocked.Add(ref cell, (long)b) - (long)b);
            case PtxAtomicOp.Exch: return Interlocked.Exchange(ref ucell, b);
            case PtxAtomicOp.Cas: return Interlocked.CompareExchange(ref ucell, c, b);
            case PtxAtomicOp.And: return Interlocked.And(ref ucell, b);
            case PtxAtomicOp.Or: return Interlocked.Or(ref ucell, b);
        }
        while (true)
        {
            ulong old = Volatile.Read(ref ucell);
            ulong value = op switch
            {
                PtxAtomicOp.Add => F64Bits(F64(old) + F64(b)),
                PtxAtomicOp.Min => type switch
                {
                    PtxType.S64 => (ulong)Math.Min((long)old, (long)b),
                    PtxType.F64 => F64Bits(double.MinNumber(F64(old), F64(b))),
                    _ => Math.Min(old, b),
                },
                PtxAtomicOp.Max => type switch
                {
                    PtxType.S64 => (ulong)Math.Max((long)old, (long)b),
                    PtxType.F64 => F64Bits(double.MaxNumber(F64(old), F64(b))),
                    _ => Math.Max(old, b),
                },
                PtxAtomicOp.Xor => old ^ b,
                PtxAtomicOp.Inc => old >= b ? 0 : old + 1,
                _ => old == 0 || old > b ? b : old - 1,
            };
            if (Interlocked.CompareExchange(ref ucell, value, old) == old) return old;
        }
    }

    private static float F32(uint bits) => BitConverter.Int32BitsToSingle((int)bits);

    private static uint F32Bits(float f) => (uint)BitConverter.SingleToInt32Bits(f);

    private static float Ftz(float f) => float.IsSubnormal(f) ? MathF.CopySign(0, f) : f;

    private static double F64(ulong bits) => BitConverter.Int64BitsToDouble((long)bits);

    private static ulong F64Bits(double d) => (ulong)BitConverter.DoubleToInt64Bits(d);

    public static delegate*<PtxWarp, ref PtxInstruction, uint, void> For(string space) => space switch
    {
        "global" => &Atom<GlobalSpace>,
        "shared" => &Atom<SharedSpace>,
        _ => &Atom<GenericSpace>,
    };
}

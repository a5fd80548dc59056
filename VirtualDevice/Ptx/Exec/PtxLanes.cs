using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CudaTensor.VirtualDevice.Ptx.Exec;

/// <summary>An elementwise operation on one numeric type (integer or float).</summary>
internal interface INumericOp
{
    static abstract T Apply<T>(T a, T b, T c) where T : unmanaged, INumber<T>, IMinMaxValue<T>;
}

/// <summary>An elementwise operation on integers only (bitwise, counts).</summary>
internal interface IIntegerOp
{
    static abstract T Apply<T>(T a, T b, T c) where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>;
}

/// <summary>Picks a handler instantiation by PTX type: one table instead of a copy per type.</summary>
internal interface INumericHandler
{
    static abstract unsafe delegate*<PtxWarp, ref PtxInstruction, uint, void> For<TV, T>()
        where TV : struct, IValue<T>
        where T : unmanaged, INumber<T>, IMinMaxValue<T>;
}

internal interface IIntegerHandler
{
    static abstract unsafe delegate*<PtxWarp, ref PtxInstruction, uint, void> For<TV, T>()
        where TV : struct, IValue<T>
        where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>;
}

internal static unsafe class PtxTyped
{
    /// <summary>The handler of <typeparamref name="TH"/> for an integer type (b types read as unsigned), or null.</summary>
    public static delegate*<PtxWarp, ref PtxInstruction, uint, void> Integer<TH>(PtxType t) where TH : IIntegerHandler => t switch
    {
        PtxType.U8 or PtxType.B8 => TH.For<U8, byte>(),
        PtxType.S8 => TH.For<S8, sbyte>(),
        PtxType.U16 or PtxType.B16 => TH.For<U16, ushort>(),
        PtxType.S16 => TH.For<S16, short>(),
        PtxType.U32 or PtxType.B32 => TH.For<U32, uint>(),
        PtxType.S32 => TH.For<S32, int>(),
        PtxType.U64 or PtxType.B64 => TH.For<U64, ulong>(),
        PtxType.S64 => TH.For<S64, long>(),
        _ => null,
    };

    /// <summary>The handler for any numeric type (f32, f64 and the integers), or null.</summary>
    public static delegate*<PtxWarp, ref PtxInstruction, uint, void> Numeric<TH>(PtxType t) where TH : INumericHandler => t switch
    {
        PtxType.F32 => TH.For<F32, float>(),
        PtxType.F64 => TH.For<F64, double>(),
        PtxType.U8 or PtxType.B8 => TH.For<U8, byte>(),
        PtxType.S8 => TH.For<S8, sbyte>(),
        PtxType.U16 or PtxType.B16 => TH.For<U16, ushort>(),
        PtxType.S16 => TH.For<S16, short>(),
        PtxType.U32 or PtxType.B32 => TH.For<U32, uint>(),
        PtxType.S32 => TH.For<S32, int>(),
        PtxType.U64 or PtxType.B64 => TH.For<U64, ulong>(),
        PtxType.S64 => TH.For<S64, long>(),
        _ => null,
    };
}

/// <summary>
/// The lane loops: one call per warp instruction, the operation inlined into a loop over the active lanes, with a
/// straight loop when all 32 lanes run. Operand C may be any register (operations that ignore it get A).
/// </summary>
internal static unsafe class PtxLanes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref ulong Reg(PtxWarp w, int index) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(w.R), index);

    public static void Numeric<TV, T, TOp>(PtxWarp w, ref PtxInstruction ins, uint mask)
        where TV : struct, IValue<T>
        where T : unmanaged, INumber<T>, IMinMaxValue<T>
        where TOp : INumericOp
        => Bits<NumericBits<TV, T, TOp>>(w, ref ins, mask);

    public static void Integer<TV, T, TOp>(PtxWarp w, ref PtxInstruction ins, uint mask)
        where TV : struct, IValue<T>
        where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>
        where TOp : IIntegerOp
        => Bits<IntegerBits<TV, T, TOp>>(w, ref ins, mask);

    // Typed operations seen as operations on register bits, so that one lane loop serves every kind; as struct type
    // arguments they are specialized and inlined by the JIT like a hand-written loop.
    private struct NumericBits<TV, T, TOp> : IBitsOp
        where TV : struct, IValue<T>
        where T : unmanaged, INumber<T>, IMinMaxValue<T>
        where TOp : INumericOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong Apply(ref PtxInstruction ins, ulong a, ulong b, ulong c) => TV.Put(TOp.Apply(TV.Get(a), TV.Get(b), TV.Get(c)));
    }

    private struct IntegerBits<TV, T, TOp> : IBitsOp
        where TV : struct, IValue<T>
        where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>
        where TOp : IIntegerOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong Apply(ref PtxInstruction ins, ulong a, ulong b, ulong c) => TV.Put(TOp.Apply(TV.Get(a), TV.Get(b), TV.Get(c)));
    }

    /// <summary>An operation on raw register bits with the instruction at hand (rare forms, conversions).</summary>
    public interface IBitsOp
    {
        static abstract ulong Apply(ref PtxInstruction ins, ulong a, ulong b, ulong c);
    }

    public static void Bits<TOp>(PtxWarp w, ref PtxInstruction ins, uint mask) where TOp : IBitsOp
    {
        ref ulong d = ref Reg(w, ins.D);
        ref ulong a = ref Reg(w, ins.A);
        ref ulong b = ref Reg(w, ins.B);
        ref ulong c = ref Reg(w, ins.C);
        if (mask == PtxWarp.Full)
        {
            for (int l = 0; l < 32; l++) Unsafe.Add(ref d, l) = TOp.Apply(ref ins, Unsafe.Add(ref a, l), Unsafe.Add(ref b, l), Unsafe.Add(ref c, l));
            return;
        }
        for (uint m = mask; m != 0; m &= m - 1)
        {
            int l = BitOperations.TrailingZeroCount(m);
            Unsafe.Add(ref d, l) = TOp.Apply(ref ins, Unsafe.Add(ref a, l), Unsafe.Add(ref b, l), Unsafe.Add(ref c, l));
        }
    }

    /// <summary>Handler factory: one numeric op over every type.</summary>
    public struct NumericFor<TOp> : INumericHandler where TOp : INumericOp
    {
        public static delegate*<PtxWarp, ref PtxInstruction, uint, void> For<TV, T>()
            where TV : struct, IValue<T>
            where T : unmanaged, INumber<T>, IMinMaxValue<T>
            => &Numeric<TV, T, TOp>;
    }

    public struct IntegerFor<TOp> : IIntegerHandler where TOp : IIntegerOp
    {
        public static delegate*<PtxWarp, ref PtxInstruction, uint, void> For<TV, T>()
            where TV : struct, IValue<T>
            where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>
            => &Integer<TV, T, TOp>;
    }
}

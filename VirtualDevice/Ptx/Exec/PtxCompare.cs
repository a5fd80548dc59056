using System.Numerics;
using System.Runtime.CompilerServices;

namespace CudaTensor.VirtualDevice.Ptx.Exec;

/// <summary>A comparison of setp/set/slct. Float forms without <c>u</c> are ordered (false on NaN, <c>ne</c> included).</summary>
internal interface ICompareOp
{
    static abstract bool Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T>;
}

/// <summary>setp, selp, set, slct and the predicate logic ops.</summary>
internal static unsafe class PtxCompare
{
    public struct Eq : ICompareOp { public static bool Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T> => a == b; }
    public struct Ne : ICompareOp { public static bool Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T> => !T.IsNaN(a) && !T.IsNaN(b) && a != b; }
    public struct Lt : ICompareOp { public static bool Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T> => a < b; }
    public struct Le : ICompareOp { public static bool Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T> => a <= b; }
    public struct Gt : ICompareOp { public static bool Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T> => a > b; }
    public struct Ge : ICompareOp { public static bool Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T> => a >= b; }
    public struct Equ : ICompareOp { public static bool Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T> => T.IsNaN(a) || T.IsNaN(b) || a == b; }
    public struct Neu : ICompareOp { public static bool Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T> => !(a == b); }
    public struct Ltu : ICompareOp { public static bool Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T> => !(a >= b); }
    public struct Leu : ICompareOp { public static bool Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T> => !(a > b); }
    public struct Gtu : ICompareOp { public static bool Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T> => !(a <= b); }
    public struct Geu : ICompareOp { public static bool Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T> => !(a < b); }
    public struct Num : ICompareOp { public static bool Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T> => !T.IsNaN(a) && !T.IsNaN(b); }
    public struct Nan : ICompareOp { public static bool Apply<T>(T a, T b) where T : unmanaged, INumber<T>, IMinMaxValue<T> => T.IsNaN(a) || T.IsNaN(b); }

    /// <summary>The comparison's bits over the active lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Bits<TV, T, TCmp>(PtxWarp w, ref PtxInstruction ins, uint mask)
        where TV : struct, IValue<T>
        where T : unmanaged, INumber<T>, IMinMaxValue<T>
        where TCmp : ICompareOp
    {
        ref ulong a = ref PtxLanes.Reg(w, ins.A);
        ref ulong b = ref PtxLanes.Reg(w, ins.B);
        uint bits = 0;
        if (mask == PtxWarp.Full)
        {
            for (int l = 0; l < 32; l++)
            {
                if (TCmp.Apply(TV.Get(Unsafe.Add(ref a, l)), TV.Get(Unsafe.Add(ref b, l)))) bits |= 1u << l;
            }
            return bits;
        }
        for (uint m = mask; m != 0; m &= m - 1)
        {
            int l = BitOperations.TrailingZeroCount(m);
            if (TCmp.Apply(TV.Get(Unsafe.Add(ref a, l)), TV.Get(Unsafe.Add(ref b, l)))) bits |= 1u << l;
        }
        return bits;
    }

    /// <summary>
    /// setp.cmp[.bool].type p[|q], a, b[, {!}c]: p = cmp BOOL c, q = !cmp BOOL c. Aux holds the bool op (0 none,
    /// 1 and, 2 or, 3 xor), C the predicate c and M whether it is negated.
    /// </summary>
    public static void Setp<TV, T, TCmp>(PtxWarp w, ref PtxInstruction ins, uint mask)
        where TV : struct, IValue<T>
        where T : unmanaged, INumber<T>, IMinMaxValue<T>
        where TCmp : ICompareOp
    {
        uint t = Bits<TV, T, TCmp>(w, ref ins, mask);
        uint f = ~t;
        if (ins.Aux != 0)
        {
            uint c = w.P[ins.C];
            if (ins.M != 0) c = ~c;
            (t, f) = ins.Aux switch
            {
                1 => (t & c, f & c),
                2 => (t | c, f | c),
                _ => (t ^ c, f ^ c),
            };
        }
        uint[] p = w.P;
        p[ins.D] = (p[ins.D] & ~mask) | (t & mask);
        if (ins.D2 >= 0) p[ins.D2] = (p[ins.D2] & ~mask) | (f & mask);
    }

    /// <summary>set.cmp.dtype.stype d, a, b: all ones (1.0f for f32 destinations) when true, else 0.</summary>
    public static void Set<TV, T, TCmp>(PtxWarp w, ref PtxInstruction ins, uint mask)
        where TV : struct, IValue<T>
        where T : unmanaged, INumber<T>, IMinMaxValue<T>
        where TCmp : ICompareOp
    {
        uint t = Bits<TV, T, TCmp>(w, ref ins, mask);
        if (ins.Aux != 0)
        {
            uint c = w.P[ins.C];
            if (ins.M != 0) c = ~c;
            t = ins.Aux switch { 1 => t & c, 2 => t | c, _ => t ^ c };
        }
        ulong one = ins.Type2 == PtxType.F32 ? 0x3F80_0000UL : ulong.MaxValue;
        ref ulong d = ref PtxLanes.Reg(w, ins.D);
        for (uint m = mask; m != 0; m &= m - 1)
        {
            int l = BitOperations.TrailingZeroCount(m);
            Unsafe.Add(ref d, l) = (t >> l & 1) != 0 ? one : 0;
        }
    }

    /// <summary>slct.dtype.stype d, a, b, c: d = c >= 0 ? a : b (c typed by the instruction's second type).</summary>
    public static void Slct<TV, T>(PtxWarp w, ref PtxInstruction ins, uint mask)
        where TV : struct, IValue<T>
        where T : unmanaged, INumber<T>, IMinMaxValue<T>
    {
        ref ulong d = ref PtxLanes.Reg(w, ins.D);
        ref ulong a = ref PtxLanes.Reg(w, ins.A);
        ref ulong b = ref PtxLanes.Reg(w, ins.B);
        ref ulong c = ref PtxLanes.Reg(w, ins.C);
        for (uint m = mask; m != 0; m &= m - 1)
        {
            int l = BitOperations.TrailingZeroCount(m);
            T cv = TV.Get(Unsafe.Add(ref c, l));
            // Ordered: NaN selects b; -0 counts as >= 0, and so does a subnormal flushed by .ftz.
            bool ge = cv >= T.Zero || (ins.Ftz && typeof(T) == typeof(float) && float.IsSubnormal((float)(object)cv));
            Unsafe.Add(ref d, l) = ge ? Unsafe.Add(ref a, l) : Unsafe.Add(ref b, l);
        }
    }

    /// <summary>selp.type d, a, b, p: the bits of a where p, else of b.</summary>
    public static void Selp(PtxWarp w, ref PtxInstruction ins, uint mask)
    {
        uint p = w.P[ins.C];
        ref ulong d = ref PtxLanes.Reg(w, ins.D);
        ref ulong a = ref PtxLanes.Reg(w, ins.A);
        ref ulong b = ref PtxLanes.Reg(w, ins.B);
        if (mask == PtxWarp.Full)
        {
            for (int l = 0; l < 32; l++) Unsafe.Add(ref d, l) = (p >> l & 1) != 0 ? Unsafe.Add(ref a, l) : Unsafe.Add(ref b, l);
            return;
        }
        for (uint m = mask; m != 0; m &= m - 1)
        {
            int l = BitOperations.TrailingZeroCount(m);
            Unsafe.Add(ref d, l) = (p >> l & 1) != 0 ? Unsafe.Add(ref a, l) : Unsafe.Add(ref b, l);
        }
    }

    /// <summary>and/or/xor/not/mov on predicates (Aux: 0 and, 1 or, 2 xor, 3 not, 4 mov); A and B are predicate indices.</summary>
    public static void PredicateLogic(PtxWarp w, ref PtxInstruction ins, uint mask)
    {
        uint[] p = w.P;
        uint a = p[ins.A];
        uint r = ins.Aux switch
        {
            0 => a & p[ins.B],
            1 => a | p[ins.B],
            2 => a ^ p[ins.B],
            3 => ~a,
            _ => a,
        };
        p[ins.D] = (p[ins.D] & ~mask) | (r & mask);
    }

    /// <summary>Handler factories for the type table.</summary>
    public struct SetpFor<TCmp> : INumericHandler where TCmp : ICompareOp
    {
        public static delegate*<PtxWarp, ref PtxInstruction, uint, void> For<TV, T>()
            where TV : struct, IValue<T>
            where T : unmanaged, INumber<T>, IMinMaxValue<T> => &Setp<TV, T, TCmp>;
    }

    public struct SetFor<TCmp> : INumericHandler where TCmp : ICompareOp
    {
        public static delegate*<PtxWarp, ref PtxInstruction, uint, void> For<TV, T>()
            where TV : struct, IValue<T>
            where T : unmanaged, INumber<T>, IMinMaxValue<T> => &Set<TV, T, TCmp>;
    }

    public struct SlctFor : INumericHandler
    {
        public static delegate*<PtxWarp, ref PtxInstruction, uint, void> For<TV, T>()
            where TV : struct, IValue<T>
            where T : unmanaged, INumber<T>, IMinMaxValue<T> => &Slct<TV, T>;
    }

    /// <summary>The setp handler for a comparison name and type, or null.</summary>
    public static delegate*<PtxWarp, ref PtxInstruction, uint, void> Setp(string cmp, PtxType type, bool set) => cmp switch
    {
        "eq" => Pick<Eq>(type, set),
        "ne" => Pick<Ne>(type, set),
        "lt" or "lo" => Pick<Lt>(type, set),
        "le" or "ls" => Pick<Le>(type, set),
        "gt" or "hi" => Pick<Gt>(type, set),
        "ge" or "hs" => Pick<Ge>(type, set),
        "equ" => Pick<Equ>(type, set),
        "neu" => Pick<Neu>(type, set),
        "ltu" => Pick<Ltu>(type, set),
        "leu" => Pick<Leu>(type, set),
        "gtu" => Pick<Gtu>(type, set),
        "geu" => Pick<Geu>(type, set),
        "num" => Pick<Num>(type, set),
        "nan" => Pick<Nan>(type, set),
        _ => null,
    };

    private static delegate*<PtxWarp, ref PtxInstruction, uint, void> Pick<TCmp>(PtxType type, bool set) where TCmp : ICompareOp
        => set ? PtxTyped.Numeric<SetFor<TCmp>>(type) : PtxTyped.Numeric<SetpFor<TCmp>>(type);
}

using System.Numerics;
using System.Runtime.CompilerServices;

namespace CudaTensor.VirtualDevice.Ptx.Exec;

/// <summary>Integer forms beyond the elementwise table: high and wide products, bit fields, byte permutes, funnel
/// shifts, carry chains, vector pack and unpack.</summary>
internal static class PtxBits
{
    /// <summary>mul.hi / mad.hi (Aux 0 / 1): the high half of the double-width product (plus C).</summary>
    public struct MulHi : PtxLanes.IBitsOp
    {
        public static ulong Apply(ref PtxInstruction ins, ulong a, ulong b, ulong c)
        {
            PtxType t = ins.Type;
            int width = t.Size() * 8;
            Int128 p = PtxConvert.ReadInt(t, a) * PtxConvert.ReadInt(t, b);
            ulong hi = width == 64 ? (ulong)(p >> 64) : (ulong)(p >> width);
            if (ins.Aux == 1) hi += c;
            return PtxConvert.Fit(t, hi);
        }
    }

    /// <summary>mul.wide / mad.wide (Aux 0 / 1): the full product of two operands of the source type (plus C, double width).</summary>
    public struct MulWide : PtxLanes.IBitsOp
    {
        public static ulong Apply(ref PtxInstruction ins, ulong a, ulong b, ulong c)
        {
            ulong r = ins.Type switch
            {
                PtxType.S32 => (ulong)((long)(int)a * (int)b),
                PtxType.U32 => (ulong)(uint)a * (uint)b,
                PtxType.S16 => (uint)((short)a * (short)b),
                _ => (uint)((ushort)a * (ushort)b),
            };
            if (ins.Aux == 1) r += c;
            return ins.Type is PtxType.S32 or PtxType.U32 ? r : r & 0xFFFF_FFFF;
        }
    }

    /// <summary>bfe.type d, a, b (start), c (length): the field, sign-extended for signed types.</summary>
    public struct Bfe : PtxLanes.IBitsOp
    {
        public static ulong Apply(ref PtxInstruction ins, ulong a, ulong b, ulong c)
        {
            int width = ins.Type.Size() * 8;
            int pos = (int)(b & 0xFF), len = (int)(c & 0xFF);
            bool signed = ins.Type.IsSigned();
            ulong v = a & ins.Type.Mask();
            if (len == 0) return 0;
            int msb = Math.Min(pos + len - 1, width - 1);
            bool sbit = signed && (pos >= width ? ((v >> (width - 1)) & 1) != 0 : ((v >> msb) & 1) != 0);
            ulong r = 0;
            for (int i = 0; i < width; i++)
            {
                bool bit = i < len && pos + i < width ? ((v >> (pos + i)) & 1) != 0 : sbit;
                if (bit) r |= 1UL << i;
            }
            return PtxConvert.Fit(ins.Type, r);
        }
    }

    /// <summary>bfi.type d, f (A), b (B), c (start, C), d (length, M): insert the low bits of f into b.</summary>
    public static void Bfi(PtxWarp w, ref PtxInstruction ins, uint mask)
    {
        int width = ins.Type.Size() * 8;
        for (uint m = mask; m != 0; m &= m - 1)
        {
            int l = BitOperations.TrailingZeroCount(m);
            ulong f = w.R[ins.A + l], b = w.R[ins.B + l];
            int pos = (int)(w.R[ins.C + l] & 0xFF), len = (int)(w.R[ins.M + l] & 0xFF);
            ulong r = b;
            for (int i = 0; i < len && pos + i < width; i++)
            {
                ulong bit = 1UL << (pos + i);
                r = ((f >> i) & 1) != 0 ? r | bit : r & ~bit;
            }
            w.R[ins.D + l] = r & ins.Type.Mask();
        }
    }

    /// <summary>prmt.b32 d, a, b, c: bytes of {b, a} selected by the nibbles of c (default mode; Aux selects f4e..rc16).</summary>
    public struct Prmt : PtxLanes.IBitsOp
    {
        public static ulong Apply(ref PtxInstruction ins, ulong a, ulong b, ulong c)
        {
            ulong src = (a & 0xFFFF_FFFF) | ((b & 0xFFFF_FFFF) << 32);
            uint sel = (uint)c;
            uint r = 0;
            for (int i = 0; i < 4; i++)
            {
                uint s;
                switch (ins.Aux)
                {
                    case 0:
                        s = (sel >> (4 * i)) & 0xF;
                        uint v = (uint)(src >> (8 * (int)(s & 7))) & 0xFF;
                        if ((s & 8) != 0) v = (v & 0x80) != 0 ? 0xFFu : 0u;
                        r |= v << (8 * i);
                        continue;
                    case 1: s = (uint)((sel + i) & 7); break; // f4e
                    case 2: s = (uint)((sel - i) & 7); break; // b4e
                    case 3: s = sel & 3; break; // rc8
                    case 4: s = Math.Max((uint)i, sel & 3); break; // ecl
                    case 5: s = Math.Min((uint)i, sel & 3); break; // ecr
                    default: s = ((sel & 1) * 2) + (uint)(i & 1); break; // rc16
                }
                r |= ((uint)(src >> (8 * (int)s)) & 0xFF) << (8 * i);
            }
            return r;
        }
    }

    /// <summary>shf.{l,r}.{wrap,clamp}.b32 d, a (low), b (high), c (amount); Aux bit 0 = right, bit 1 = clamp.</summary>
    public struct Shf : PtxLanes.IBitsOp
    {
        public static ulong Apply(ref PtxInstruction ins, ulong a, ulong b, ulong c)
        {
            uint n = (uint)c;
            n = (ins.Aux & 2) != 0 ? Math.Min(n, 32) : n & 31;
            ulong pair = (a & 0xFFFF_FFFF) | ((b & 0xFFFF_FFFF) << 32);
            return (ins.Aux & 1) != 0 ? (uint)(pair >> (int)n) : (uint)((pair << (int)n) >> 32);
        }
    }

    /// <summary>
    /// add.cc/addc/sub.cc/subc/mad.lo.cc/madc.{lo,hi}: Aux bits 0-1 = op (0 add, 1 sub, 2 mad.lo, 3 mad.hi),
    /// bit 2 = carry in, bit 3 = carry out. M is the carry register (0/1 per lane; a borrow for the sub chain).
    /// </summary>
    public static void Carry(PtxWarp w, ref PtxInstruction ins, uint mask)
    {
        int width = ins.Type.Size() * 8;
        ulong tmask = ins.Type.Mask();
        int op = ins.Aux & 3;
        bool carryIn = (ins.Aux & 4) != 0, carryOut = (ins.Aux & 8) != 0;
        ulong[] r = w.R;
        for (uint m = mask; m != 0; m &= m - 1)
        {
            int l = BitOperations.TrailingZeroCount(m);
            UInt128 a = r[ins.A + l] & tmask, b = r[ins.B + l] & tmask;
            UInt128 cin = carryIn ? r[ins.M + l] & 1 : 0;
            UInt128 result;
            ulong cout;
            if (op == 1)
            {
                UInt128 sub = b + cin;
                result = a - sub;
                cout = a < sub ? 1UL : 0UL;
            }
            else
            {
                UInt128 lhs = op == 0 ? a : op == 2 ? (a * b) & tmask : (a * b) >> width;
                UInt128 addend = op == 0 ? b : (UInt128)(r[ins.C + l] & tmask);
                result = lhs + addend + cin;
                cout = (ulong)(result >> width) & 1;
            }
            r[ins.D + l] = (ulong)result & tmask;
            if (carryOut) r[ins.M + l] = cout;
        }
    }

    /// <summary>mov.bN d, {a, b[, c, e]}: pack elements of N/count bits, first element lowest. Elements in A, B, C, M.</summary>
    public static void Pack(PtxWarp w, ref PtxInstruction ins, uint mask)
    {
        int bits = ins.Aux;
        ulong emask = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        for (uint m = mask; m != 0; m &= m - 1)
        {
            int l = BitOperations.TrailingZeroCount(m);
            ulong v = (w.R[ins.A + l] & emask) | ((w.R[ins.B + l] & emask) << bits);
            if (ins.Count == 4) v |= ((w.R[ins.C + l] & emask) << (2 * bits)) | ((w.R[ins.M + l] & emask) << (3 * bits));
            w.R[ins.D + l] = v;
        }
    }

    /// <summary>mov.bN {d, d2[, d3, d4]}, a: unpack (the inverse of <see cref="Pack"/>).</summary>
    public static void Unpack(PtxWarp w, ref PtxInstruction ins, uint mask)
    {
        int bits = ins.Aux;
        ulong emask = (1UL << bits) - 1;
        for (uint m = mask; m != 0; m &= m - 1)
        {
            int l = BitOperations.TrailingZeroCount(m);
            ulong v = w.R[ins.A + l];
            w.R[ins.D + l] = v & emask;
            w.R[ins.D2 + l] = (v >> bits) & emask;
            if (ins.Count == 4)
            {
                w.R[ins.D3 + l] = (v >> (2 * bits)) & emask;
                w.R[ins.D4 + l] = (v >> (3 * bits)) & emask;
            }
        }
    }

    /// <summary>mov / cvta / any bit copy.</summary>
    public static void Move(PtxWarp w, ref PtxInstruction ins, uint mask)
    {
        ref ulong d = ref PtxLanes.Reg(w, ins.D);
        ref ulong a = ref PtxLanes.Reg(w, ins.A);
        if (mask == PtxWarp.Full)
        {
            for (int l = 0; l < 32; l++) Unsafe.Add(ref d, l) = Unsafe.Add(ref a, l);
            return;
        }
        for (uint m = mask; m != 0; m &= m - 1)
        {
            int l = BitOperations.TrailingZeroCount(m);
            Unsafe.Add(ref d, l) = Unsafe.Add(ref a, l);
        }
    }

    /// <summary>A value register to a predicate (setp-free forms such as mov.pred from a constant): non-zero is true.</summary>
    public static void ToPredicate(PtxWarp w, ref PtxInstruction ins, uint mask)
    {
        uint bits = 0;
        for (uint m = mask; m != 0; m &= m - 1)
        {
            int l = BitOperations.TrailingZeroCount(m);
            if (w.R[ins.A + l] != 0) bits |= 1u << l;
        }
        w.P[ins.D] = (w.P[ins.D] & ~mask) | bits;
    }

    /// <summary>No effect in this executor (fences: blocks run their warps on one host thread and global atomics are host atomics).</summary>
    public static void Nop(PtxWarp w, ref PtxInstruction ins, uint mask)
    {
    }
}

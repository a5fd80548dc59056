using System.Numerics;

namespace CudaTensor.VirtualDevice.Ptx.Exec;

/// <summary>Float operations selected by <see cref="PtxInstruction.Aux"/> in the general float handler.</summary>
internal enum PtxFloatOp
{
    Add, Sub, Mul, Fma, Div, Sqrt, Rcp, Rsqrt, Ex2, Lg2, Sin, Cos, Tanh, Abs, Neg, Min, Max, Copysign, Mov,
}

/// <summary>
/// Float arithmetic with what C# lacks: directed rounding (.rz/.rm/.rp, from the exact error of the operation),
/// flush-to-zero (.ftz: subnormal inputs and results become signed zeros), saturation (.sat: clamp to [0, 1], NaN
/// to 0) and the approximate functions, which are computed in double and rounded (exact, so within every bound the
/// ISA documents for ex2/lg2/rcp/rsqrt/sin/cos/tanh .approx). Half and bfloat16 operate through float the same way.
/// </summary>
internal static class PtxFloat
{
    public struct General : PtxLanes.IBitsOp
    {
        public static ulong Apply(ref PtxInstruction ins, ulong a, ulong b, ulong c) => ins.Type switch
        {
            PtxType.F32 => F32(ref ins, a, b, c),
            PtxType.F64 => F64(ref ins, a, b, c),
            PtxType.F16 or PtxType.BF16 => Narrow(ref ins, a, b, c),
            _ => Narrow(ref ins, a, b, c) | (Narrow(ref ins, a >> 16, b >> 16, c >> 16) << 16),
        };
    }

    private static float Flush(float x) => float.IsSubnormal(x) ? MathF.CopySign(0f, x) : x;

    private static ulong F32(ref PtxInstruction ins, ulong ab, ulong bb, ulong cb)
    {
        float a = BitConverter.Int32BitsToSingle((int)ab), b = BitConverter.Int32BitsToSingle((int)bb), c = BitConverter.Int32BitsToSingle((int)cb);
        if (ins.Ftz)
        {
            a = Flush(a);
            b = Flush(b);
            c = Flush(c);
        }
        var op = (PtxFloatOp)ins.Aux;
        float r;
        switch (op)
        {
            case PtxFloatOp.Abs: r = MathF.Abs(a); break;
            case PtxFloatOp.Neg: r = -a; break;
            case PtxFloatOp.Min: r = float.MinNumber(a, b); break;
            case PtxFloatOp.Max: r = float.MaxNumber(a, b); break;
            case PtxFloatOp.Copysign: r = MathF.CopySign(b, a); break;
            case PtxFloatOp.Mov: r = a; break;
            case PtxFloatOp.Ex2: r = (float)Math.Pow(2, a); break;
            case PtxFloatOp.Lg2: r = (float)Math.Log2(a); break;
            case PtxFloatOp.Sin: r = (float)Math.Sin(a); break;
            case PtxFloatOp.Cos: r = (float)Math.Cos(a); break;
            case PtxFloatOp.Tanh: r = (float)Math.Tanh(a); break;
            case PtxFloatOp.Rsqrt: r = (float)(1 / Math.Sqrt(a)); break;
            default:
                (double approx, int sign) = Exact(op, a, b, c);
                r = Round32(approx, sign, ins.Rounding);
                break;
        }
        if (ins.Ftz) r = Flush(r);
        if (ins.Saturate) r = float.IsNaN(r) ? 0f : Math.Clamp(r, 0f, 1f);
        return (uint)BitConverter.SingleToInt32Bits(r);
    }

    /// <summary>The result in double and the sign of (exact - approx) for the correctly rounded operations on floats.</summary>
    private static (double Approx, int Sign) Exact(PtxFloatOp op, double a, double b, double c)
    {
        switch (op)
        {
            case PtxFloatOp.Add: return TwoSum(a, b);
            case PtxFloatOp.Sub: return TwoSum(a, -b);
            case PtxFloatOp.Mul: return TwoProduct(a, b);
            case PtxFloatOp.Fma:
                {
                    // exact = p + pl + c with p + pl = a*b exactly; s + e = p + c exactly; r is the rounded fma.
                    double r = Math.FusedMultiplyAdd(a, b, c);
                    double p = a * b;
                    if (!double.IsFinite(r) || !double.IsFinite(p)) return (r, 0);
                    double pl = Math.FusedMultiplyAdd(a, b, -p);
                    double sum = p + c;
                    double bb = sum - p;
                    double e = (p - (sum - bb)) + (c - bb);
                    double rest = (sum - r) + (e + pl);
                    return (r, Sign(rest));
                }
            case PtxFloatOp.Div:
                {
                    double q = a / b;
                    double rem = Math.FusedMultiplyAdd(-q, b, a);
                    return (q, Sign(rem) * Sign(b));
                }
            case PtxFloatOp.Rcp:
                {
                    double q = 1 / a;
                    double rem = Math.FusedMultiplyAdd(-q, a, 1);
                    return (q, Sign(rem) * Sign(a));
                }
            case PtxFloatOp.Sqrt:
                {
                    double q = Math.Sqrt(a);
                    double rem = Math.FusedMultiplyAdd(-q, q, a);
                    return (q, double.IsFinite(rem) ? Sign(rem) : 0);
                }
            default:
                throw new InvalidOperationException($"float op {op} has no exact form");
        }
    }

    /// <summary>The sign of an error term; NaN (from inf - inf in an error formula) counts as exact, unlike Math.Sign, which throws.</summary>
    private static int Sign(double v) => v > 0 ? 1 : v < 0 ? -1 : 0;

    private static (double, int) TwoSum(double a, double b)
    {
        double s = a + b;
        if (!double.IsFinite(s)) return (s, 0);
        double bb = s - a;
        double err = (a - (s - bb)) + (b - bb);
        return (s, Sign(err));
    }

    private static (double, int) TwoProduct(double a, double b)
    {
        double p = a * b;
        if (!double.IsFinite(p)) return (p, 0);
        return (p, Sign(Math.FusedMultiplyAdd(a, b, -p)));
    }

    /// <summary>A value known as a double plus the sign of its remaining error, rounded to float with a mode.</summary>
    public static float Round32(double approx, int sign, PtxRounding mode)
    {
        float f = (float)approx;
        if (mode == PtxRounding.Rn && sign == 0) return f;
        if (double.IsNaN(approx)) return f;
        if (float.IsInfinity(f) && !double.IsInfinity(approx))
        {
            bool keep = (mode == PtxRounding.Rn) || (mode == PtxRounding.Rp && approx > 0) || (mode == PtxRounding.Rm && approx < 0);
            return keep ? f : (approx > 0 ? float.MaxValue : float.MinValue);
        }
        int s = approx > f ? 1 : approx < f ? -1 : sign;
        if (mode == PtxRounding.Rn)
        {
            // Double rounding: approx exactly halfway between two floats but the exact value is not.
            if (s != 0 && (double)f != approx)
            {
                float other = s > 0 ? MathF.BitIncrement(f) : MathF.BitDecrement(f);
                double mid = ((double)f + other) / 2;
                if (mid == approx && sign != 0 && Sign(sign) == s) return other;
            }
            return f;
        }
        return Directed(f, s, mode);
    }

    private static float Directed(float f, int s, PtxRounding mode)
    {
        if (s == 0) return f;
        return mode switch
        {
            PtxRounding.Rp => s > 0 ? MathF.BitIncrement(f) : f,
            PtxRounding.Rm => s < 0 ? MathF.BitDecrement(f) : f,
            _ => (f > 0 && s < 0) ? MathF.BitDecrement(f) : (f < 0 && s > 0) ? MathF.BitIncrement(f) : (f == 0 ? f : f),
        };
    }

    private static double Directed(double f, int s, PtxRounding mode)
    {
        if (s == 0 || mode == PtxRounding.Rn) return f;
        return mode switch
        {
            PtxRounding.Rp => s > 0 ? Math.BitIncrement(f) : f,
            PtxRounding.Rm => s < 0 ? Math.BitDecrement(f) : f,
            _ => (f > 0 && s < 0) ? Math.BitDecrement(f) : (f < 0 && s > 0) ? Math.BitIncrement(f) : f,
        };
    }

    private static ulong F64(ref PtxInstruction ins, ulong ab, ulong bb, ulong cb)
    {
        double a = BitConverter.Int64BitsToDouble((long)ab), b = BitConverter.Int64BitsToDouble((long)bb), c = BitConverter.Int64BitsToDouble((long)cb);
        var op = (PtxFloatOp)ins.Aux;
        double r;
        switch (op)
        {
            case PtxFloatOp.Abs: r = Math.Abs(a); break;
            case PtxFloatOp.Neg: r = -a; break;
            case PtxFloatOp.Min: r = double.MinNumber(a, b); break;
            case PtxFloatOp.Max: r = double.MaxNumber(a, b); break;
            case PtxFloatOp.Copysign: r = Math.CopySign(b, a); break;
            case PtxFloatOp.Mov: r = a; break;
            case PtxFloatOp.Ex2: r = Math.Pow(2, a); break;
            case PtxFloatOp.Lg2: r = Math.Log2(a); break;
            case PtxFloatOp.Sin: r = Math.Sin(a); break;
            case PtxFloatOp.Cos: r = Math.Cos(a); break;
            case PtxFloatOp.Tanh: r = Math.Tanh(a); break;
            case PtxFloatOp.Rsqrt: r = 1 / Math.Sqrt(a); break;
            default:
                (double approx, int sign) = Exact(op, a, b, c);
                r = approx;
                if (double.IsInfinity(r) && double.IsFinite(a) && double.IsFinite(b) && (op != PtxFloatOp.Fma || double.IsFinite(c)) && op is not (PtxFloatOp.Div or PtxFloatOp.Rcp))
                {
                    bool keep = ins.Rounding == PtxRounding.Rn || (ins.Rounding == PtxRounding.Rp && r > 0) || (ins.Rounding == PtxRounding.Rm && r < 0);
                    if (!keep) r = r > 0 ? double.MaxValue : double.MinValue;
                }
                else
                {
                    r = Directed(r, sign, ins.Rounding);
                }
                break;
        }
        if (ins.Ftz && double.IsSubnormal(r)) r = Math.CopySign(0, r);
        if (ins.Saturate) r = double.IsNaN(r) ? 0 : Math.Clamp(r, 0, 1);
        return (ulong)BitConverter.DoubleToInt64Bits(r);
    }

    /// <summary>One f16 or bf16 lane (low 16 bits): computed in double, rounded once.</summary>
    private static ulong Narrow(ref PtxInstruction ins, ulong ab, ulong bb, ulong cb)
    {
        bool bf = ins.Type is PtxType.BF16 or PtxType.BF16x2;
        double a = bf ? PtxHalf.Bf16ToFloat(ab) : PtxHalf.HalfToFloat(ab);
        double b = bf ? PtxHalf.Bf16ToFloat(bb) : PtxHalf.HalfToFloat(bb);
        double c = bf ? PtxHalf.Bf16ToFloat(cb) : PtxHalf.HalfToFloat(cb);
        var op = (PtxFloatOp)ins.Aux;
        double r = op switch
        {
            PtxFloatOp.Add => a + b,
            PtxFloatOp.Sub => a - b,
            PtxFloatOp.Mul => a * b,
            PtxFloatOp.Fma => Math.FusedMultiplyAdd(a, b, c),
            PtxFloatOp.Div => a / b,
            PtxFloatOp.Sqrt => Math.Sqrt(a),
            PtxFloatOp.Rcp => 1 / a,
            PtxFloatOp.Rsqrt => 1 / Math.Sqrt(a),
            PtxFloatOp.Ex2 => Math.Pow(2, a),
            PtxFloatOp.Lg2 => Math.Log2(a),
            PtxFloatOp.Sin => Math.Sin(a),
            PtxFloatOp.Cos => Math.Cos(a),
            PtxFloatOp.Tanh => Math.Tanh(a),
            PtxFloatOp.Abs => Math.Abs(a),
            PtxFloatOp.Neg => -a,
            PtxFloatOp.Min => double.MinNumber(a, b),
            PtxFloatOp.Max => double.MaxNumber(a, b),
            PtxFloatOp.Copysign => Math.CopySign(b, a),
            _ => a,
        };
        if (op is PtxFloatOp.Abs or PtxFloatOp.Neg)
        {
            // Sign-bit operations keep the payload (NaN included).
            ulong bits = ab & 0xFFFF;
            return op == PtxFloatOp.Abs ? bits & 0x7FFF : bits ^ 0x8000;
        }
        if (ins.Saturate) r = double.IsNaN(r) ? 0 : Math.Clamp(r, 0, 1);
        return bf ? PtxHalf.DoubleToBf16(r, ins.Rounding) : PtxHalf.DoubleToHalf(r, ins.Rounding);
    }

    /// <summary>testp.op.type p, a (Aux: 0 finite, 1 infinite, 2 number, 3 notanumber, 4 normal, 5 subnormal).</summary>
    public static void Testp(PtxWarp w, ref PtxInstruction ins, uint mask)
    {
        uint bits = 0;
        for (uint m = mask; m != 0; m &= m - 1)
        {
            int l = BitOperations.TrailingZeroCount(m);
            ulong v = w.R[ins.A + l];
            double x = ins.Type == PtxType.F32 ? BitConverter.Int32BitsToSingle((int)v) : BitConverter.Int64BitsToDouble((long)v);
            bool subnormal = ins.Type == PtxType.F32 ? float.IsSubnormal((float)x) : double.IsSubnormal(x);
            bool t = ins.Aux switch
            {
                0 => double.IsFinite(x),
                1 => double.IsInfinity(x),
                2 => !double.IsNaN(x),
                3 => double.IsNaN(x),
                4 => double.IsFinite(x) && x != 0 && !subnormal,
                _ => subnormal,
            };
            if (t) bits |= 1u << l;
        }
        w.P[ins.D] = (w.P[ins.D] & ~mask) | bits;
    }
}

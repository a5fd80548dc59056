using CudaTensor.VirtualDevice.Ptx.Exec;

namespace CudaTensor.VirtualDevice.Ptx;

/// <summary>Arithmetic, logic, comparison and conversion forms.</summary>
internal sealed unsafe partial class PtxForms
{
    private void Arithmetic(string op)
    {
        PtxType t = Type();
        bool cc = Take("cc");
        if (cc)
        {
            Carry(op + ".cc");
            return;
        }
        PtxRounding? rounding = Rounding();
        bool ftz = Take("ftz"), sat = Take("sat");
        bool approx = Take("approx") | Take("full");
        _ = approx;
        if (t.IsFloat())
        {
            if (op == "mul") Take("lo");
            PtxFloatOp fop = op switch
            {
                "add" => PtxFloatOp.Add, "sub" => PtxFloatOp.Sub, "mul" => PtxFloatOp.Mul, "mad" or "fma" => PtxFloatOp.Fma,
                "div" => PtxFloatOp.Div, "min" => PtxFloatOp.Min, "max" => PtxFloatOp.Max, "abs" => PtxFloatOp.Abs, "neg" => PtxFloatOp.Neg,
                _ => throw Unsupported($"{op} on {t}"),
            };
            if (_mods.Contains("NaN") || _mods.Contains("xorsign")) throw Unsupported($"{op}.NaN / .xorsign");
            bool plain = (rounding ?? PtxRounding.Rn) == PtxRounding.Rn && !ftz && !sat && t is PtxType.F32 or PtxType.F64;
            if (plain)
            {
                _ins.Execute = fop switch
                {
                    PtxFloatOp.Add => PtxTyped.Numeric<PtxLanes.NumericFor<PtxArith.Add>>(t),
                    PtxFloatOp.Sub => PtxTyped.Numeric<PtxLanes.NumericFor<PtxArith.Sub>>(t),
                    PtxFloatOp.Mul => PtxTyped.Numeric<PtxLanes.NumericFor<PtxArith.Mul>>(t),
                    PtxFloatOp.Fma => PtxTyped.Numeric<PtxLanes.NumericFor<PtxArith.Fma>>(t),
                    PtxFloatOp.Div => PtxTyped.Numeric<PtxLanes.NumericFor<PtxArith.Div>>(t),
                    PtxFloatOp.Min => PtxTyped.Numeric<PtxLanes.NumericFor<PtxArith.Min>>(t),
                    PtxFloatOp.Max => PtxTyped.Numeric<PtxLanes.NumericFor<PtxArith.Max>>(t),
                    PtxFloatOp.Abs => PtxTyped.Numeric<PtxLanes.NumericFor<PtxArith.Abs>>(t),
                    _ => PtxTyped.Numeric<PtxLanes.NumericFor<PtxArith.Neg>>(t),
                };
            }
            else
            {
                _ins.Execute = &PtxLanes.Bits<PtxFloat.General>;
            }
            _ins.Type = t;
            _ins.Aux = (int)fop;
            _ins.Rounding = rounding ?? PtxRounding.Rn;
            _ins.Ftz = ftz;
            _ins.Saturate = sat;
            Operands(op is "abs" or "neg" ? 1 : op is "mad" or "fma" ? 3 : 2, t);
            return;
        }
        if (rounding is not null || ftz) throw Unsupported($"rounding or .ftz on integer {op}");
        if (op is "mul" or "mad")
        {
            string half = TakeAny("lo", "hi", "wide") ?? throw Unsupported($"{op} on integers needs .lo, .hi or .wide");
            if (half == "lo")
            {
                _ins.Execute = op == "mul" ? PtxTyped.Numeric<PtxLanes.NumericFor<PtxArith.Mul>>(t) : PtxTyped.Numeric<PtxLanes.NumericFor<PtxArith.MadLo>>(t);
            }
            else if (half == "hi")
            {
                _ins.Execute = &PtxLanes.Bits<PtxBits.MulHi>;
                _ins.Aux = op == "mad" ? 1 : 0;
            }
            else
            {
                if (t.Size() > 4) throw Unsupported($"{op}.wide on 64-bit operands");
                _ins.Execute = &PtxLanes.Bits<PtxBits.MulWide>;
                _ins.Aux = op == "mad" ? 1 : 0;
                _ins.Type = t;
                _ins.D = Dst(0);
                _ins.A = Src(1, t);
                _ins.B = Src(2, t);
                _ins.C = op == "mad" ? Src(3, WideOf(t)) : _ins.A;
                if (sat) throw Unsupported("mad.wide.sat");
                return;
            }
            if (sat)
            {
                if (op != "mad" || half != "hi" || t != PtxType.S32) throw Unsupported($"{op}.{half}.sat");
                throw Unsupported("mad.hi.sat");
            }
            _ins.Type = t;
            Operands(op == "mad" ? 3 : 2, t);
            return;
        }
        if (sat)
        {
            if (t != PtxType.S32 || op is not ("add" or "sub")) throw Unsupported($"{op}.sat on {t}");
            _ins.Execute = &PtxLanes.Bits<SaturatingS32>;
            _ins.Aux = op == "add" ? 0 : 1;
            _ins.Type = t;
            Operands(2, t);
            return;
        }
        _ins.Execute = op switch
        {
            "add" => PtxTyped.Numeric<PtxLanes.NumericFor<PtxArith.Add>>(t),
            "sub" => PtxTyped.Numeric<PtxLanes.NumericFor<PtxArith.Sub>>(t),
            "div" => PtxTyped.Numeric<PtxLanes.NumericFor<PtxArith.Div>>(t),
            "rem" => PtxTyped.Numeric<PtxLanes.NumericFor<PtxArith.Rem>>(t),
            "min" => PtxTyped.Numeric<PtxLanes.NumericFor<PtxArith.Min>>(t),
            "max" => PtxTyped.Numeric<PtxLanes.NumericFor<PtxArith.Max>>(t),
            "abs" => PtxTyped.Numeric<PtxLanes.NumericFor<PtxArith.Abs>>(t),
            "neg" => PtxTyped.Numeric<PtxLanes.NumericFor<PtxArith.Neg>>(t),
            _ => throw Unsupported($"{op} on integers"),
        };
        if (op is "min" or "max" && (t == PtxType.U16 || t == PtxType.S16 || t.Size() >= 4) == false) throw Unsupported($"{op} on {t}");
        _ins.Type = t;
        Operands(op is "abs" or "neg" ? 1 : 2, t);
    }

    private struct SaturatingS32 : PtxLanes.IBitsOp
    {
        public static ulong Apply(ref PtxInstruction ins, ulong a, ulong b, ulong c)
        {
            long r = ins.Aux == 0 ? (long)(int)a + (int)b : (long)(int)a - (int)b;
            return (ulong)Math.Clamp(r, int.MinValue, int.MaxValue);
        }
    }

    private static PtxType WideOf(PtxType t) => t switch
    {
        PtxType.S16 => PtxType.S32,
        PtxType.U16 => PtxType.U32,
        PtxType.S32 => PtxType.S64,
        _ => PtxType.U64,
    };

    /// <summary>D = operand 0, then A, B, C from operands 1..n of type <paramref name="t"/> (missing ones alias A).</summary>
    private void Operands(int sources, PtxType t)
    {
        _ins.D = Dst(0);
        _ins.A = Src(1, t);
        _ins.B = sources >= 2 ? Src(2, t) : _ins.A;
        _ins.C = sources >= 3 ? Src(3, t) : _ins.A;
        if (_s.Operands.Length != sources + 1) throw Unsupported($"expected {sources + 1} operands");
    }

    private void Carry(string op)
    {
        // op: add.cc, addc, sub.cc, subc, mad.cc (with .lo/.hi), madc.
        PtxType t = Type();
        bool carryOut = op.EndsWith(".cc", StringComparison.Ordinal) || Take("cc");
        string baseOp = op.Split('.')[0];
        bool carryIn = baseOp is "addc" or "subc" or "madc";
        int kind = baseOp switch
        {
            "add" or "addc" => 0,
            "sub" or "subc" => 1,
            _ => TakeAny("lo", "hi") switch { "lo" => 2, "hi" => 3, _ => throw Unsupported("mad.cc needs .lo or .hi") },
        };
        if (t.Size() < 4) throw Unsupported($"{op} on {t}");
        _ins.Execute = &PtxBits.Carry;
        _ins.Type = t;
        _ins.Aux = kind | (carryIn ? 4 : 0) | (carryOut ? 8 : 0);
        _ins.M = _decoder.CarryRegister;
        _ins.D = Dst(0);
        _ins.A = Src(1, t);
        _ins.B = Src(2, t);
        _ins.C = kind >= 2 ? Src(3, t) : _ins.A;
    }

    private void Logic(string op)
    {
        PtxType t = Type();
        if (t == PtxType.Pred)
        {
            if (op == "cnot") throw Unsupported("cnot.pred");
            _ins.Execute = &PtxCompare.PredicateLogic;
            _ins.D = Pred(0).Index;
            var (a, an) = Pred(1);
            _ins.A = a;
            if (op == "not")
            {
                _ins.Aux = 3;
                if (an) throw Unsupported("not of a negated predicate");
                return;
            }
            var (b, bn) = Pred(2);
            if (an || bn) throw Unsupported($"{op}.pred with a negated operand");
            _ins.B = b;
            _ins.Aux = op switch { "and" => 0, "or" => 1, _ => 2 };
            return;
        }
        _ins.Execute = op switch
        {
            "and" => PtxTyped.Integer<PtxLanes.IntegerFor<PtxArith.And>>(t),
            "or" => PtxTyped.Integer<PtxLanes.IntegerFor<PtxArith.Or>>(t),
            "xor" => PtxTyped.Integer<PtxLanes.IntegerFor<PtxArith.Xor>>(t),
            "not" => PtxTyped.Integer<PtxLanes.IntegerFor<PtxArith.Not>>(t),
            _ => PtxTyped.Integer<PtxLanes.IntegerFor<PtxArith.Cnot>>(t),
        };
        _ins.Type = t;
        Operands(op is "not" or "cnot" ? 1 : 2, t);
    }

    private void Count(string op)
    {
        PtxType t = Type();
        if (op == "bfind" && Take("shiftamt")) throw Unsupported("bfind.shiftamt");
        _ins.Execute = op switch
        {
            "popc" => PtxTyped.Integer<PtxLanes.IntegerFor<PtxArith.Popc>>(t),
            "clz" => PtxTyped.Integer<PtxLanes.IntegerFor<PtxArith.Clz>>(t),
            "brev" => PtxTyped.Integer<PtxLanes.IntegerFor<PtxArith.Brev>>(t),
            _ => PtxTyped.Integer<PtxLanes.IntegerFor<PtxArith.Bfind>>(t),
        };
        _ins.Type = t;
        Operands(1, t);
    }

    private void Shift(string op)
    {
        PtxType t = Type();
        _ins.Execute = op == "shl" ? PtxTyped.Integer<PtxLanes.IntegerFor<PtxArith.Shl>>(t) : PtxTyped.Integer<PtxLanes.IntegerFor<PtxArith.Shr>>(t);
        _ins.Type = t;
        _ins.D = Dst(0);
        _ins.A = Src(1, t);
        // The amount is .u32 whatever the type; a wider type's slot reads its own width, so widen the constant.
        _ins.B = Src(2, PtxType.U32);
        _ins.C = _ins.A;
    }

    private void Setp(bool set)
    {
        string cmp = TakeAny("eq", "ne", "lt", "le", "gt", "ge", "lo", "ls", "hi", "hs", "equ", "neu", "ltu", "leu", "gtu", "geu", "num", "nan")
            ?? throw Unsupported("setp needs a comparison");
        string? boolOp = TakeAny("and", "or", "xor");
        PtxType t = set ? Type(1) : Type();
        if (Take("ftz") && t != PtxType.F32) throw Unsupported(".ftz on a non-f32 comparison");
        if (t is PtxType.F16 or PtxType.BF16 or PtxType.F16x2 or PtxType.BF16x2) throw Unsupported($"setp on {t}");
        _ins.Execute = PtxCompare.Setp(cmp, t, set);
        _ins.Type = t;
        _ins.Aux = boolOp switch { null => 0, "and" => 1, "or" => 2, _ => 3 };
        PtxOperand d = Op(0);
        if (set)
        {
            _ins.Type2 = Type();
            _ins.D = Dst(0);
        }
        else if (d.Kind == PtxOperandKind.List)
        {
            _ins.D = PredOf(d.Elements[0]);
            _ins.D2 = PredOf(d.Elements[1]);
        }
        else
        {
            _ins.D = Pred(0).Index;
        }
        _ins.A = Src(1, t);
        _ins.B = Src(2, t);
        if (boolOp is not null)
        {
            var (c, neg) = Pred(3);
            _ins.C = c;
            _ins.M = neg ? 1 : 0;
        }
    }

    private int PredOf(PtxOperand o)
    {
        if (!IsPred(o)) throw Unsupported("expected a predicate destination");
        return _frame.Registers[o.Register];
    }

    private void Cvt()
    {
        PtxType to = Type(0), from = Type(1);
        string? r = TakeAny("rn", "rz", "rm", "rp", "rni", "rzi", "rmi", "rpi", "rna", "rs");
        if (r is "rna" or "rs") throw Unsupported($"cvt.{r}");
        _ins.Execute = &PtxLanes.Bits<PtxConvert.Cvt>;
        _ins.Type = to;
        _ins.Type2 = from;
        _ins.Ftz = Take("ftz");
        _ins.Saturate = Take("sat");
        _ins.Rounding = r switch
        {
            "rz" or "rzi" => PtxRounding.Rz,
            "rm" or "rmi" => PtxRounding.Rm,
            "rp" or "rpi" => PtxRounding.Rp,
            _ => PtxRounding.Rn,
        };
        bool intRounding = r is not null && r.EndsWith('i');
        if (from.IsFloat() && !to.IsFloat() && !intRounding) throw Unsupported("cvt from float to integer needs .rni/.rzi/.rmi/.rpi");
        if (to.IsFloat() && from.IsFloat() && intRounding) _ins.Aux = 1;
        if (to is PtxType.F16x2 or PtxType.BF16x2 || from is PtxType.F16x2 or PtxType.BF16x2) throw Unsupported("cvt to or from a packed pair");
        if (!to.IsFloat() && !from.IsFloat() && !_ins.Saturate)
        {
            _ins.Execute = &PtxLanes.Bits<PtxConvert.IntToInt>;
            _ins.Aux = 64 - 8 * from.Size();
        }
        _ins.D = Dst(0);
        _ins.A = Src(1, from);
        _ins.B = _ins.A;
        _ins.C = _ins.A;
    }

    private void Testp()
    {
        string what = TakeAny("finite", "infinite", "number", "notanumber", "normal", "subnormal") ?? throw Unsupported("testp needs a test");
        _ins.Type = Type();
        _ins.Execute = &PtxFloat.Testp;
        _ins.Aux = what switch { "finite" => 0, "infinite" => 1, "number" => 2, "notanumber" => 3, "normal" => 4, _ => 5 };
        _ins.D = Pred(0).Index;
        _ins.A = Src(1, _ins.Type);
    }

    private void FloatFunction(string op)
    {
        PtxType t = Type();
        PtxRounding? rounding = Rounding();
        _ins.Ftz = Take("ftz");
        _ins.Saturate = Take("sat");
        bool approx = Take("approx");
        Take("full");
        if (op is "ex2" or "lg2" or "sin" or "cos" or "tanh" or "rsqrt" && !approx) throw Unsupported($"{op} without .approx");
        _ins.Execute = &PtxLanes.Bits<PtxFloat.General>;
        _ins.Type = t;
        _ins.Rounding = rounding ?? PtxRounding.Rn;
        _ins.Aux = (int)(op switch
        {
            "copysign" => PtxFloatOp.Copysign, "sqrt" => PtxFloatOp.Sqrt, "rcp" => PtxFloatOp.Rcp, "rsqrt" => PtxFloatOp.Rsqrt,
            "ex2" => PtxFloatOp.Ex2, "lg2" => PtxFloatOp.Lg2, "sin" => PtxFloatOp.Sin, "cos" => PtxFloatOp.Cos, _ => PtxFloatOp.Tanh,
        });
        Operands(op == "copysign" ? 2 : 1, t);
    }
}

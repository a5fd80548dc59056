using CudaTensor.VirtualDevice.Ptx.Exec;

namespace CudaTensor.VirtualDevice.Ptx;

/// <summary>
/// The table from an instruction's opcode, modifiers and types to its handler and operand fields. Every modifier
/// must be understood: one left over fails the load with the line, so an unimplemented form is never run wrongly.
/// </summary>
internal sealed unsafe class PtxForms
{
    private static readonly HashSet<string> Harmless = new(StringComparer.Ordinal)
    {
        "uni", "nc", "aligned", "volatile", "relaxed", "weak", "acquire", "release", "acq_rel", "sc", "gpu", "cta", "sys", "cluster", "ca", "cg", "cs", "lu", "cv", "wb", "wt",
    };

    private readonly PtxDecoder _decoder;
    private readonly PtxDecoder.Frame _frame;
    private readonly PtxStatement _s;
    private readonly List<string> _mods;
    private readonly List<PtxType> _types = [];
    private PtxInstruction _ins;

    public PtxForms(PtxDecoder decoder, PtxDecoder.Frame frame, PtxStatement s)
    {
        _decoder = decoder;
        _frame = frame;
        _s = s;
        _mods = [];
        foreach (string part in s.Parts.Skip(1))
        {
            if (PtxTypes.TryParse(part, out PtxType t)) _types.Add(t);
            else _mods.Add(part);
        }
        _ins = new PtxInstruction { Guard = -1, D = -1, D2 = -1, D3 = -1, D4 = -1, Count = 1 };
    }

    private PtxLoadException Unsupported(string why) => _decoder.Parser.Error(_s.Line, $"{why} (the virtual device does not implement this form)");

    private bool Take(string mod) => _mods.Remove(mod);

    private string? TakeAny(params string[] options)
    {
        foreach (string o in options)
        {
            if (_mods.Remove(o)) return o;
        }
        return null;
    }

    private PtxType Type(int i = 0) => i < _types.Count ? _types[i] : throw Unsupported($"'{string.Join('.', _s.Parts)}' needs a type");

    private PtxOperand Op(int i) => i < _s.Operands.Length ? _s.Operands[i] : throw Unsupported($"operand {i + 1} is missing");

    private int Dst(int i) => Dst(Op(i));

    private int Dst(PtxOperand o) => o.Kind switch
    {
        PtxOperandKind.Register when !_frame.Function.Registers[o.Register].IsPredicate => _frame.Registers[o.Register],
        PtxOperandKind.Sink => _decoder.Sink,
        _ => throw Unsupported("destination must be a value register"),
    };

    private int Src(int i, PtxType type) => Src(Op(i), type);

    private int Src(PtxOperand o, PtxType type)
    {
        switch (o.Kind)
        {
            case PtxOperandKind.Register when !_frame.Function.Registers[o.Register].IsPredicate:
                return _frame.Registers[o.Register];
            case PtxOperandKind.Immediate:
                return _decoder.Constant(PtxLiterals.Convert(o.Bits, o.Literal, type));
            case PtxOperandKind.Symbol:
                return _decoder.SymbolAddress(_frame, o.Symbol!, o.Offset, _s).Register;
            default:
                throw Unsupported("source must be a value register, an immediate or a variable");
        }
    }

    private (int Index, bool Negated) Pred(int i)
    {
        PtxOperand o = Op(i);
        if (o.Kind != PtxOperandKind.Register || !_frame.Function.Registers[o.Register].IsPredicate) throw Unsupported($"operand {i + 1} must be a predicate");
        return (_frame.Registers[o.Register], o.Negated);
    }

    private bool IsPred(PtxOperand o) => o.Kind == PtxOperandKind.Register && _frame.Function.Registers[o.Register].IsPredicate;

    /// <summary>[reg+off], [var+off] or [imm]: the base register and the offset; the symbol kind for .param routing.</summary>
    private (int Base, long Offset, PtxDecoder.SymbolKind Kind) Address(int i)
    {
        PtxOperand o = Op(i);
        if (o.Kind != PtxOperandKind.Address) throw Unsupported($"operand {i + 1} must be an address [..]");
        if (o.Register >= 0) return (_frame.Registers[o.Register], o.Offset, PtxDecoder.SymbolKind.None);
        if (o.Symbol is { } sym)
        {
            var (reg, kind) = _decoder.SymbolAddress(_frame, sym, o.Offset, _s);
            return (reg, 0, kind);
        }
        return (_decoder.Constant((ulong)o.Offset), 0, PtxDecoder.SymbolKind.None);
    }

    private PtxRounding? Rounding()
    {
        string? r = TakeAny("rn", "rz", "rm", "rp");
        return r switch { "rn" => PtxRounding.Rn, "rz" => PtxRounding.Rz, "rm" => PtxRounding.Rm, "rp" => PtxRounding.Rp, _ => null };
    }

    public PtxInstruction Decode(out string? label)
    {
        label = null;
        string op = _s.Parts[0];
        switch (op)
        {
            case "mov": Mov(); break;
            case "add" or "sub" or "mul" or "mad" or "fma" or "div" or "rem" or "min" or "max" or "abs" or "neg": Arithmetic(op); break;
            case "addc" or "subc" or "madc": Carry(op); break;
            case "and" or "or" or "xor" or "not" or "cnot": Logic(op); break;
            case "popc" or "clz" or "brev" or "bfind": Count(op); break;
            case "shl" or "shr": Shift(op); break;
            case "setp" or "set": Setp(op == "set"); break;
            case "selp":
                Type();
                _ins.Execute = &PtxCompare.Selp;
                _ins.D = Dst(0); _ins.A = Src(1, Type()); _ins.B = Src(2, Type()); _ins.C = Pred(3).Index;
                if (Pred(3).Negated) throw Unsupported("selp with a negated predicate");
                break;
            case "slct":
                _ins.Execute = PtxTyped.Numeric<PtxCompare.SlctFor>(Type(1));
                _ins.Ftz = Take("ftz");
                _ins.D = Dst(0); _ins.A = Src(1, Type()); _ins.B = Src(2, Type()); _ins.C = Src(3, Type(1));
                break;
            case "cvt": Cvt(); break;
            case "cvta":
                Take("to");
                TakeAny("global", "shared", "local", "const", "param");
                _ins.Execute = &PtxBits.Move;
                _ins.D = Dst(0); _ins.A = Src(1, Type());
                break;
            case "ld" or "ldu" or "st": Memory(op == "st"); break;
            case "atom" or "red": Atomic(op == "red"); break;
            case "bra":
                _ins.Flow = PtxFlow.Branch;
                label = Op(0).Symbol ?? throw Unsupported("branch target must be a label");
                break;
            case "ret" or "exit":
                _ins.Flow = PtxFlow.Exit;
                break;
            case "trap":
                _ins.Flow = PtxFlow.Trap;
                break;
            case "bar" or "barrier": Barrier(); break;
            case "membar" or "fence":
                _mods.Clear();
                _ins.Execute = &PtxBits.Nop;
                break;
            case "nanosleep" or "prefetch" or "prefetchu":
                _mods.Clear();
                _ins.Execute = &PtxBits.Nop;
                break;
            case "shfl": Shfl(); break;
            case "vote": Vote(); break;
            case "activemask":
                Type();
                _ins.Execute = &PtxWarpOps.ActiveMask;
                _ins.D = Dst(0);
                break;
            case "redux": Redux(); break;
            case "match": Match(); break;
            case "testp": Testp(); break;
            case "copysign" or "sqrt" or "rcp" or "rsqrt" or "ex2" or "lg2" or "sin" or "cos" or "tanh": FloatFunction(op); break;
            case "bfe":
                _ins.Execute = &PtxLanes.Bits<PtxBits.Bfe>;
                _ins.Type = Type();
                _ins.D = Dst(0); _ins.A = Src(1, Type()); _ins.B = Src(2, PtxType.U32); _ins.C = Src(3, PtxType.U32);
                break;
            case "bfi":
                _ins.Execute = &PtxBits.Bfi;
                _ins.Type = Type();
                _ins.D = Dst(0); _ins.A = Src(1, Type()); _ins.B = Src(2, Type()); _ins.C = Src(3, PtxType.U32); _ins.M = Src(4, PtxType.U32);
                break;
            case "prmt":
                _ins.Execute = &PtxLanes.Bits<PtxBits.Prmt>;
                _ins.Type = Type();
                _ins.Aux = TakeAny("f4e", "b4e", "rc8", "ecl", "ecr", "rc16") switch { null => 0, "f4e" => 1, "b4e" => 2, "rc8" => 3, "ecl" => 4, "ecr" => 5, _ => 6 };
                _ins.D = Dst(0); _ins.A = Src(1, Type()); _ins.B = Src(2, Type()); _ins.C = Src(3, PtxType.U32);
                break;
            case "shf":
                _ins.Execute = &PtxLanes.Bits<PtxBits.Shf>;
                _ins.Type = Type();
                _ins.Aux = (Take("r") ? 1 : Take("l") ? 0 : throw Unsupported("shf needs .l or .r")) | (Take("clamp") ? 2 : Take("wrap") ? 0 : throw Unsupported("shf needs .wrap or .clamp"));
                _ins.D = Dst(0); _ins.A = Src(1, Type()); _ins.B = Src(2, Type()); _ins.C = Src(3, PtxType.U32);
                break;
            default:
                throw Unsupported($"unknown instruction '{op}'");
        }
        _mods.RemoveAll(Harmless.Contains);
        if (_mods.Count > 0) throw Unsupported($"modifier .{string.Join(" .", _mods)} of {op}");
        if (_ins.Flow == PtxFlow.None && _ins.Execute == null) throw Unsupported($"no handler for {string.Join('.', _s.Parts)} with these types");
        return _ins;
    }

    private void Mov()
    {
        PtxType t = Type();
        PtxOperand d = Op(0), a = Op(1);
        if (t == PtxType.Pred)
        {
            (int dp, _) = Pred(0);
            _ins.D = dp;
            if (IsPred(a))
            {
                var (ap, neg) = Pred(1);
                _ins.Execute = &PtxCompare.PredicateLogic;
                _ins.A = ap;
                _ins.Aux = neg ? 3 : 4;
            }
            else
            {
                _ins.Execute = &PtxBits.ToPredicate;
                _ins.A = Src(a, PtxType.U32);
            }
            return;
        }
        if (a.Kind == PtxOperandKind.Symbol && a.Symbol!.StartsWith('%'))
        {
            _ins.Execute = &PtxWarpOps.Special;
            _ins.D = Dst(d);
            _ins.Aux = (int)SpecialRegister(a.Symbol);
            return;
        }
        if (a.Kind == PtxOperandKind.List)
        {
            _ins.Execute = &PtxBits.Pack;
            _ins.D = Dst(d);
            _ins.Count = (byte)a.Elements.Length;
            _ins.Aux = t.Size() * 8 / a.Elements.Length;
            if (a.Elements.Length is not (2 or 4)) throw Unsupported("mov packs 2 or 4 elements");
            _ins.A = Src(a.Elements[0], PtxType.None); _ins.B = Src(a.Elements[1], PtxType.None);
            if (a.Elements.Length == 4) { _ins.C = Src(a.Elements[2], PtxType.None); _ins.M = Src(a.Elements[3], PtxType.None); }
            return;
        }
        if (d.Kind == PtxOperandKind.List)
        {
            _ins.Execute = &PtxBits.Unpack;
            _ins.A = Src(a, t);
            _ins.Count = (byte)d.Elements.Length;
            _ins.Aux = t.Size() * 8 / d.Elements.Length;
            if (d.Elements.Length is not (2 or 4)) throw Unsupported("mov unpacks 2 or 4 elements");
            _ins.D = Dst(d.Elements[0]); _ins.D2 = Dst(d.Elements[1]);
            if (d.Elements.Length == 4) { _ins.D3 = Dst(d.Elements[2]); _ins.D4 = Dst(d.Elements[3]); }
            return;
        }
        _ins.Execute = &PtxBits.Move;
        _ins.D = Dst(d);
        _ins.A = Src(a, t);
    }

    private PtxSpecial SpecialRegister(string name) => name switch
    {
        "%tid.x" => PtxSpecial.TidX, "%tid.y" => PtxSpecial.TidY, "%tid.z" => PtxSpecial.TidZ,
        "%ntid.x" => PtxSpecial.NtidX, "%ntid.y" => PtxSpecial.NtidY, "%ntid.z" => PtxSpecial.NtidZ,
        "%ctaid.x" => PtxSpecial.CtaidX, "%ctaid.y" => PtxSpecial.CtaidY, "%ctaid.z" => PtxSpecial.CtaidZ,
        "%nctaid.x" => PtxSpecial.NctaidX, "%nctaid.y" => PtxSpecial.NctaidY, "%nctaid.z" => PtxSpecial.NctaidZ,
        "%laneid" => PtxSpecial.LaneId, "%warpid" => PtxSpecial.WarpId, "%nwarpid" => PtxSpecial.NWarpId,
        "%lanemask_eq" => PtxSpecial.LanemaskEq, "%lanemask_lt" => PtxSpecial.LanemaskLt, "%lanemask_le" => PtxSpecial.LanemaskLe,
        "%lanemask_gt" => PtxSpecial.LanemaskGt, "%lanemask_ge" => PtxSpecial.LanemaskGe,
        "%clock" => PtxSpecial.Clock, "%clock64" => PtxSpecial.Clock64, "%globaltimer" => PtxSpecial.GlobalTimer,
        "%smid" => PtxSpecial.SmId, "%nsmid" => PtxSpecial.NSmId, "%gridid" => PtxSpecial.GridId,
        "%dynamic_smem_size" => PtxSpecial.DynamicSmemSize, "%total_smem_size" => PtxSpecial.TotalSmemSize,
        _ => throw Unsupported($"special register {name}"),
    };

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

    private void Memory(bool store)
    {
        string space = TakeAny("global", "shared", "local", "param", "const") ?? "generic";
        Take("nc");
        int count = TakeAny("v2", "v4") switch { "v2" => 2, "v4" => 4, _ => 1 };
        PtxType t = Type();
        _ins.Size = (byte)t.Size();
        _ins.Count = (byte)count;
        _ins.Type = t;
        _ins.Aux = t.IsSigned() && t.Size() < 8 ? 1 : 0;
        int addressOperand = store ? 0 : 1;
        int dataOperand = store ? 1 : 0;
        var (b, off, kind) = Address(addressOperand);
        _ins.A = b;
        _ins.Offset = off;
        if (space == "param")
        {
            // Kernel parameters live in the param window; call-sequence and function parameters in the local frame.
            space = kind switch
            {
                PtxDecoder.SymbolKind.KernelParam => "param",
                PtxDecoder.SymbolKind.Local => "local",
                _ => "generic",
            };
        }
        _ins.Execute = count == 1 ? PtxMemory.ScalarFor(space, t.Size(), _ins.Aux == 1, store) : store ? PtxMemory.StoreFor(space) : PtxMemory.LoadFor(space);
        PtxOperand data = Op(dataOperand);
        PtxOperand[] elements = data.Kind == PtxOperandKind.List ? data.Elements : [data];
        if (elements.Length != count) throw Unsupported($"{count} registers expected for the vector access");
        int[] regs = new int[4];
        for (int i = 0; i < count; i++) regs[i] = store ? Src(elements[i], t) : Dst(elements[i]);
        _ins.D = regs[0]; _ins.D2 = regs[1]; _ins.D3 = regs[2]; _ins.D4 = regs[3];
        if (t is PtxType.Pred) throw Unsupported("predicate load/store");
    }

    private void Atomic(bool reduction)
    {
        string space = TakeAny("global", "shared") ?? "generic";
        string aop = TakeAny("add", "min", "max", "exch", "cas", "and", "or", "xor", "inc", "dec") ?? throw Unsupported("atom needs an operation");
        PtxType t = Type();
        if (t.Size() is not (4 or 8)) throw Unsupported($"atom on {t}");
        if (TakeAny("noftz") is not null) throw Unsupported("atom.noftz");
        _ins.Execute = PtxAtomic.For(space);
        _ins.Type = t;
        _ins.Size = (byte)t.Size();
        _ins.Aux = (int)(aop switch
        {
            "add" => PtxAtomicOp.Add, "min" => PtxAtomicOp.Min, "max" => PtxAtomicOp.Max, "exch" => PtxAtomicOp.Exch, "cas" => PtxAtomicOp.Cas,
            "and" => PtxAtomicOp.And, "or" => PtxAtomicOp.Or, "xor" => PtxAtomicOp.Xor, "inc" => PtxAtomicOp.Inc, _ => PtxAtomicOp.Dec,
        });
        if (t == PtxType.F64 && aop is not ("add" or "exch" or "cas" or "min" or "max")) throw Unsupported($"atom.{aop}.f64");
        int k = 0;
        _ins.D = reduction ? _decoder.Sink : Dst(k++);
        var (b, off, _) = Address(k++);
        _ins.A = b;
        _ins.Offset = off;
        _ins.B = Src(k++, t);
        _ins.C = aop == "cas" ? Src(k++, t) : _ins.B;
    }

    private void Barrier()
    {
        string? kind = TakeAny("warp", "sync", "arrive", "red");
        if (kind == "warp")
        {
            if (!Take("sync")) throw Unsupported("bar.warp needs .sync");
            _ins.Execute = &PtxWarpOps.WarpSync;
            _ins.M = Src(0, PtxType.U32);
            return;
        }
        if (kind is null && _s.Parts[0] == "bar") kind = "sync";
        if (kind != "sync") throw Unsupported($"bar.{kind}");
        Take("aligned");
        _ins.Flow = PtxFlow.Barrier;
        _ins.A = Src(0, PtxType.U32);
        if (_s.Operands.Length > 1) _ins.B = Src(1, PtxType.U32);
    }

    private void Shfl()
    {
        if (!Take("sync")) throw Unsupported("shfl without .sync (removed on sm_70 and later)");
        _ins.Aux = TakeAny("up", "down", "bfly", "idx") switch { "up" => 0, "down" => 1, "bfly" => 2, "idx" => 3, _ => throw Unsupported("shfl needs a mode") };
        PtxType t = Type();
        if (t.Size() != 4) throw Unsupported($"shfl on {t}");
        _ins.Execute = &PtxWarpOps.Shfl;
        PtxOperand d = Op(0);
        if (d.Kind == PtxOperandKind.List)
        {
            _ins.D = Dst(d.Elements[0]);
            _ins.D2 = d.Elements[1].Kind == PtxOperandKind.Sink ? -1 : PredOf(d.Elements[1]);
        }
        else
        {
            _ins.D = Dst(d);
        }
        _ins.A = Src(1, t);
        _ins.B = Src(2, PtxType.U32);
        _ins.C = Src(3, PtxType.U32);
        _ins.M = Src(4, PtxType.U32);
    }

    private void Vote()
    {
        if (!Take("sync")) throw Unsupported("vote without .sync (removed on sm_70 and later)");
        string mode = TakeAny("all", "any", "uni", "ballot") ?? throw Unsupported("vote needs a mode");
        Type();
        _ins.Execute = &PtxWarpOps.Vote;
        _ins.Aux = mode switch { "all" => 0, "any" => 1, "uni" => 2, _ => 3 };
        _ins.D = mode == "ballot" ? Dst(0) : Pred(0).Index;
        var (a, neg) = Pred(1);
        _ins.A = a;
        _ins.Ftz = neg;
        _ins.M = Src(2, PtxType.U32);
    }

    private void Redux()
    {
        if (!Take("sync")) throw Unsupported("redux needs .sync");
        string rop = TakeAny("add", "min", "max", "and", "or", "xor") ?? throw Unsupported("redux needs an operation");
        _ins.Type = Type();
        _ins.Execute = &PtxWarpOps.Redux;
        _ins.Aux = rop switch { "add" => 0, "min" => 1, "max" => 2, "and" => 3, "or" => 4, _ => 5 };
        _ins.D = Dst(0);
        _ins.A = Src(1, _ins.Type);
        _ins.M = Src(2, PtxType.U32);
    }

    private void Match()
    {
        string mode = TakeAny("any", "all") ?? throw Unsupported("match needs .any or .all");
        if (!Take("sync")) throw Unsupported("match needs .sync");
        _ins.Type = Type();
        _ins.Execute = &PtxWarpOps.Match;
        _ins.Aux = mode == "any" ? 0 : 1;
        PtxOperand d = Op(0);
        if (d.Kind == PtxOperandKind.List)
        {
            _ins.D = Dst(d.Elements[0]);
            _ins.D2 = PredOf(d.Elements[1]);
        }
        else
        {
            _ins.D = Dst(d);
        }
        _ins.A = Src(1, _ins.Type);
        _ins.M = Src(2, PtxType.U32);
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

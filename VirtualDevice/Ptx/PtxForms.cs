using CudaTensor.VirtualDevice.Ptx.Exec;

namespace CudaTensor.VirtualDevice.Ptx;

/// <summary>
/// The table from an instruction's opcode, modifiers and types to its handler and operand fields. Every modifier
/// must be understood: one left over fails the load with the line, so an unimplemented form is never run wrongly.
/// </summary>
internal sealed unsafe partial class PtxForms
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
}

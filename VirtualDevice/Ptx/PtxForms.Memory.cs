using CudaTensor.VirtualDevice.Ptx.Exec;

namespace CudaTensor.VirtualDevice.Ptx;

/// <summary>Memory, atomic, barrier and warp-synchronous forms.</summary>
internal sealed unsafe partial class PtxForms
{
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
            _ins.WarpSync = true;
            _ins.M = Src(0, PtxType.U32);
            return;
        }
        if (kind is null && _s.Parts[0] == "bar") kind = "sync";
        if (kind != "sync") throw Unsupported($"bar.{kind}");
        Take("aligned");
        _ins.Flow = PtxFlow.Barrier;
        _ins.A = Src(0, PtxType.U32);
        _ins.B = _s.Operands.Length > 1 ? Src(1, PtxType.U32) : -1;
    }

    private void Shfl()
    {
        if (!Take("sync")) throw Unsupported("shfl without .sync (removed on sm_70 and later)");
        _ins.Aux = TakeAny("up", "down", "bfly", "idx") switch { "up" => 0, "down" => 1, "bfly" => 2, "idx" => 3, _ => throw Unsupported("shfl needs a mode") };
        PtxType t = Type();
        if (t.Size() != 4) throw Unsupported($"shfl on {t}");
        _ins.Execute = &PtxWarpOps.Shfl;
        _ins.WarpSync = true;
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
        _ins.WarpSync = true;
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
        _ins.WarpSync = true;
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
        _ins.WarpSync = true;
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
}

using System.Globalization;
using CudaTensor.VirtualDevice.Ptx.Exec;

namespace CudaTensor.VirtualDevice.Ptx;

/// <summary>
/// Turns a parsed entry into <see cref="PtxCode"/>: registers numbered per warp file, immediates and addresses of
/// variables turned into read-only constant registers, every call inlined (its parameters and return values passed
/// through slots of the thread's local frame, its <c>ret</c> a branch to the end of its copy), and each instruction
/// form mapped to its handler by <see cref="PtxForms"/>. A form the table does not know fails here, at load.
/// </summary>
internal sealed class PtxDecoder
{
    private readonly PtxParser _parser;
    private readonly Dictionary<string, PtxFunction> _functions;
    private readonly Dictionary<string, (PtxVariable Variable, int Index)> _moduleVariables = new(StringComparer.Ordinal);

    private readonly List<PtxInstruction> _code = [];
    private readonly List<string> _sources = [];
    private readonly Dictionary<string, int> _sourceIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, int> _constants = [];
    private readonly List<(int Register, ulong Bits)> _constantList = [];
    private readonly List<(int Register, int Global, long Offset)> _globalList = [];
    private readonly Dictionary<(int, long), int> _globalRegisters = [];
    private readonly List<(int Register, long Offset)> _dynamicShared = [];
    private readonly Dictionary<string, int> _sharedOffsets = new(StringComparer.Ordinal);
    private int _valueRegisters;
    private int _predicateRegisters;
    private int _localBytes;
    private int _sharedBytes;
    private int _sinkRegister = -1;
    private int _carryRegister = -1;
    private PtxFunction _entry = null!;
    private Dictionary<string, int> _paramOffsets = null!;

    private PtxDecoder(PtxParser parser)
    {
        _parser = parser;
        _functions = parser.Functions.Where(f => !f.IsEntry).ToDictionary(f => f.Name, StringComparer.Ordinal);
        // Global and const variables are numbered in the order of PtxModule.Globals; shared ones are not in it.
        int global = 0;
        foreach (PtxVariable v in parser.ModuleVariables) _moduleVariables[v.Name] = (v, v.Space == "shared" ? -1 : global++);
    }

    /// <summary>Module-scope global and const variables (not shared ones), in the order the launch's global addresses follow.</summary>
    public static List<PtxGlobalVariable> Globals(PtxParser parser)
        => parser.ModuleVariables.Where(v => v.Space != "shared")
            .Select(v => new PtxGlobalVariable(v.Name, v.SizeBytes, v.Alignment, v.Initializer ?? new byte[v.SizeBytes])).ToList();

    public static PtxKernel Decode(PtxParser parser, PtxFunction entry)
    {
        var decoder = new PtxDecoder(parser);
        return decoder.DecodeEntry(entry);
    }

    private PtxKernel DecodeEntry(PtxFunction entry)
    {
        _entry = entry;
        var parameters = new List<PtxParameter>();
        _paramOffsets = new Dictionary<string, int>(StringComparer.Ordinal);
        int offset = 0;
        foreach (PtxVariable p in entry.Parameters)
        {
            offset = Align(offset, p.Alignment);
            parameters.Add(new PtxParameter(offset, p.SizeBytes, p.Alignment));
            _paramOffsets[p.Name] = offset;
            offset += p.SizeBytes;
        }
        _valueRegisters = 0;
        EmitFunction(entry, new Dictionary<string, ulong>(StringComparer.Ordinal), [], 0);
        // Every path ends with ret/exit in NVRTC's output; a last exit guards against running off the end.
        _code.Add(new PtxInstruction { Flow = PtxFlow.Exit, Guard = -1, Source = Source(entry.Line, "end of " + entry.Name) });
        int staticShared = _sharedBytes;
        long dynamicBase = (long)PtxWindows.SharedBase + ((staticShared + 15) & ~15);
        foreach (var (reg, off) in _dynamicShared) _constantList.Add((reg, (ulong)(dynamicBase + off)));
        var kernel = new PtxKernel(entry.Name, parameters, offset, staticShared, entry.MaxThreads)
        {
            Code = new PtxCode
            {
                Instructions = [.. _code],
                ValueRegisters = _valueRegisters,
                PredicateRegisters = _predicateRegisters,
                Constants = [.. _constantList],
                GlobalAddresses = [.. _globalList],
                LocalBytes = _localBytes,
                Sources = [.. _sources],
            },
        };
        return kernel;
    }

    private static int Align(int offset, int alignment) => alignment <= 1 ? offset : (offset + alignment - 1) / alignment * alignment;

    private int Source(int line, string text)
    {
        string key = $"PTX line {line}: '{text}'";
        if (!_sourceIndex.TryGetValue(key, out int i))
        {
            i = _sources.Count;
            _sources.Add(key);
            _sourceIndex[key] = i;
        }
        return i;
    }

    private int NewValue() => _valueRegisters++ * 32;

    internal int Sink => _sinkRegister >= 0 ? _sinkRegister : _sinkRegister = NewValue();

    internal int CarryRegister => _carryRegister >= 0 ? _carryRegister : _carryRegister = NewValue();

    /// <summary>A read-only register holding <paramref name="bits"/> in every lane.</summary>
    internal int Constant(ulong bits)
    {
        if (!_constants.TryGetValue(bits, out int reg))
        {
            reg = NewValue();
            _constants[bits] = reg;
            _constantList.Add((reg, bits));
        }
        return reg;
    }

    /// <summary>One inlined copy of a function: its register numbering and symbols.</summary>
    internal sealed class Frame
    {
        public required PtxFunction Function { get; init; }
        public required int[] Registers { get; init; }
        public required Dictionary<string, ulong> Symbols { get; init; }
        public List<int> Returns { get; } = [];
        public required int Depth { get; init; }
        public required HashSet<string> CallStack { get; init; }
    }

    private void EmitFunction(PtxFunction f, Dictionary<string, ulong> bound, HashSet<string> callStack, int depth)
    {
        var registers = new int[f.Registers.Count];
        for (int i = 0; i < registers.Length; i++) registers[i] = f.Registers[i].IsPredicate ? _predicateRegisters++ : NewValue();
        var symbols = new Dictionary<string, ulong>(bound, StringComparer.Ordinal);
        foreach (PtxVariable v in f.Variables)
        {
            switch (v.Space)
            {
                case "local" or "param":
                    _localBytes = Align(_localBytes, Math.Max(v.Alignment, 1));
                    symbols[v.Name] = PtxWindows.LocalBase + (ulong)_localBytes;
                    _localBytes += Math.Max(v.SizeBytes, 1);
                    break;
                case "shared":
                    symbols[v.Name] = PtxWindows.SharedBase + (ulong)SharedOffset(f.Name + "::" + v.Name, v);
                    break;
                default:
                    throw _parser.Error(f.Line, $"function-scope .{v.Space} variable {v.Name} is not supported");
            }
        }
        var frame = new Frame { Function = f, Registers = registers, Symbols = symbols, Depth = depth, CallStack = callStack };
        var starts = new int[f.Body.Count + 1];
        var branches = new List<(int Code, string Label, PtxStatement Statement)>();
        for (int i = 0; i < f.Body.Count; i++)
        {
            starts[i] = _code.Count;
            PtxStatement s = f.Body[i];
            if (s.Parts[0] == "call")
            {
                EmitCall(frame, s);
                continue;
            }
            int before = _code.Count;
            var forms = new PtxForms(this, frame, s);
            PtxInstruction ins = forms.Decode(out string? label);
            ins.Guard = s.Guard < 0 ? -1 : registers[s.Guard];
            ins.GuardNegated = s.GuardNegated;
            ins.Source = Source(s.Line, s.Text);
            if (label is not null) branches.Add((_code.Count, label, s));
            if (ins.Flow == PtxFlow.Exit && depth > 0)
            {
                // ret inside an inlined function: a branch to the end of this copy.
                if (s.Parts[0] == "ret")
                {
                    ins.Flow = PtxFlow.Branch;
                    frame.Returns.Add(_code.Count);
                }
            }
            _ = before;
            _code.Add(ins);
        }
        starts[f.Body.Count] = _code.Count;
        var code = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_code);
        foreach (var (at, label, s) in branches)
        {
            if (!f.Labels.TryGetValue(label, out int target)) throw _parser.Error(s.Line, $"branch to unknown label {label}");
            code[at].Target = starts[target];
        }
        foreach (int at in frame.Returns) code[at].Target = _code.Count;
    }

    internal int SharedOffset(string key, PtxVariable v)
    {
        if (!_sharedOffsets.TryGetValue(key, out int off))
        {
            off = Align(_sharedBytes, Math.Max(v.Alignment, 1));
            _sharedOffsets[key] = off;
            _sharedBytes = off + v.SizeBytes;
        }
        return off;
    }

    /// <summary>call[.uni] (ret, ...), name, (arg, ...): inline the callee with its parameters bound to the caller's slots.</summary>
    private void EmitCall(Frame frame, PtxStatement s)
    {
        PtxOperand[] ops = s.Operands;
        int k = 0;
        PtxOperand[] rets = [];
        if (ops[k].Kind == PtxOperandKind.List)
        {
            rets = ops[k].Elements;
            k++;
        }
        string name = ops[k].Symbol ?? throw _parser.Error(s.Line, "call without a function name");
        k++;
        PtxOperand[] args = k < ops.Length && ops[k].Kind == PtxOperandKind.List ? ops[k].Elements : [];
        if (name == "__assertfail" && !_functions.ContainsKey(name))
        {
            // assert(): the CUDA runtime's __assertfail is not in the module; failing the launch is its effect.
            int guard = s.Guard < 0 ? -1 : frame.Registers[s.Guard];
            _code.Add(new PtxInstruction { Flow = PtxFlow.Trap, Aux = 1, Guard = guard, GuardNegated = s.GuardNegated, Source = Source(s.Line, s.Text) });
            return;
        }
        if (!_functions.TryGetValue(name, out PtxFunction? callee) || !callee.HasBody)
        {
            throw _parser.Error(s.Line, name == "vprintf"
                ? "printf (vprintf) is not supported by the virtual device's PTX engine; remove the printf from the kernel"
                : $"call to {name}, which this module does not define (indirect calls and external functions are not supported)");
        }
        if (frame.CallStack.Contains(name) || frame.Depth > 16) throw _parser.Error(s.Line, $"recursive call to {name} is not supported");
        if (s.Guard >= 0) throw _parser.Error(s.Line, "a predicated call is not supported");
        if (args.Length != callee.Parameters.Count || rets.Length != callee.Returns.Count)
        {
            throw _parser.Error(s.Line, $"call to {name} passes {args.Length} arguments and {rets.Length} results; it takes {callee.Parameters.Count} and {callee.Returns.Count}");
        }
        var bound = new Dictionary<string, ulong>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++) bound[callee.Parameters[i].Name] = CallSlot(frame, args[i], s);
        for (int i = 0; i < rets.Length; i++) bound[callee.Returns[i].Name] = CallSlot(frame, rets[i], s);
        var stack = new HashSet<string>(frame.CallStack, StringComparer.Ordinal) { name };
        EmitFunction(callee, bound, stack, frame.Depth + 1);
    }

    private ulong CallSlot(Frame frame, PtxOperand op, PtxStatement s)
    {
        if (op.Kind == PtxOperandKind.Symbol && op.Symbol is { } sym && frame.Symbols.TryGetValue(sym, out ulong address)) return address;
        throw _parser.Error(s.Line, "call arguments must be .param variables of the call sequence");
    }

    /// <summary>What a symbol names, for operand decoding.</summary>
    internal enum SymbolKind
    {
        None,
        /// <summary>A local-window address (frame variable or bound parameter).</summary>
        Local,
        Shared,
        KernelParam,
        Global,
        DynamicShared,
    }

    /// <summary>The register holding a symbol's address (plus offset), and what it is.</summary>
    internal (int Register, SymbolKind Kind) SymbolAddress(Frame frame, string name, long offset, PtxStatement s)
    {
        if (frame.Symbols.TryGetValue(name, out ulong address))
        {
            ulong a = address + (ulong)offset;
            SymbolKind kind = a >= PtxWindows.SharedBase && a < PtxWindows.SharedBase + PtxWindows.WindowBytes ? SymbolKind.Shared : SymbolKind.Local;
            return (Constant(a), kind);
        }
        if (frame.Depth == 0 && _paramOffsets.TryGetValue(name, out int p))
        {
            return (Constant(PtxWindows.ParamBase + (ulong)(p + offset)), SymbolKind.KernelParam);
        }
        if (_moduleVariables.TryGetValue(name, out var mv))
        {
            PtxVariable v = mv.Variable;
            switch (v.Space)
            {
                case "shared" when v.IsExternArray:
                    {
                        int reg = NewValue();
                        _dynamicShared.Add((reg, offset));
                        return (reg, SymbolKind.DynamicShared);
                    }
                case "shared":
                    return (Constant(PtxWindows.SharedBase + (ulong)(SharedOffset("::" + name, v) + offset)), SymbolKind.Shared);
                default:
                    {
                        if (_globalRegisters.TryGetValue((mv.Index, offset), out int g)) return (g, SymbolKind.Global);
                        int reg = NewValue();
                        _globalRegisters[(mv.Index, offset)] = reg;
                        _globalList.Add((reg, mv.Index, offset));
                        return (reg, SymbolKind.Global);
                    }
            }
        }
        throw _parser.Error(s.Line, $"unknown symbol {name}");
    }

    internal PtxParser Parser => _parser;

    internal static string Invariant(long v) => v.ToString(CultureInfo.InvariantCulture);
}

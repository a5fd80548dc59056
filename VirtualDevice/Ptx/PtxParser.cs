using System.Globalization;

namespace CudaTensor.VirtualDevice.Ptx;

/// <summary>
/// PTX text to functions and module variables. Registers and function-scope variables are resolved through their
/// <c>{ }</c> scopes here (NVRTC's inline blocks re-declare <c>%r0</c>..., and every call sequence re-declares
/// <c>param0</c>), so later stages see one flat namespace per function.
/// </summary>
internal sealed class PtxParser
{
    private readonly List<PtxToken> _tokens;
    private readonly string[] _lines;
    private int _pos;

    private PtxParser(string text)
    {
        _tokens = PtxLexer.Tokenize(text);
        _lines = text.Split('\n');
    }

    public List<PtxFunction> Functions { get; } = [];

    public List<PtxVariable> ModuleVariables { get; } = [];

    public static PtxParser Parse(string text)
    {
        var parser = new PtxParser(text);
        parser.ParseModule();
        return parser;
    }

    public string LineText(int line) => line >= 1 && line <= _lines.Length ? _lines[line - 1].Trim() : "";

    public PtxLoadException Error(int line, string what) => new($"PTX line {line}: {what}: '{LineText(line)}'");

    private PtxToken Peek(int ahead = 0) => _pos + ahead < _tokens.Count ? _tokens[_pos + ahead] : new PtxToken("", _tokens.Count > 0 ? _tokens[^1].Line : 0);

    private bool AtEnd => _pos >= _tokens.Count;

    private PtxToken Next()
    {
        if (AtEnd) throw Error(Peek().Line, "unexpected end of the module");
        return _tokens[_pos++];
    }

    private void Expect(string text)
    {
        PtxToken t = Next();
        if (t.Text != text) throw Error(t.Line, $"expected '{text}' but found '{t.Text}'");
    }

    private bool Accept(string text)
    {
        if (!AtEnd && Peek().Text == text)
        {
            _pos++;
            return true;
        }
        return false;
    }

    private void ParseModule()
    {
        while (!AtEnd)
        {
            PtxToken t = Peek();
            switch (t.Text)
            {
                case ".version" or ".target" or ".address_size":
                    SkipLine(t.Line);
                    break;
                case ".file" or ".section":
                    SkipStatement();
                    break;
                case ".visible" or ".extern" or ".weak" or ".common":
                    _pos++;
                    if (t.Text == ".extern" && Peek().Text is ".shared" or ".global" or ".const")
                    {
                        ModuleVariables.Add(ParseVariable(isExtern: true));
                    }
                    break;
                case ".entry" or ".func":
                    ParseFunction();
                    break;
                case ".global" or ".const" or ".shared":
                    ModuleVariables.Add(ParseVariable(isExtern: false));
                    break;
                default:
                    throw Error(t.Line, $"unexpected '{t.Text}' at module scope");
            }
        }
    }

    private void SkipLine(int line)
    {
        while (!AtEnd && Peek().Line == line) _pos++;
    }

    private void SkipStatement()
    {
        while (!AtEnd && Next().Text != ";")
        {
        }
    }

    /// <summary><c>.space [.align N] [.vN] .type name[N]... [= init];</c> (the leading .extern already consumed).</summary>
    private PtxVariable ParseVariable(bool isExtern, string? renamed = null)
    {
        PtxToken first = Next();
        string space = first.Text[1..];
        int align = 0;
        int vector = 1;
        int elementSize = 0;
        bool isFloat = false;
        while (Peek().Text.StartsWith('.'))
        {
            string d = Next().Text;
            if (d == ".align") align = (int)ParseInteger(Next());
            else if (d is ".v2" or ".v4" or ".v8") vector = d[2] - '0';
            else if (d == ".ptr") { }
            else if (PtxTypes.TryParse(d[1..], out PtxType type))
            {
                elementSize = type.Size();
                isFloat = type.IsFloat();
            }
        }
        if (elementSize == 0) throw Error(first.Line, "variable without a type");
        PtxToken nameToken = Next();
        string name = nameToken.Text;
        long count = 1;
        bool externArray = false;
        while (Accept("["))
        {
            if (Accept("]"))
            {
                externArray = true;
                count = 0;
                continue;
            }
            count *= ParseInteger(Next());
            Expect("]");
        }
        int size = checked((int)(count * elementSize * vector));
        byte[]? init = null;
        if (Accept("="))
        {
            init = new byte[size];
            int offset = 0;
            ParseInitializer(init, ref offset, elementSize, isFloat, first.Line);
        }
        Expect(";");
        return new PtxVariable(renamed ?? name, space, size, align == 0 ? elementSize * vector : align, init, externArray || (isExtern && count == 0));
    }

    private void ParseInitializer(byte[] into, ref int offset, int elementSize, bool isFloat, int line)
    {
        if (Accept("{"))
        {
            do
            {
                ParseInitializer(into, ref offset, elementSize, isFloat, line);
            }
            while (Accept(","));
            Expect("}");
            return;
        }
        bool negative = Accept("-");
        PtxToken t = Next();
        if (!char.IsAsciiDigit(t.Text[0])) throw Error(t.Line, $"initializer '{t.Text}' is not a number (addresses in initializers are not supported)");
        (ulong bits, PtxLiteral kind) = ParseNumber(t, negative);
        ulong value = PtxLiterals.Convert(bits, kind, isFloat ? (elementSize == 4 ? PtxType.F32 : elementSize == 2 ? PtxType.F16 : PtxType.F64) : PtxType.B64);
        if (offset + elementSize > into.Length) throw Error(line, "initializer longer than the variable");
        for (int b = 0; b < elementSize; b++) into[offset + b] = (byte)(value >> (8 * b));
        offset += elementSize;
    }

    private long ParseInteger(PtxToken t)
    {
        (ulong bits, PtxLiteral kind) = ParseNumber(t, false);
        if (kind != PtxLiteral.Integer) throw Error(t.Line, $"expected an integer, found '{t.Text}'");
        return (long)bits;
    }

    private (ulong Bits, PtxLiteral Kind) ParseNumber(PtxToken t, bool negative)
    {
        string s = t.Text;
        ulong bits;
        PtxLiteral kind = PtxLiteral.Integer;
        try
        {
            if (s.Length > 2 && s[0] == '0' && (s[1] is 'f' or 'F'))
            {
                bits = ulong.Parse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                kind = PtxLiteral.Float32;
                if (negative) bits ^= 0x8000_0000;
                return (bits, kind);
            }
            if (s.Length > 2 && s[0] == '0' && (s[1] is 'd' or 'D'))
            {
                bits = ulong.Parse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                kind = PtxLiteral.Float64;
                if (negative) bits ^= 0x8000_0000_0000_0000;
                return (bits, kind);
            }
            string digits = s.TrimEnd('U', 'u');
            if (digits.Length > 2 && digits[0] == '0' && (digits[1] is 'x' or 'X'))
            {
                bits = ulong.Parse(digits.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
            else if (digits.Contains('.') || digits.Contains('e') || digits.Contains('E'))
            {
                double d = double.Parse(digits, CultureInfo.InvariantCulture);
                return ((ulong)BitConverter.DoubleToInt64Bits(negative ? -d : d), PtxLiteral.Decimal);
            }
            else if (digits.Length > 1 && digits[0] == '0' && digits.All(char.IsAsciiDigit))
            {
                bits = Convert.ToUInt64(digits, 8);
            }
            else
            {
                bits = ulong.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
            }
        }
        catch (FormatException)
        {
            throw Error(t.Line, $"'{s}' is not a number");
        }
        catch (OverflowException)
        {
            throw Error(t.Line, $"'{s}' does not fit in 64 bits");
        }
        return (negative ? (ulong)-(long)bits : bits, kind);
    }

    // ---- functions ----

    private sealed class Scope
    {
        public Dictionary<string, int> Registers { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> Variables { get; } = new(StringComparer.Ordinal);
    }

    private readonly List<Scope> _scopes = [];
    private PtxFunction? _function;

    private void ParseFunction()
    {
        PtxToken kw = Next();
        bool isEntry = kw.Text == ".entry";
        var returns = new List<PtxVariable>();
        if (Peek().Text == "(")
        {
            _pos++;
            returns.AddRange(ParseParameterList());
        }
        PtxToken name = Next();
        var function = new PtxFunction { Name = name.Text, IsEntry = isEntry, Line = kw.Line };
        function.Returns.AddRange(returns);
        if (Accept("("))
        {
            function.Parameters.AddRange(ParseParameterList());
        }
        while (Peek().Text.StartsWith('.') && Peek().Text is ".maxntid" or ".reqntid" or ".minnctapersm" or ".maxnreg" or ".noreturn" or ".maxclusterrank" or ".reqnctapercluster" or ".explicitcluster")
        {
            string d = Next().Text;
            long product = 1;
            while (char.IsAsciiDigit(Peek().Text.FirstOrDefault()))
            {
                product *= ParseInteger(Next());
                if (!Accept(",")) break;
            }
            if (d is ".maxntid" or ".reqntid") function.MaxThreads = (int)product;
        }
        if (Accept(";"))
        {
            // A prototype; the definition follows later in the module.
            return;
        }
        // A definition replaces an earlier prototype of the same name.
        Functions.RemoveAll(f => f.Name == function.Name && !f.HasBody);
        function.HasBody = true;
        _function = function;
        _scopes.Clear();
        var root = new Scope();
        foreach (var p in function.Parameters.Concat(function.Returns)) root.Variables[p.Name] = p.Name;
        _scopes.Add(root);
        Expect("{");
        ParseBlockBody();
        _function = null;
        Functions.Add(function);
    }

    private List<PtxVariable> ParseParameterList()
    {
        var list = new List<PtxVariable>();
        if (Accept(")")) return list;
        do
        {
            if (Peek().Text != ".param" && Peek().Text != ".reg") throw Error(Peek().Line, $"expected a parameter, found '{Peek().Text}'");
            list.Add(ParseParameter());
        }
        while (Accept(","));
        Expect(")");
        return list;
    }

    private PtxVariable ParseParameter()
    {
        PtxToken first = Next();
        int align = 0;
        int elementSize = 0;
        while (Peek().Text.StartsWith('.'))
        {
            string d = Next().Text;
            if (d == ".align") align = (int)ParseInteger(Next());
            else if (PtxTypes.TryParse(d[1..], out PtxType type)) elementSize = type.Size();
        }
        if (elementSize == 0) throw Error(first.Line, "parameter without a type");
        string name = Next().Text;
        long count = 1;
        while (Accept("["))
        {
            count *= ParseInteger(Next());
            Expect("]");
        }
        int size = checked((int)(count * elementSize));
        return new PtxVariable(name, "param", size, align == 0 ? elementSize : align, null, false);
    }

    /// <summary>Statements up to the matching '}' (already inside '{').</summary>
    private void ParseBlockBody()
    {
        PtxFunction f = _function!;
        while (true)
        {
            PtxToken t = Peek();
            if (AtEnd) throw Error(t.Line, $"function {f.Name} has no closing brace");
            if (t.Text == "}")
            {
                _pos++;
                return;
            }
            if (t.Text == "{")
            {
                _pos++;
                _scopes.Add(new Scope());
                ParseBlockBody();
                _scopes.RemoveAt(_scopes.Count - 1);
                continue;
            }
            if (Peek(1).Text == ":" && !t.Text.StartsWith('.') && !t.Text.StartsWith('%'))
            {
                f.Labels[t.Text] = f.Body.Count;
                _pos += 2;
                continue;
            }
            switch (t.Text)
            {
                case ".reg":
                    ParseRegisters();
                    continue;
                case ".local" or ".shared" or ".param" or ".global" or ".const":
                    DeclareVariable();
                    continue;
                case ".pragma" or ".loc" or ".file" or ".section":
                    SkipStatement();
                    continue;
            }
            f.Body.Add(ParseInstruction());
        }
    }

    private void ParseRegisters()
    {
        PtxToken first = Next();
        bool isPredicate = false;
        while (Peek().Text.StartsWith('.'))
        {
            string d = Next().Text;
            if (d == ".pred") isPredicate = true;
        }
        do
        {
            string name = Next().Text;
            if (Accept("<"))
            {
                long n = ParseInteger(Next());
                Expect(">");
                for (int i = 0; i < n; i++) DeclareRegister(name + i.ToString(CultureInfo.InvariantCulture), isPredicate);
            }
            else
            {
                DeclareRegister(name, isPredicate);
            }
        }
        while (Accept(","));
        Expect(";");
        _ = first;
    }

    private void DeclareRegister(string name, bool isPredicate)
    {
        PtxFunction f = _function!;
        _scopes[^1].Registers[name] = f.Registers.Count;
        f.Registers.Add(new PtxRegister(name, isPredicate));
    }

    private void DeclareVariable()
    {
        PtxFunction f = _function!;
        string name = Peek(NameOffset()).Text;
        // Nested scopes re-declare names (every call sequence has its own param0): give each declaration its own name.
        string unique = f.Variables.Any(v => v.Name == name) ? $"{name}~{f.Variables.Count}" : name;
        PtxVariable v = ParseVariable(isExtern: false, unique);
        _scopes[^1].Variables[name] = unique;
        f.Variables.Add(v);
    }

    /// <summary>How many tokens ahead the declared name is (after the space and its qualifiers).</summary>
    private int NameOffset()
    {
        int k = 1;
        while (Peek(k).Text.StartsWith('.'))
        {
            k += Peek(k).Text == ".align" ? 2 : 1;
        }
        return k;
    }

    private int? LookupRegister(string name)
    {
        for (int s = _scopes.Count - 1; s >= 0; s--)
        {
            if (_scopes[s].Registers.TryGetValue(name, out int id)) return id;
        }
        return null;
    }

    private string LookupSymbol(string name)
    {
        for (int s = _scopes.Count - 1; s >= 0; s--)
        {
            if (_scopes[s].Variables.TryGetValue(name, out string? unique)) return unique;
        }
        return name;
    }

    private PtxStatement ParseInstruction()
    {
        PtxToken first = Peek();
        int guard = -1;
        bool guardNegated = false;
        if (Accept("@"))
        {
            guardNegated = Accept("!");
            PtxToken g = Next();
            guard = LookupRegister(g.Text) ?? throw Error(g.Line, $"guard '{g.Text}' is not a declared predicate");
        }
        PtxToken op = Next();
        if (!char.IsAsciiLetter(op.Text[0])) throw Error(op.Line, $"'{op.Text}' is not an instruction");
        var operands = new List<PtxOperand>();
        if (!Accept(";"))
        {
            do
            {
                operands.Add(ParseOperand());
            }
            while (Accept(","));
            Expect(";");
        }
        int lastLine = _tokens[_pos - 1].Line;
        string text = first.Line == lastLine ? LineText(first.Line)
            : string.Join(' ', Enumerable.Range(first.Line, lastLine - first.Line + 1).Select(LineText));
        return new PtxStatement
        {
            Parts = op.Text.Split('.'),
            Guard = guard,
            GuardNegated = guardNegated,
            Operands = [.. operands],
            Line = first.Line,
            Text = text,
        };
    }

    private PtxOperand ParseOperand()
    {
        PtxOperand single = ParseSingleOperand();
        if (Accept("|"))
        {
            // shfl/setp: a value destination and a predicate destination.
            return new PtxOperand(PtxOperandKind.List) { Elements = [single, ParseSingleOperand()] };
        }
        return single;
    }

    private PtxOperand ParseSingleOperand()
    {
        PtxToken t = Peek();
        if (Accept("{") || Accept("("))
        {
            string close = t.Text == "{" ? "}" : ")";
            var elements = new List<PtxOperand>();
            if (!Accept(close))
            {
                do
                {
                    elements.Add(ParseSingleOperand());
                }
                while (Accept(","));
                Expect(close);
            }
            return new PtxOperand(PtxOperandKind.List) { Elements = [.. elements] };
        }
        if (Accept("["))
        {
            int reg = -1;
            string? symbol = null;
            long offset = 0;
            PtxToken b = Peek();
            if (char.IsAsciiDigit(b.Text[0]) || b.Text == "-")
            {
                offset = SignedInteger();
            }
            else
            {
                _pos++;
                if (LookupRegister(b.Text) is { } r) reg = r;
                else symbol = LookupSymbol(b.Text);
                if (Accept("+")) offset = SignedInteger();
                else if (Peek().Text == "-") offset = SignedInteger();
            }
            Expect("]");
            return new PtxOperand(PtxOperandKind.Address) { Register = reg, Symbol = symbol, Offset = offset };
        }
        if (Accept("!"))
        {
            PtxToken p = Next();
            int id = LookupRegister(p.Text) ?? throw Error(p.Line, $"'{p.Text}' is not a declared predicate");
            return new PtxOperand(PtxOperandKind.Register) { Register = id, Negated = true };
        }
        if (t.Text == "-" || char.IsAsciiDigit(t.Text[0]))
        {
            bool negative = Accept("-");
            (ulong bits, PtxLiteral kind) = ParseNumber(Next(), negative);
            return new PtxOperand(PtxOperandKind.Immediate) { Bits = bits, Literal = kind };
        }
        _pos++;
        if (t.Text == "_") return new PtxOperand(PtxOperandKind.Sink);
        if (LookupRegister(t.Text) is { } id2) return new PtxOperand(PtxOperandKind.Register) { Register = id2 };
        string sym = LookupSymbol(t.Text);
        long symOffset = 0;
        if (Peek().Text == "+" && (char.IsAsciiDigit(Peek(1).Text[0]) || Peek(1).Text == "-"))
        {
            _pos++;
            symOffset = SignedInteger();
        }
        return new PtxOperand(PtxOperandKind.Symbol) { Symbol = sym, Offset = symOffset };
    }

    private long SignedInteger()
    {
        bool negative = Accept("-");
        long v = ParseInteger(Next());
        return negative ? -v : v;
    }
}

using CudaTensor.Ops;

namespace CudaTensor.Compilation.Fusion;

/// <summary>
/// Builds an <see cref="ElementwiseProgram"/> one value at a time. Each method returns the new value's number.
/// Identical instructions are defined once (the same op of the same operands is one value), and a predicate of an
/// integer or Bool value becomes its constant answer, as the backends compute it.
/// </summary>
internal sealed class ElementwiseProgramBuilder
{
    private readonly List<DType> _inputs = [];
    private readonly List<FusedInstruction> _instructions = [];
    private readonly List<int> _outputs = [];
    private readonly Dictionary<FusedInstruction, int> _defined = [];

    /// <summary>Number of values defined so far.</summary>
    public int Count => _instructions.Count;

    /// <summary>The dtype of value <paramref name="v"/>.</summary>
    public DType TypeOf(int v) => _instructions[v].DType;

    /// <summary>A new input operand of <paramref name="dtype"/> (input number = how many inputs came before).</summary>
    public int Input(DType dtype)
    {
        _inputs.Add(dtype);
        return Add(new FusedInstruction(FusedOpKind.Input, dtype, A: _inputs.Count - 1));
    }

    /// <summary>The number <paramref name="value"/> stored in <paramref name="dtype"/> as the backends' Fill stores it.</summary>
    public int Constant(Scalar value, DType dtype) => Add(new FusedInstruction(FusedOpKind.Constant, dtype, Bits: FusedInstruction.ConstantBits(value, dtype)));

    /// <summary><paramref name="op"/>(<paramref name="x"/>; p0, p1), in x's dtype.</summary>
    public int Unary(UnaryOp op, int x, double p0 = 0, double p1 = 0)
        => Add(new FusedInstruction(FusedOpKind.Unary, TypeOf(x), A: x, Op: (int)op, P0: p0, P1: p1));

    /// <summary><paramref name="op"/>(<paramref name="x"/>), Bool; integer and Bool inputs give the op's constant answer.</summary>
    public int Predicate(PredicateOp op, int x)
        => TypeOf(x).IsFloatingPoint()
            ? Add(new FusedInstruction(FusedOpKind.Predicate, DType.Bool, A: x, Op: (int)op))
            : Constant(OpTable.Of(op).IntegerAnswer, DType.Bool);

    /// <summary><paramref name="a"/> op <paramref name="b"/> (same dtype); comparisons and logical ops give Bool.</summary>
    public int Binary(BinaryOp op, int a, int b)
        => Add(new FusedInstruction(FusedOpKind.Binary, OpTable.Of(op).BoolOutput ? DType.Bool : TypeOf(a), A: a, B: b, Op: (int)op));

    /// <summary><paramref name="cond"/> ? <paramref name="a"/> : <paramref name="b"/>.</summary>
    public int Where(int cond, int a, int b) => Add(new FusedInstruction(FusedOpKind.Where, TypeOf(a), A: cond, B: a, C: b));

    /// <summary><paramref name="x"/> converted to <paramref name="dtype"/> (itself when it already is).</summary>
    public int Cast(int x, DType dtype) => TypeOf(x) == dtype ? x : Add(new FusedInstruction(FusedOpKind.Cast, dtype, A: x));

    /// <summary>Marks <paramref name="v"/> as the next output.</summary>
    public void Output(int v)
    {
        if (v < 0 || v >= _instructions.Count) throw new ArgumentOutOfRangeException(nameof(v), v, $"Output: %{v} is not a defined value (0..{_instructions.Count - 1}).");
        _outputs.Add(v);
    }

    /// <summary>The program (validated). Values no output depends on are dropped, and the rest renumbered.</summary>
    /// <exception cref="ArgumentException">The program is invalid (see <see cref="ElementwiseProgram"/>).</exception>
    public ElementwiseProgram Build()
    {
        // Dead values out (inputs stay: the caller's operand list is fixed).
        var live = new bool[_instructions.Count];
        foreach (int o in _outputs) if (o >= 0 && o < live.Length) live[o] = true;
        for (int i = _instructions.Count - 1; i >= 0; i--)
        {
            var ins = _instructions[i];
            if (ins.Kind == FusedOpKind.Input) live[i] = true;
            if (!live[i]) continue;
            for (int k = 0; k < ins.OperandCount; k++) if ((uint)ins.Operand(k) < (uint)i) live[ins.Operand(k)] = true;
        }
        var map = new int[_instructions.Count];
        var kept = new List<FusedInstruction>();
        for (int i = 0; i < _instructions.Count; i++)
        {
            if (!live[i]) { map[i] = -1; continue; }
            var ins = _instructions[i];
            int M(int v) => v >= 0 && v < i ? map[v] : v;
            if (ins.Kind != FusedOpKind.Input) ins = ins with { A = M(ins.A), B = M(ins.B), C = M(ins.C) };
            map[i] = kept.Count;
            kept.Add(ins);
        }
        return new ElementwiseProgram(_inputs, kept, [.. _outputs.Select(o => o >= 0 && o < map.Length ? map[o] : o)]);
    }

    private int Add(FusedInstruction ins)
    {
        if (ins.Kind != FusedOpKind.Input && _defined.TryGetValue(ins, out int existing)) return existing;
        _instructions.Add(ins);
        int v = _instructions.Count - 1;
        if (ins.Kind != FusedOpKind.Input) _defined[ins] = v;
        return v;
    }
}

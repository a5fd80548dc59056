using System.Text;
using CudaTensor.Ops;

namespace CudaTensor.Compilation.Fusion;

/// <summary>
/// A fused elementwise computation: a list of instructions in SSA form (<see cref="FusedInstruction"/>) over
/// <see cref="Inputs"/> operands, each with its own dtype, producing one or more <see cref="Outputs"/>. Every value is
/// evaluated per element of one output shape: the executors receive each input already broadcast to that shape
/// (stride 0 where expanded), so a program says nothing about shapes and one program serves every shape.
/// Immutable and validated on construction: the executors trust it.
/// </summary>
internal sealed class ElementwiseProgram
{
    private readonly FusedInstruction[] _instructions;
    private readonly int[] _outputs;
    private readonly DType[] _inputs;
    private string? _text;

    /// <summary>Creates and validates a program.</summary>
    /// <exception cref="ArgumentException">The program is malformed; the message names the instruction and the rule.</exception>
    public ElementwiseProgram(IReadOnlyList<DType> inputs, IReadOnlyList<FusedInstruction> instructions, IReadOnlyList<int> outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(instructions);
        ArgumentNullException.ThrowIfNull(outputs);
        _inputs = [.. inputs];
        _instructions = [.. instructions];
        _outputs = [.. outputs];
        Validate();
    }

    /// <summary>The dtype of each input operand.</summary>
    public IReadOnlyList<DType> Inputs => _inputs;

    /// <summary>The instructions; instruction i defines value i.</summary>
    public IReadOnlyList<FusedInstruction> Instructions => _instructions;

    /// <summary>The value number of each output, in order.</summary>
    public IReadOnlyList<int> Outputs => _outputs;

    /// <summary>The dtype of output <paramref name="k"/>.</summary>
    public DType OutputType(int k) => _instructions[_outputs[k]].DType;

    /// <summary>The last instruction that reads each value (outputs count as read at the end), or -1 for unused values.</summary>
    public int[] LastUses()
    {
        var last = new int[_instructions.Length];
        Array.Fill(last, -1);
        for (int i = 0; i < _instructions.Length; i++)
        {
            var ins = _instructions[i];
            for (int k = 0; k < ins.OperandCount; k++) last[ins.Operand(k)] = i;
        }
        foreach (int o in _outputs) last[o] = _instructions.Length;
        return last;
    }

    /// <summary>Whether any instruction or output reads input <paramref name="k"/> (an expression may ignore an argument).</summary>
    public bool ReadsInput(int k)
    {
        var last = LastUses();
        for (int i = 0; i < _instructions.Length; i++)
        {
            if (_instructions[i].Kind == FusedOpKind.Input && _instructions[i].A == k && last[i] >= 0) return true;
        }
        return false;
    }

    /// <summary>One instruction a line, then the outputs: the program's identity for caches, and what Explain prints.</summary>
    public override string ToString()
    {
        if (_text is not null) return _text;
        var sb = new StringBuilder();
        sb.Append("inputs: ").AppendJoin(", ", _inputs.Select(d => d.Name())).Append('\n');
        for (int i = 0; i < _instructions.Length; i++) sb.Append(_instructions[i].Format(i)).Append('\n');
        sb.Append("outputs: ").AppendJoin(", ", _outputs.Select(o => "%" + o));
        return _text = sb.ToString();
    }

    private void Validate()
    {
        if (_instructions.Length == 0) throw Bad("it has no instructions");
        if (_outputs.Length == 0) throw Bad("it has no outputs; name at least one value with Output()");
        for (int i = 0; i < _instructions.Length; i++)
        {
            var ins = _instructions[i];
            if (!Enum.IsDefined(ins.DType)) throw Bad($"%{i} has no valid dtype ({(int)ins.DType})");
            for (int k = 0; k < ins.OperandCount; k++)
            {
                int v = ins.Operand(k);
                if (v < 0 || v >= i) throw Bad($"%{i} ({ins.Kind}) reads %{v}, which is not defined before it (operands must come earlier)");
            }
            DType TypeOf(int v) => _instructions[v].DType;
            switch (ins.Kind)
            {
                case FusedOpKind.Input:
                    if (ins.A < 0 || ins.A >= _inputs.Length) throw Bad($"%{i} reads input {ins.A}, but the program has {_inputs.Length} inputs");
                    if (_inputs[ins.A] != ins.DType) throw Bad($"%{i} reads input {ins.A} as {ins.DType.Name()}, but that input is {_inputs[ins.A].Name()}");
                    break;
                case FusedOpKind.Constant:
                    break;
                case FusedOpKind.Unary:
                    if (!Enum.IsDefined(ins.UnaryOp)) throw Bad($"%{i} is an unknown unary op ({ins.Op})");
                    if (TypeOf(ins.A) != ins.DType) throw Bad($"%{i} ({ins.UnaryOp}) is {ins.DType.Name()} but reads %{ins.A} of {TypeOf(ins.A).Name()}; insert a Cast");
                    if (ins.DType == DType.Bool || (ins.UnaryOp.NeedsFloat() && !ins.DType.IsFloatingPoint()))
                        throw Bad($"%{i} ({ins.UnaryOp}) is not defined for {ins.DType.Name()}" + (ins.UnaryOp.NeedsFloat() ? "; cast to a floating dtype first" : ""));
                    break;
                case FusedOpKind.Predicate:
                    if (!Enum.IsDefined(ins.PredicateOp)) throw Bad($"%{i} is an unknown predicate ({ins.Op})");
                    if (ins.DType != DType.Bool) throw Bad($"%{i} ({ins.PredicateOp}) must be bool");
                    if (!TypeOf(ins.A).IsFloatingPoint()) throw Bad($"%{i} ({ins.PredicateOp}) reads %{ins.A} of {TypeOf(ins.A).Name()}; predicates of integers are constants");
                    break;
                case FusedOpKind.Binary:
                {
                    if (!Enum.IsDefined(ins.BinaryOp)) throw Bad($"%{i} is an unknown binary op ({ins.Op})");
                    DType a = TypeOf(ins.A), b = TypeOf(ins.B);
                    if (a != b) throw Bad($"%{i} ({ins.BinaryOp}) reads %{ins.A} of {a.Name()} and %{ins.B} of {b.Name()}; operands must share a dtype (cast one)");
                    var row = OpTable.Of(ins.BinaryOp);
                    if (row.IsLogical && a != DType.Bool) throw Bad($"%{i} ({ins.BinaryOp}) reads {a.Name()} operands; logical ops read bool");
                    DType expected = row.BoolOutput ? DType.Bool : a;
                    if (ins.DType != expected) throw Bad($"%{i} ({ins.BinaryOp}) of {a.Name()} operands gives {expected.Name()}, not {ins.DType.Name()}");
                    break;
                }
                case FusedOpKind.Where:
                    if (TypeOf(ins.A) != DType.Bool) throw Bad($"%{i} (Where) has a {TypeOf(ins.A).Name()} condition %{ins.A}; the condition must be bool");
                    if (TypeOf(ins.B) != ins.DType || TypeOf(ins.C) != ins.DType)
                        throw Bad($"%{i} (Where) is {ins.DType.Name()} but its branches are {TypeOf(ins.B).Name()} and {TypeOf(ins.C).Name()}; cast them");
                    break;
                case FusedOpKind.Cast:
                    break;
                default:
                    throw Bad($"%{i} has an unknown kind ({(int)ins.Kind})");
            }
        }
        foreach (int o in _outputs)
        {
            if (o < 0 || o >= _instructions.Length) throw Bad($"output %{o} is not a value of the program ({_instructions.Length} instructions)");
        }
    }

    private ArgumentException Bad(string why) => new($"Invalid elementwise program: {why}.\n{Listing()}");

    private string Listing()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < _instructions.Length; i++) sb.Append("  ").Append(_instructions[i].Format(i)).Append('\n');
        return sb.ToString();
    }
}

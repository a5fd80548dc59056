namespace CudaTensor.VirtualDevice.Ptx;

/// <summary>What an operand of a parsed instruction is.</summary>
internal enum PtxOperandKind
{
    /// <summary>A register (value or predicate), possibly negated with <c>!</c>.</summary>
    Register,
    /// <summary>An integer or float literal (bits in <see cref="PtxOperand.Bits"/>).</summary>
    Immediate,
    /// <summary>A name: a variable (its address), a label, a function or a special register.</summary>
    Symbol,
    /// <summary><c>[base+offset]</c>: the base is a register, a symbol or nothing (absolute).</summary>
    Address,
    /// <summary><c>{a, b, ...}</c> (vector) or <c>a|b</c> (value and predicate) or <c>(a, b)</c> (call arguments).</summary>
    List,
    /// <summary><c>_</c>: a destination nobody reads.</summary>
    Sink,
}

/// <summary>How a literal was written, which decides how it converts to the instruction's type.</summary>
internal enum PtxLiteral
{
    Integer,
    /// <summary><c>0fXXXXXXXX</c>: single-precision bits.</summary>
    Float32,
    /// <summary><c>0dXXXXXXXXXXXXXXXX</c>: double-precision bits.</summary>
    Float64,
    /// <summary>A decimal with a point or exponent (bits hold a double).</summary>
    Decimal,
}

/// <summary>One parsed operand.</summary>
internal sealed record PtxOperand(PtxOperandKind Kind)
{
    public int Register { get; init; } = -1;
    public bool Negated { get; init; }
    public ulong Bits { get; init; }
    public PtxLiteral Literal { get; init; }
    public string? Symbol { get; init; }
    public long Offset { get; init; }
    public PtxOperand[] Elements { get; init; } = [];
}

/// <summary>A parsed instruction: its dotted opcode split into parts, guard and operands, with where it came from.</summary>
internal sealed class PtxStatement
{
    public required string[] Parts { get; init; }
    public int Guard { get; init; } = -1;
    public bool GuardNegated { get; init; }
    public required PtxOperand[] Operands { get; init; }
    public required int Line { get; init; }
    public required string Text { get; init; }
}

/// <summary>A declared variable: module or function scope; <see cref="Space"/> is global, const, shared, local or param.</summary>
internal sealed record PtxVariable(string Name, string Space, int SizeBytes, int Alignment, byte[]? Initializer, bool IsExternArray);

/// <summary>A register declared in a function (a scope's <c>.reg</c>); ids are per function, in declaration order.</summary>
internal readonly record struct PtxRegister(string Name, bool IsPredicate);

/// <summary>A parsed <c>.entry</c> or <c>.func</c>, registers already resolved through their scopes.</summary>
internal sealed class PtxFunction
{
    public required string Name { get; init; }
    public required bool IsEntry { get; init; }
    public List<PtxVariable> Parameters { get; } = [];
    public List<PtxVariable> Returns { get; } = [];
    public List<PtxStatement> Body { get; } = [];
    public List<PtxRegister> Registers { get; } = [];
    /// <summary>Function-scope variables (.local depots, .shared statics, call-sequence .param).</summary>
    public List<PtxVariable> Variables { get; } = [];
    /// <summary>Label name to the index of the statement that follows it.</summary>
    public Dictionary<string, int> Labels { get; } = new(StringComparer.Ordinal);
    public int? MaxThreads { get; set; }
    public bool HasBody { get; set; }
    public int Line { get; init; }
}

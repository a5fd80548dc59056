using System.Globalization;
using CudaTensor.Ops;

namespace CudaTensor.Compilation.Fusion;

/// <summary>What one instruction of an <see cref="ElementwiseProgram"/> computes.</summary>
internal enum FusedOpKind
{
    /// <summary>Element of input operand <see cref="FusedInstruction.A"/>, in that input's dtype.</summary>
    Input,
    /// <summary>A number (<see cref="FusedInstruction.Bits"/>, the element's bit pattern in the instruction's dtype).</summary>
    Constant,
    /// <summary>A <see cref="UnaryOp"/> of A with parameters P0, P1; operand and result share the dtype.</summary>
    Unary,
    /// <summary>A <see cref="PredicateOp"/> of the floating A; Bool result.</summary>
    Predicate,
    /// <summary>A <see cref="BinaryOp"/> of A and B (one dtype); comparisons and logical ops give Bool.</summary>
    Binary,
    /// <summary>A (Bool) ? B : C; B, C and the result share the dtype.</summary>
    Where,
    /// <summary>A converted to the instruction's dtype, as <c>Tensor.To</c>: truncation toward zero, non-zero to true.</summary>
    Cast,
}

/// <summary>
/// One instruction of a fused elementwise program, in static single-assignment form: it defines value number
/// <c>i</c> (its index in the program) from values defined before it. <see cref="DType"/> is the result's dtype.
/// </summary>
/// <param name="Kind">What is computed.</param>
/// <param name="DType">The result's dtype.</param>
/// <param name="A">First operand (a value number), or the input index of an <see cref="FusedOpKind.Input"/>.</param>
/// <param name="B">Second operand, or -1.</param>
/// <param name="C">Third operand (Where's false branch), or -1.</param>
/// <param name="Op">The <see cref="UnaryOp"/>, <see cref="BinaryOp"/> or <see cref="PredicateOp"/> as its number.</param>
/// <param name="P0">First parameter of a unary op (LeakyRelu's slope, Clamp's lower bound, Softplus's beta).</param>
/// <param name="P1">Second parameter of a unary op.</param>
/// <param name="Bits">A constant's bits in its dtype (float: the IEEE bits in the low 32 bits; Bool: 0 or 1).</param>
internal readonly record struct FusedInstruction(FusedOpKind Kind, DType DType, int A = -1, int B = -1, int C = -1, int Op = 0, double P0 = 0, double P1 = 0, long Bits = 0)
{
    public UnaryOp UnaryOp => (UnaryOp)Op;
    public BinaryOp BinaryOp => (BinaryOp)Op;
    public PredicateOp PredicateOp => (PredicateOp)Op;

    /// <summary>The value numbers this instruction reads (none for inputs and constants).</summary>
    public int OperandCount => Kind switch
    {
        FusedOpKind.Input or FusedOpKind.Constant => 0,
        FusedOpKind.Binary => 2,
        FusedOpKind.Where => 3,
        _ => 1,
    };

    /// <summary>Operand <paramref name="k"/> (0, 1 or 2) as a value number.</summary>
    public int Operand(int k) => k switch { 0 => A, 1 => B, _ => C };

    /// <summary>The instruction's constant as a double (exact for every dtype but Int64 beyond 2^53).</summary>
    public double ConstantAsDouble => DType switch
    {
        DType.Float32 => BitConverter.Int32BitsToSingle((int)Bits),
        DType.Float64 => BitConverter.Int64BitsToDouble(Bits),
        _ => Bits,
    };

    /// <summary>A line of <see cref="ElementwiseProgram.ToString"/>: <c>%3 = Mul float32 %1, %2</c>.</summary>
    public string Format(int index)
    {
        var ci = CultureInfo.InvariantCulture;
        string head = $"%{index} = ";
        string type = DType.Name();
        return Kind switch
        {
            FusedOpKind.Input => $"{head}input {A} {type}",
            FusedOpKind.Constant => $"{head}const {type} {ConstantAsDouble.ToString("R", ci)}",
            FusedOpKind.Unary => $"{head}{UnaryOp} {type} %{A}" + (OpTable.Of(UnaryOp).P0 is null ? "" : $" ({P0.ToString("R", ci)}, {P1.ToString("R", ci)})"),
            FusedOpKind.Predicate => $"{head}{PredicateOp} {type} %{A}",
            FusedOpKind.Binary => $"{head}{BinaryOp} {type} %{A}, %{B}",
            FusedOpKind.Where => $"{head}Where {type} %{A}, %{B}, %{C}",
            _ => $"{head}Cast {type} %{A}",
        };
    }

    /// <summary>
    /// The bits of <paramref name="value"/> stored in <paramref name="dtype"/> exactly as the backends' Fill stores it:
    /// an integer meant for Float32 converts to float directly (through double it could round twice), floating to
    /// integer truncates, anything to Bool is non-zero.
    /// </summary>
    public static long ConstantBits(Scalar value, DType dtype) => dtype switch
    {
        DType.Float32 => BitConverter.SingleToInt32Bits(value.IsFloatingPoint ? (float)value.ToDouble() : value.ToInt64()),
        DType.Float64 => BitConverter.DoubleToInt64Bits(value.ToDouble()),
        DType.Int32 => (int)value.ToInt64(),
        DType.Int64 => value.ToInt64(),
        _ => value.ToDouble() != 0 ? 1 : 0,
    };
}

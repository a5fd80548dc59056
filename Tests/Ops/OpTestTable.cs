using CudaTensor.Ops;
using CudaTensor.Tests.Gradients;
using UnaryCase = CudaTensor.Tests.Ops.ElementwiseUnaryTests.UnaryCase;

namespace CudaTensor.Tests.Ops;

/// <summary>
/// What the tests need of one <see cref="UnaryOp"/>: its float64 references (ElementwiseUnaryTests), its gradient
/// check (GradCases), and the inputs and parameters of its CUDA-vs-CPU comparison.
/// </summary>
/// <param name="References">Calls of the op with their float64 definitions and well-conditioned domains.</param>
/// <param name="Grad">The float64 finite-difference check of its gradient.</param>
/// <param name="CudaPositive">Whether the CUDA-vs-CPU inputs must be positive (the op's domain).</param>
/// <param name="CudaP0">p0 of the CUDA-vs-CPU run.</param>
/// <param name="CudaP1">p1 of the CUDA-vs-CPU run.</param>
internal sealed record UnaryOpTestCase(UnaryCase[] References, GradCase Grad, bool CudaPositive = false, double CudaP0 = 0, double CudaP1 = 0);

/// <summary>
/// The one test table of the elementwise unary ops, keyed by the op: a new <see cref="UnaryOp"/> without a row
/// fails <c>OpTestTableTests.EveryUnaryOpHasACase</c>.
/// </summary>
internal static class OpTestTable
{
    private static readonly long[] M = [3, 4];

    private static GradCase Grad(string name, Func<Tensor, Tensor> op, bool positive = false, bool secondOrder = false)
        => new(name, x => op(x[0]), [M], Positive: positive, SecondOrder: secondOrder);

    public static readonly IReadOnlyDictionary<UnaryOp, UnaryOpTestCase> Unary = new Dictionary<UnaryOp, UnaryOpTestCase>
    {
        [UnaryOp.Neg] = new([new("Neg", x => x.Neg(), x => -x, -5, 5), new("UnaryMinus", x => -x, x => -x, -5, 5)],
            Grad("Neg", x => x.Neg(), secondOrder: true)),
        [UnaryOp.Abs] = new([new("Abs", x => x.Abs(), Math.Abs, -5, 5)], Grad("Abs", x => x.Abs())),
        [UnaryOp.Sign] = new([new("Sign", x => x.Sign(), x => Math.Sign(x), -5, 5)], Grad("Sign", x => x.Sign())),
        [UnaryOp.Square] = new([new("Square", x => x.Square(), x => x * x, -5, 5)], Grad("Square", x => x.Square(), secondOrder: true)),
        [UnaryOp.Relu] = new([new("Relu", x => x.Relu(), x => Math.Max(x, 0), -5, 5)], Grad("Relu", x => x.Relu(), secondOrder: true)),
        [UnaryOp.LeakyRelu] = new(
            [
                new("LeakyRelu", x => x.LeakyRelu(), x => x >= 0 ? x : 0.01 * x, -5, 5),
                new("LeakyRelu0.2", x => x.LeakyRelu(0.2), x => x >= 0 ? x : 0.2 * x, -5, 5),
            ],
            Grad("LeakyRelu", x => x.LeakyRelu(0.1)), CudaP0: 0.01),
        [UnaryOp.Clamp] = new(
            [
                new("Clamp(-1,2)", x => x.Clamp(-1, 2), x => Math.Min(Math.Max(x, -1), 2), -5, 5),
                new("Clamp(min)", x => x.Clamp(min: 0.5), x => Math.Max(x, 0.5), -5, 5),
                new("Clamp(max)", x => x.Clamp(max: -0.5), x => Math.Min(x, -0.5), -5, 5),
            ],
            Grad("Clamp", x => x.Clamp(-0.5, 0.5)), CudaP0: -1.5, CudaP1: 2.0),
        [UnaryOp.Sqrt] = new([new("Sqrt", x => x.Sqrt(), Math.Sqrt, 0, 10)], Grad("Sqrt", x => x.Sqrt(), positive: true, secondOrder: true), CudaPositive: true),
        [UnaryOp.Rsqrt] = new([new("Rsqrt", x => x.Rsqrt(), x => 1 / Math.Sqrt(x), 0.01, 10)], Grad("Rsqrt", x => x.Rsqrt(), positive: true), CudaPositive: true),
        [UnaryOp.Reciprocal] = new([new("Reciprocal", x => x.Reciprocal(), x => 1 / x, -5, 5)], Grad("Reciprocal", x => x.Reciprocal(), positive: true)),
        [UnaryOp.Exp] = new([new("Exp", x => x.Exp(), Math.Exp, -10, 10)], Grad("Exp", x => x.Exp(), secondOrder: true)),
        [UnaryOp.Exp2] = new([new("Exp2", x => x.Exp2(), x => Math.Pow(2, x), -14, 14)], Grad("Exp2", x => x.Exp2(), secondOrder: true)),
        [UnaryOp.Log] = new([new("Log", x => x.Log(), Math.Log, 0.001, 100)], Grad("Log", x => x.Log(), positive: true, secondOrder: true), CudaPositive: true),
        [UnaryOp.Log2] = new([new("Log2", x => x.Log2(), Math.Log2, 0.001, 100)], Grad("Log2", x => x.Log2(), positive: true, secondOrder: true), CudaPositive: true),
        [UnaryOp.Log1p] = new([new("Log1p", x => x.Log1p(), ElementwiseUnaryTests.Log1pReference, -0.9, 10)], Grad("Log1p", x => x.Log1p(), positive: true)),
        [UnaryOp.Expm1] = new([new("Expm1", x => x.Expm1(), ElementwiseUnaryTests.Expm1Reference, -5, 5)], Grad("Expm1", x => x.Expm1())),
        [UnaryOp.Sin] = new([new("Sin", x => x.Sin(), Math.Sin, -10, 10)], Grad("Sin", x => x.Sin(), secondOrder: true)),
        [UnaryOp.Cos] = new([new("Cos", x => x.Cos(), Math.Cos, -10, 10)], Grad("Cos", x => x.Cos(), secondOrder: true)),
        [UnaryOp.Tanh] = new([new("Tanh", x => x.Tanh(), Math.Tanh, -5, 5)], Grad("Tanh", x => x.Tanh(), secondOrder: true)),
        [UnaryOp.Sigmoid] = new([new("Sigmoid", x => x.Sigmoid(), x => 1 / (1 + Math.Exp(-x)), -10, 10)], Grad("Sigmoid", x => x.Sigmoid(), secondOrder: true)),
        [UnaryOp.Gelu] = new([new("Gelu", x => x.Gelu(), x => 0.5 * x * ElementwiseData.ErfcReference(-x / Math.Sqrt(2)), -5, 5)],
            Grad("Gelu", x => x.Gelu(), secondOrder: true)),
        [UnaryOp.GeluTanh] = new([new("GeluTanh", x => x.Gelu(GeluApproximation.Tanh), ElementwiseUnaryTests.GeluTanhReference, -5, 5)],
            Grad("GeluTanh", x => x.Gelu(GeluApproximation.Tanh), secondOrder: true)),
        [UnaryOp.Silu] = new([new("Silu", x => x.Silu(), x => x / (1 + Math.Exp(-x)), -10, 10)], Grad("Silu", x => x.Silu(), secondOrder: true)),
        [UnaryOp.Softplus] = new(
            [
                new("Softplus", x => x.Softplus(), x => ElementwiseUnaryTests.Log1pReference(Math.Exp(x)), -10, 10),
                new("Softplus(2,5)", x => x.Softplus(beta: 2, threshold: 5), x => 2 * x > 5 ? x : ElementwiseUnaryTests.Log1pReference(Math.Exp(2 * x)) / 2, -5, 5),
            ],
            Grad("Softplus", x => x.Softplus(2, 20), secondOrder: true), CudaP0: 1.0, CudaP1: 20.0),
        [UnaryOp.Erf] = new([new("Erf", x => x.Erf(), ElementwiseData.ErfReference, -4, 4)], Grad("Erf", x => x.Erf(), secondOrder: true)),
        [UnaryOp.Floor] = new([new("Floor", x => x.Floor(), Math.Floor, -10, 10)], Grad("Floor", x => x.Floor())),
        [UnaryOp.Ceil] = new([new("Ceil", x => x.Ceil(), Math.Ceiling, -10, 10)], Grad("Ceil", x => x.Ceil())),
        [UnaryOp.Round] = new([new("Round", x => x.Round(), x => Math.Round(x, MidpointRounding.ToEven), -10, 10)], Grad("Round", x => x.Round())),
        [UnaryOp.Trunc] = new([new("Trunc", x => x.Trunc(), Math.Truncate, -10, 10)], Grad("Trunc", x => x.Trunc())),
    };

    /// <summary>The gradient check of every differentiable <see cref="BinaryOp"/> (comparisons and logical ops have none).</summary>
    public static readonly IReadOnlyDictionary<BinaryOp, GradCase> BinaryGrad = new Dictionary<BinaryOp, GradCase>
    {
        [BinaryOp.Add] = new("Add", x => x[0] + x[1], [M, [4]], SecondOrder: true),
        [BinaryOp.Sub] = new("Sub", x => x[0] - x[1], [[3, 1], M], SecondOrder: true),
        [BinaryOp.Mul] = new("Mul", x => x[0] * x[1], [M, [1, 4]], SecondOrder: true),
        [BinaryOp.Div] = new("Div", x => x[0] / x[1], [M, M], Positive: true, SecondOrder: true),
        [BinaryOp.Pow] = new("Pow", x => x[0].Pow(x[1]), [M, M], Positive: true, SecondOrder: true),
        [BinaryOp.Maximum] = new("Maximum", x => Tensor.Maximum(x[0], x[1]), [M, M]),
        [BinaryOp.Minimum] = new("Minimum", x => Tensor.Minimum(x[0], x[1]), [M, [4]]),
        [BinaryOp.Remainder] = new("Remainder", x => x[0] % 0.7, [M], Positive: true),
        [BinaryOp.FMod] = new("FMod", x => x[0].FMod(x[1] + 1.0), [M, M], Positive: true),
        [BinaryOp.TruncDivide] = new("TruncDivide", x => x[0].Div(x[1] + 1.0, roundingMode: "trunc"), [M, M], Positive: true),
        [BinaryOp.FloorDivide] = new("FloorDivide", x => x[0].Div(x[1] + 1.0, roundingMode: "floor"), [M, M], Positive: true),
    };

    /// <summary>Unary calls that run as another op kind (a scalar exponent is BinaryOp.Pow), checked beside the table.</summary>
    public static readonly UnaryCase[] OtherUnaryCalls =
    [
        new("Pow(2)", x => x.Pow(2), x => x * x, -5, 5),
        new("Pow(2.0)", x => x.Pow(2.0), x => x * x, -5, 5),
        new("Pow(3)", x => x.Pow(3), x => x * x * x, -5, 5),
        new("Pow(-1.5)", x => x.Pow(-1.5), x => Math.Pow(x, -1.5), 0.1, 5),
        new("Pow(0.5)", x => x.Pow(0.5), Math.Sqrt, 0, 5),
    ];

    /// <summary>The row of <paramref name="op"/>, naming the table when there is none.</summary>
    public static UnaryOpTestCase Of(UnaryOp op) => Unary.TryGetValue(op, out var c) ? c
        : throw new InvalidOperationException($"UnaryOp.{op} has no row in Tests/Ops/OpTestTable.cs.");
}

using CudaTensor.Ops;
using CudaTensor.Core;

namespace CudaTensor.AutogradEngine;

/// <summary>
/// Every backward formula of the library, one per op (the role of PyTorch's derivatives.yaml). Each Record*
/// method is called by its forward op after computing the result; it does nothing unless grad mode is on and
/// an input requires grad. Formulas are written with tensor ops, so with <c>createGraph</c> they are recorded
/// too and gradients of gradients follow.
/// </summary>
internal static partial class Derivatives
{
    // RequiresGrad first: it is a field read, while the grad mode is an AsyncLocal lookup.
    public static bool Needs(Tensor a) => a.RequiresGrad && GradMode.IsEnabled;

    public static bool Needs(Tensor a, Tensor b) => (a.RequiresGrad || b.RequiresGrad) && GradMode.IsEnabled;

    /// <summary>Creates the node for <paramref name="result"/> with edges to <paramref name="inputs"/>.</summary>
    public static FunctionNode Node(string name, Tensor result, Tensor?[] inputs, bool isView = false)
    {
        var node = new FunctionNode(name, isView) { NextNodes = [.. inputs.Select(i => i?.GradNode())], ViewVersion = isView ? result.Storage.Version : 0 };
        result.SetGradFn(node);
        return node;
    }

    /// <summary>Sums a broadcast gradient back to <paramref name="shape"/> (leading dims and size-1 dims).</summary>
    public static Tensor SumToShape(Tensor grad, long[] shape)
    {
        if (Shapes.SameShape(grad.Shape, shape)) return grad;
        int lead = grad.Dim - shape.Length;
        var dims = new List<int>();
        for (int i = 0; i < grad.Dim; i++)
        {
            if (i < lead || (shape[i - lead] == 1 && grad.Shape[i] != 1)) dims.Add(i);
        }
        using var summed = grad.Sum([.. dims], keepDim: true);
        return summed.Reshape(shape);
    }

    public static void RecordUnary(UnaryOp op, Tensor result, Tensor x, double p0, double p1)
    {
        if (!Needs(x)) return;
        var node = Node(op + "Backward", result, [x]);
        // Keep only what the formula reads (the op's row says which): saved tensors stay alive until backward.
        var saves = OpTable.Of(op).Saves;
        var sx = saves == GradSaves.Input ? node.Save(x) : null;
        var sy = saves == GradSaves.Output ? node.Save(result) : null;
        node.Formula = g => [UnaryGrad(op, g, sx?.Unpack()!, sy?.Unpack()!, p0, p1)];
    }

    private static Tensor UnaryGrad(UnaryOp op, Tensor g, Tensor x, Tensor y, double p0, double p1)
    {
        using var scope = Tensor.NewScope();
        const double SqrtTwoOverPi = 0.79788456080286535588, InvSqrt2Pi = 0.39894228040143267794, TwoOverSqrtPi = 1.1283791670955126;
        const double Ln2 = 0.69314718055994530942;
        Tensor r = op switch
        {
            UnaryOp.Neg => -g,
            UnaryOp.Abs => g * x.Sign(),
            UnaryOp.Sign or UnaryOp.Floor or UnaryOp.Ceil or UnaryOp.Round or UnaryOp.Trunc => Tensor.ZerosLike(g),
            UnaryOp.Square => g * x * 2.0,
            UnaryOp.Sqrt => g / (y * 2.0),
            UnaryOp.Rsqrt => g * y.Pow(3) * -0.5,
            UnaryOp.Reciprocal => -g * y.Square(),
            UnaryOp.Exp => g * y,
            UnaryOp.Exp2 => g * y * Ln2,
            UnaryOp.Log => g / x,
            UnaryOp.Log2 => g / (x * Ln2),
            UnaryOp.Log1p => g / (x + 1.0),
            UnaryOp.Expm1 => g * (y + 1.0),
            UnaryOp.Sin => g * x.Cos(),
            UnaryOp.Cos => -g * x.Sin(),
            UnaryOp.Tanh => g * (1.0 - y.Square()),
            UnaryOp.Sigmoid => g * y * (1.0 - y),
            UnaryOp.Relu => Tensor.Where(x.Gt(0), g, 0.0),
            UnaryOp.LeakyRelu => Tensor.Where(x.Gt(0), g, g * p0),
            // d/dx x·Φ(x) = Φ(x) + x·φ(x)
            UnaryOp.Gelu => g * (((x * 0.70710678118654752440).Erf() + 1.0) * 0.5 + x * (x.Square() * -0.5).Exp() * InvSqrt2Pi),
            UnaryOp.GeluTanh => g * GeluTanhDerivative(x, SqrtTwoOverPi),
            UnaryOp.Silu => g * SiluDerivative(x),
            UnaryOp.Softplus => Tensor.Where((x * p0).Gt(p1), g, g * (x * p0).Sigmoid()),
            UnaryOp.Erf => g * (-x.Square()).Exp() * TwoOverSqrtPi,
            UnaryOp.Clamp => Tensor.Where(x.Ge(p0).LogicalAnd(x.Le(p1)), g, 0.0),
            _ => throw new NotSupportedException($"No derivative for {op}."),
        };
        return scope.MoveToOuter(r);
    }

    private static Tensor GeluTanhDerivative(Tensor x, double k)
    {
        // t = tanh(k(x + c x³)); d/dx 0.5x(1+t) = 0.5(1+t) + 0.5x(1-t²)·k(1 + 3c x²)
        const double C = 0.044715;
        var t = ((x + x.Pow(3) * C) * k).Tanh();
        return (t + 1.0) * 0.5 + x * (1.0 - t.Square()) * ((x.Square() * (3 * C) + 1.0) * (0.5 * k));
    }

    private static Tensor SiluDerivative(Tensor x)
    {
        var s = x.Sigmoid();
        return s * (x * (1.0 - s) + 1.0);
    }

    public static void RecordBinary(BinaryOp op, Tensor result, Tensor a, Tensor b)
    {
        if (!Needs(a, b) || !OpTable.Of(op).Differentiable) return;
        var node = Node(op + "Backward", result, [a, b]);
        // Sums need no saved values; products need each operand for the other's gradient.
        bool savesOperands = op is not (BinaryOp.Add or BinaryOp.Sub or BinaryOp.TruncDivide or BinaryOp.FloorDivide);
        var sa = savesOperands ? node.Save(a) : null;
        var sb = savesOperands ? node.Save(b) : null;
        var sy = op == BinaryOp.Pow ? node.Save(result) : null;
        long[] shapeA = a.ShapeArray, shapeB = b.ShapeArray;
        bool needA = a.RequiresGrad, needB = b.RequiresGrad;
        node.Formula = g =>
        {
            using var scope = Tensor.NewScope();
            var (ga, gb) = BinaryGrad(op, g, sa?.Unpack()!, sb?.Unpack()!, sy?.Unpack(), needA, needB);
            return [Keep(scope, ga is null ? null : SumToShape(ga, shapeA)), Keep(scope, gb is null ? null : SumToShape(gb, shapeB))];
        };
    }

    private static Tensor? Keep(TensorScope scope, Tensor? t) => t is null ? null : scope.MoveToOuter(t);

    private static (Tensor? A, Tensor? B) BinaryGrad(BinaryOp op, Tensor g, Tensor a, Tensor b, Tensor? y, bool needA, bool needB)
    {
        switch (op)
        {
            case BinaryOp.Add: return (needA ? g : null, needB ? g : null);
            case BinaryOp.Sub: return (needA ? g : null, needB ? -g : null);
            case BinaryOp.Mul: return (needA ? g * b : null, needB ? g * a : null);
            case BinaryOp.Div: return (needA ? g / b : null, needB ? -g * a / b.Square() : null);
            case BinaryOp.Pow:
                // d/da a^b = b·a^(b-1); d/db a^b = a^b·log a, taken as 0 where a = 0 (PyTorch's convention).
                return (needA ? g * b * a.Pow(b - 1.0) : null,
                        needB ? g * Tensor.Where(a.Eq(0), 0.0, y! * a.Log()) : null);
            case BinaryOp.Maximum:
            case BinaryOp.Minimum:
            {
                // The larger (smaller) operand takes the gradient; ties split it evenly.
                var wins = op == BinaryOp.Maximum ? a.Gt(b) : a.Lt(b);
                var ties = a.Eq(b);
                var half = g * 0.5;
                return (needA ? Tensor.Where(wins, g, Tensor.Where(ties, half, 0.0)) : null,
                        needB ? Tensor.Where(wins, 0.0, Tensor.Where(ties, half, g)) : null);
            }
            // a - q·b with q piecewise constant: d/da = 1, d/db = -q (PyTorch's formulas).
            case BinaryOp.Remainder: return (needA ? g : null, needB ? -g * a.Div(b, roundingMode: "floor") : null);
            case BinaryOp.FMod: return (needA ? g : null, needB ? -g * a.Div(b, roundingMode: "trunc") : null);
            // Rounded quotients are piecewise constant: zero almost everywhere, as in PyTorch.
            case BinaryOp.TruncDivide:
            case BinaryOp.FloorDivide: return (needA ? Tensor.ZerosLike(g) : null, needB ? Tensor.ZerosLike(g) : null);
            default: throw new NotSupportedException($"No derivative for {op}.");
        }
    }

    public static void RecordWhere(Tensor result, Tensor condition, Tensor a, Tensor b)
    {
        if (!Needs(a, b)) return;
        var node = Node("WhereBackward", result, [a, b]);
        var sc = node.Save(condition);
        long[] shapeA = a.ShapeArray, shapeB = b.ShapeArray;
        node.Formula = g =>
        {
            using var scope = Tensor.NewScope();
            var c = sc.Unpack();
            return [Keep(scope, SumToShape(Tensor.Where(c, g, 0.0), shapeA)), Keep(scope, SumToShape(Tensor.Where(c, 0.0, g), shapeB))];
        };
    }

    /// <summary>Clamp with tensor bounds (either may be null): PyTorch's clamp_backward_min_max.</summary>
    public static void RecordClamp(Tensor result, Tensor x, Tensor? min, Tensor? max)
    {
        if (!(x.RequiresGrad || min?.RequiresGrad == true || max?.RequiresGrad == true) || !GradMode.IsEnabled || !result.DType.IsFloatingPoint()) return;
        var node = Node("ClampBackward", result, [x, min, max]);
        var sx = node.Save(x);
        var slo = min is null ? null : node.Save(min);
        var shi = max is null ? null : node.Save(max);
        long[] shapeX = x.ShapeArray, shapeLo = min?.ShapeArray ?? [], shapeHi = max?.ShapeArray ?? [];
        bool needX = x.RequiresGrad, needLo = min?.RequiresGrad == true, needHi = max?.RequiresGrad == true;
        node.Formula = g =>
        {
            using var scope = Tensor.NewScope();
            var xv = sx.Unpack();
            var lo = slo?.Unpack();
            var hi = shi?.Unpack();
            Tensor? gx = null, glo = null, ghi = null;
            if (needX)
            {
                var pass = lo is null ? xv.Le(hi!) : hi is null ? xv.Ge(lo) : xv.Ge(lo).LogicalAnd(xv.Le(hi));
                gx = SumToShape(Tensor.Where(pass, g, 0.0), shapeX);
            }
            if (needLo)
            {
                var below = hi is null ? xv.Lt(lo!) : xv.Lt(lo!).LogicalAnd(lo!.Lt(hi));
                glo = SumToShape(Tensor.Where(below, g, 0.0), shapeLo);
            }
            if (needHi)
            {
                var above = lo is null ? xv.Gt(hi!) : xv.Gt(hi!).LogicalOr(hi!.Lt(lo));
                ghi = SumToShape(Tensor.Where(above, g, 0.0), shapeHi);
            }
            return [Keep(scope, gx), Keep(scope, glo), Keep(scope, ghi)];
        };
    }
}

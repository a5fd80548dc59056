using CudaTensor.Core;

namespace CudaTensor.Tests.Gradients;

/// <summary>One differentiable op to gradcheck: how to build its inputs and how to apply it.</summary>
public sealed record GradCase(string Name, Func<Tensor[], Tensor> Apply, long[][] Shapes, bool Positive = false, bool SecondOrder = false, bool NeedsContiguous = false)
{
    public override string ToString() => Name;

    /// <summary>Fresh Float64 leaves with random values (positive ones where the op needs them).</summary>
    public Tensor[] MakeInputs(Device device, ulong seed)
    {
        var gen = new Generator(seed);
        return [.. Shapes.Select(shape =>
        {
            using var r = Tensor.Randn(shape, DType.Float64, device, generator: gen);
            using var v = Positive ? r.Abs() + 0.5 : r.Clone();
            var leaf = v.Detach();
            leaf.RequiresGrad = true;
            return leaf;
        })];
    }
}

/// <summary>
/// The table of gradient checks: every differentiable op of the library appears here (the coverage tests
/// enumerate the op kinds and fail when one is missing).
/// </summary>
public static class GradCases
{
    private static readonly long[] V = [5];
    private static readonly long[] M = [3, 4];
    private static readonly long[] M2 = [4, 2];

    // Each unary op's case is its row of the op test table (Tests/Ops/OpTestTable.cs).
    public static IEnumerable<GradCase> Unary() => CudaTensor.Tests.Ops.OpTestTable.Unary.Values.Select(c => c.Grad);

    // Each differentiable binary op's case is its row of the op test table; these are the other forms that reach it.
    public static IEnumerable<GradCase> Binary() =>
    [
        .. CudaTensor.Tests.Ops.OpTestTable.BinaryGrad.Values,
        new("PowScalar", x => x[0].Pow(3), [M], SecondOrder: true),
        new("RemainderTensor", x => x[0].Remainder(x[1] + 1.0), [M, M], Positive: true),
        new("ScalarLeft", x => 2.0 - 3.0 / x[0], [M], Positive: true, SecondOrder: true),
        new("Lerp", x => Tensor.Lerp(x[0], x[1], 0.3), [M, M]),
        new("Where", x => Tensor.Where(x[0].Gt(0), x[0], x[1]), [M, M]),
        new("MaskedFill", x => x[0].MaskedFill(x[0].Lt(0), 0.5), [M]),
    ];

    public static IEnumerable<GradCase> Reductions() =>
    [
        new("Sum", x => x[0].Sum(), [M], SecondOrder: true),
        new("SumDim", x => x[0].Sum(1, keepDim: true), [M], SecondOrder: true),
        new("SumDims", x => x[0].Sum([0, 2]), [[2, 3, 4]]),
        new("Mean", x => x[0].Mean(0), [M], SecondOrder: true),
        new("Prod", x => x[0].Prod(1), [M]),
        new("ProdWithZero", x => (x[0] * Tensor.FromArray(new double[] { 1, 0, 1, 1 }, [4], x[0].Device)).Prod(1), [M]),
        new("Max", x => x[0].Max(), [M]),
        new("Min", x => x[0].Min(), [M]),
        new("MaxDim", x => x[0].Max(1).Values, [M]),
        new("MinDim", x => x[0].Min(0, keepDim: true).Values, [M]),
        new("Amax", x => x[0].Amax([0, 1]), [M]),
        new("Var", x => x[0].Var(1), [M]),
        new("Std", x => x[0].Std(), [M]),
        new("Norm", x => x[0].Norm(), [M]),
        new("Norm1", x => x[0].Norm(1, 0), [M]),
        new("NormInf", x => x[0].Norm(double.PositiveInfinity), [M]),
        new("LogSumExp", x => x[0].LogSumExp(1), [M]),
        new("Softmax", x => x[0].Softmax(1), [M], SecondOrder: true),
        new("SoftmaxDim0", x => x[0].Softmax(0), [M]),
        new("LogSoftmax", x => x[0].LogSoftmax(1), [M], SecondOrder: true),
        new("CumSum", x => x[0].CumSum(1), [M]),
    ];

    public static IEnumerable<GradCase> ShapeAndIndexing() =>
    [
        new("MatMul", x => Tensor.MatMul(x[0], x[1]), [M, M2], SecondOrder: true),
        new("MatMulVecMat", x => Tensor.MatMul(x[0], x[1]), [[3], [3, 2]], SecondOrder: true),
        new("MatMulMatVec", x => Tensor.MatMul(x[0], x[1]), [M, [4]]),
        new("MatMulDot", x => Tensor.MatMul(x[0], x[1]), [[4], [4]]),
        new("MatMulBatchedBroadcast", x => Tensor.MatMul(x[0], x[1]), [[2, 3, 4], M2]),
        new("MatMulTransposed", x => Tensor.MatMul(x[0].T, x[1]), [[4, 3], M2]),
        new("Transpose", x => x[0].Transpose(0, 1) * 1.0, [M], SecondOrder: true),
        new("Permute", x => x[0].Permute(2, 0, 1) * 1.0, [[2, 3, 4]]),
        new("View", x => x[0].View(2, 6), [M], SecondOrder: true, NeedsContiguous: true),
        new("Reshape", x => x[0].T.Reshape(12), [M]),
        new("Flatten", x => x[0].Flatten(), [[2, 3, 2]]),
        new("Squeeze", x => x[0].Squeeze(), [[3, 1, 4]]),
        new("Unsqueeze", x => x[0].Unsqueeze(1), [M]),
        new("Expand", x => x[0].Expand(3, 4) * 1.0, [[3, 1]]),
        new("Indexer", x => x[0][.., 1..3], [M], SecondOrder: true),
        new("IndexerStep", x => x[0][TensorIndex.Slice(0, 4, 2), ^1], [[5, 3]]),
        new("Narrow", x => x[0].Narrow(1, 1, 2), [M]),
        new("Select", x => x[0].Select(0, 1), [M]),
        new("Split", x => x[0].Split(2, 1)[1], [M]),
        new("Unbind", x => x[0].Unbind(1)[2], [M]),
        new("Contiguous", x => x[0].T.Contiguous(), [M]),
        new("Clone", x => x[0].Clone(), [M]),
        new("Cat", x => Tensor.Cat([x[0], x[1]], 1), [M, [3, 2]]),
        new("Stack", x => Tensor.Stack([x[0], x[1]], 1), [M, M]),
        new("IndexSelect", x => x[0].IndexSelect(1, Tensor.FromArray(new long[] { 3, 0, 3 }, x[0].Device)), [M]),
        new("Gather", x => x[0].Gather(1, Tensor.FromArray(new long[,] { { 0, 0 }, { 3, 1 }, { 2, 2 } }, x[0].Device)), [M]),
        new("Scatter", x => x[0].Scatter(1, Tensor.FromArray(new long[,] { { 0 }, { 3 }, { 2 } }, x[0].Device), x[1]), [M, [3, 1]]),
        new("ScatterAdd", x => x[0].ScatterAdd(1, Tensor.FromArray(new long[,] { { 0, 0 }, { 3, 1 }, { 2, 2 } }, x[0].Device), x[1]), [M, [3, 2]]),
        new("MaskedSelect", x => x[0].MaskedSelect(x[0].Gt(0)), [M]),
    ];

    // Sliding windows (NN.Functional over Unfold2d/Fold2d): the second order of a convolution runs through both nodes.
    public static IEnumerable<GradCase> Windows() =>
    [
        new("Conv2d", x => CudaTensor.NN.Functional.Conv2d(x[0], x[1], x[2], stride: (2, 1), padding: (1, 2), dilation: (1, 2)), [[2, 3, 5, 6], [4, 3, 2, 3], [4]], SecondOrder: true),
        new("Conv2dGrouped", x => CudaTensor.NN.Functional.Conv2d(x[0], x[1], groups: 2), [[1, 4, 4, 3], [2, 2, 3, 2]], SecondOrder: true),
        new("MaxPool2d", x => CudaTensor.NN.Functional.MaxPool2d(x[0], (3, 2), stride: 2, padding: 1, ceilMode: true), [[2, 2, 5, 6]]),
    ];

    public static IEnumerable<GradCase> All() => [.. Unary(), .. Binary(), .. Reductions(), .. ShapeAndIndexing(), .. Windows()];

    public static IEnumerable<GradCase> StridedCases() => All().Where(c => !c.NeedsContiguous);

    public static IEnumerable<GradCase> SecondOrderCases() => All().Where(c => c.SecondOrder);
}

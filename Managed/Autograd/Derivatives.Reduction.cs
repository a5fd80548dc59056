using CudaTensor.Ops;

namespace CudaTensor.AutogradEngine;

internal static partial class Derivatives
{
    /// <summary>Restores reduced dimensions (size 1) so a reduction's gradient broadcasts against the input.</summary>
    private static Tensor Unreduce(Tensor g, int[] reducedDims, bool keepDim)
    {
        if (keepDim || reducedDims.Length == 0) return g.Reshape(g.Shape);
        var t = g;
        foreach (var d in reducedDims.Order())
        {
            var next = t.Unsqueeze(d);
            if (!ReferenceEquals(t, g)) t.Dispose();
            t = next;
        }
        return t;
    }

    public static void RecordReduce(ReduceOp op, Tensor result, Tensor x, int[] reducedDims, bool keepDim)
    {
        if (!Needs(x)) return;
        var node = Node(op + "Backward", result, [x]);
        long[] shape = x.ShapeArray;
        var sx = op == ReduceOp.Sum ? null : node.Save(x);
        var sy = op == ReduceOp.Sum ? null : node.Save(result);
        node.Formula = g =>
        {
            using var scope = Tensor.NewScope();
            var ge = Unreduce(g, reducedDims, keepDim);
            Tensor r = op switch
            {
                ReduceOp.Sum => ge.Expand(shape).Contiguous(),
                ReduceOp.Prod => ProdGrad(ge, sx!.Unpack(), Unreduce(sy!.Unpack(), reducedDims, keepDim), reducedDims),
                // Ties share the gradient evenly (as torch.amax/amin).
                _ => ExtremumGrad(ge, sx!.Unpack(), Unreduce(sy!.Unpack(), reducedDims, keepDim), reducedDims),
            };
            return [scope.MoveToOuter(r)];
        };
    }

    private static Tensor ExtremumGrad(Tensor g, Tensor x, Tensor y, int[] dims)
    {
        var mask = x.Eq(y).To(x.DType);
        var count = mask.Sum(dims, keepDim: true);
        return mask * (g / count);
    }

    // d/dx_i Π x = Π_{j≠i} x_j: y / x_i where x_i ≠ 0; at a zero it is the product of the others, which is
    // non-zero only when that zero is the group's only one.
    private static Tensor ProdGrad(Tensor g, Tensor x, Tensor y, int[] dims)
    {
        var isZero = x.Eq(0);
        var zeros = isZero.Sum(dims, keepDim: true);
        var others = ProdOver(Tensor.Where(isZero, 1.0, x), dims);
        var atZero = Tensor.Where(zeros.Eq(1), Unsqueezed(others, dims), 0.0);
        return g * Tensor.Where(isZero, atZero, y / Tensor.Where(isZero, 1.0, x));
    }

    private static Tensor Unsqueezed(Tensor t, int[] dims) => Unreduce(t, dims, keepDim: false);

    private static Tensor ProdOver(Tensor t, int[] dims)
    {
        // Prod reduces one dimension at a time; highest first so the remaining indices stay valid.
        var r = t;
        foreach (var d in dims.OrderDescending()) r = r.Prod(d);
        return r;
    }

    public static void RecordArgReduce(Tensor values, Tensor x, Tensor indices, int dim, bool keepDim, string name)
    {
        if (!Needs(x)) return;
        var node = Node(name + "Backward", values, [x]);
        var si = node.Save(indices);
        long[] shape = x.ShapeArray;
        var dtype = x.DType;
        node.Formula = g =>
        {
            using var scope = Tensor.NewScope();
            var idx = keepDim ? si.Unpack() : si.Unpack().Unsqueeze(dim);
            var ge = keepDim ? g : g.Unsqueeze(dim);
            return [scope.MoveToOuter(Tensor.Zeros(shape, dtype, g.Device).ScatterAdd(dim, idx, ge))];
        };
    }

    public static void RecordSoftmax(Tensor result, Tensor x, int dim, bool log)
    {
        if (!Needs(x)) return;
        var node = Node(log ? "LogSoftmaxBackward" : "SoftmaxBackward", result, [x]);
        var sy = node.Save(result);
        node.Formula = g =>
        {
            using var scope = Tensor.NewScope();
            var y = sy.Unpack();
            // softmax: y (g - Σ g y); log-softmax: g - softmax · Σ g
            var r = log ? g - y.Exp() * g.Sum(dim, keepDim: true) : y * (g - (g * y).Sum(dim, keepDim: true));
            return [scope.MoveToOuter(r)];
        };
    }

    public static void RecordCumSum(Tensor result, Tensor x, int dim)
    {
        if (!Needs(x)) return;
        var node = Node("CumSumBackward", result, [x]);
        node.Formula = g =>
        {
            using var scope = Tensor.NewScope();
            // Reverse running sum: Σ_{j ≥ i} g_j = total - cumsum(g)_i + g_i.
            var r = g.Sum(dim, keepDim: true) - g.CumSum(dim) + g;
            return [scope.MoveToOuter(r)];
        };
    }
}

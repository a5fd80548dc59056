namespace CudaTensor.AutogradEngine;

// Views, copies and assembly ops. Views that pick a region (indexing, Narrow, Select, Slice) send the gradient
// back through a differentiable "view scatter": zeros of the input's shape with the same view filled by g.
internal static partial class Derivatives
{
    /// <summary>A pure re-layout (transpose, permute, reshape, squeeze...): the gradient is <paramref name="inverse"/>(g).</summary>
    public static void RecordRelayout(string name, Tensor result, Tensor x, Func<Tensor, Tensor> inverse)
    {
        if (!Needs(x)) return;
        var node = Node(name, result, [x], isView: true);
        node.Formula = g => [inverse(g)];
    }

    /// <summary>A view selecting part of the input: re-apply <paramref name="view"/> to a zero gradient of the input's shape.</summary>
    public static void RecordRegion(string name, Tensor result, Tensor x, Func<Tensor, Tensor> view)
    {
        if (!Needs(x)) return;
        var node = Node(name, result, [x], isView: true);
        long[] shape = x.ShapeArray;
        node.Formula = g => [ViewScatter(g, shape, view)];
    }

    /// <summary>zeros(shape) with view(zeros) = g; differentiable (its gradient is view(grad)).</summary>
    public static Tensor ViewScatter(Tensor g, long[] shape, Func<Tensor, Tensor> view)
    {
        Tensor result;
        using (Autograd.NoGrad())
        {
            result = Tensor.Zeros(shape, g.DType, g.Device);
            using var region = view(result);
            region.CopyFrom(g);
        }
        if (Needs(g))
        {
            var node = Node("ViewScatterBackward", result, [g]);
            node.Formula = gg => [view(gg).Contiguous()];
        }
        return result;
    }

    /// <summary>Expand: the gradient sums over the broadcast dimensions.</summary>
    public static void RecordExpand(Tensor result, Tensor x)
    {
        if (!Needs(x)) return;
        var node = Node("ExpandBackward", result, [x], isView: true);
        long[] shape = x.ShapeArray;
        node.Formula = g => [SumToShape(g, shape)];
    }

    /// <summary>Copies that keep the values (Clone, Contiguous when it copies, dtype conversion).</summary>
    public static void RecordCopy(string name, Tensor result, Tensor x)
    {
        if (!Needs(x) || !result.DType.IsFloatingPoint()) return;
        var node = Node(name, result, [x]);
        var dtype = x.DType;
        node.Formula = g => [g.DType == dtype ? g : g.To(dtype)];
    }

    public static void RecordCat(Tensor result, IReadOnlyList<Tensor> inputs, int dim)
    {
        if (!GradMode.IsEnabled || !inputs.Any(t => t.RequiresGrad)) return;
        var node = Node("CatBackward", result, [.. inputs]);
        var sizes = inputs.Select(t => t.Shape[dim]).ToArray();
        var dtypes = inputs.Select(t => t.DType).ToArray();
        node.Formula = g =>
        {
            var parts = new Tensor?[sizes.Length];
            long offset = 0;
            for (int i = 0; i < sizes.Length; i++)
            {
                var part = g.Narrow(dim, offset, sizes[i]);
                parts[i] = part.DType == dtypes[i] ? part : part.To(dtypes[i]);
                offset += sizes[i];
            }
            return parts;
        };
    }

    public static void RecordMatMul(Tensor result, Tensor a, Tensor b)
    {
        if (!Needs(a, b)) return;
        var node = Node("MatMulBackward", result, [a, b]);
        var sa = node.Save(a);
        var sb = node.Save(b);
        node.Formula = g =>
        {
            using var scope = Tensor.NewScope();
            var x = sa.Unpack();
            var y = sb.Unpack();
            // Work on the matrix forms torch.matmul uses, then undo the vector promotions.
            var x2 = x.Dim == 1 ? x.Unsqueeze(0) : x;
            var y2 = y.Dim == 1 ? y.Unsqueeze(1) : y;
            var g2 = g;
            if (x.Dim == 1) g2 = g2.Dim == 0 ? g2.Reshape(1) : g2.Unsqueeze(-2);
            if (y.Dim == 1) g2 = g2.Unsqueeze(-1);
            Tensor? ga = null, gb = null;
            if (x.RequiresGrad) ga = SumToShape(Tensor.MatMul(g2, y2.Transpose(-1, -2)), x2.ShapeArray).Reshape(x.Shape);
            if (y.RequiresGrad) gb = SumToShape(Tensor.MatMul(x2.Transpose(-1, -2), g2), y2.ShapeArray).Reshape(y.Shape);
            return [Keep(scope, ga), Keep(scope, gb)];
        };
    }

    public static void RecordGather(Tensor result, Tensor x, Tensor index, int dim)
    {
        if (!Needs(x)) return;
        var node = Node("GatherBackward", result, [x]);
        var si = node.Save(index);
        long[] shape = x.ShapeArray;
        node.Formula = g =>
        {
            using var zeros = Tensor.Zeros(shape, g.DType, g.Device);
            return [zeros.ScatterAdd(dim, si.Unpack(), g)];
        };
    }

    public static void RecordScatter(Tensor result, Tensor self, Tensor index, Tensor src, int dim, bool accumulate)
    {
        if (!Needs(self, src)) return;
        var node = Node(accumulate ? "ScatterAddBackward" : "ScatterBackward", result, [self, src]);
        var si = node.Save(index);
        bool needSelf = self.RequiresGrad, needSrc = src.RequiresGrad;
        node.Formula = g =>
        {
            var idx = si.Unpack();
            // Overwritten positions of self get no gradient; src receives the gradient at its targets.
            Tensor? gs = !needSelf ? null : accumulate ? g : MaskScattered(g, idx, dim);
            Tensor? gsrc = needSrc ? g.Gather(dim, idx) : null;
            return [gs, gsrc];
        };
    }

    private static Tensor MaskScattered(Tensor g, Tensor idx, int dim)
    {
        using var zeros = Tensor.Zeros(idx.Shape, g.DType, g.Device);
        return g.Scatter(dim, idx, zeros);
    }
}

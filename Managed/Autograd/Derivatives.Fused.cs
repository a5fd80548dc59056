using CudaTensor.Backends;
using CudaTensor.Core;

namespace CudaTensor.AutogradEngine;

// Backward formulas of the fused row ops (Tensor.Fused.cs). A plain backward pass calls the backend's fused backward
// primitive on the saved statistics. When the backward pass itself is recorded (createGraph: the engine runs formulas
// with grad mode on), the same gradient is built from differentiable tensor ops on the saved inputs instead, so
// gradients of gradients follow.
internal static partial class Derivatives
{
    public static void RecordLayerNorm(Tensor y, Tensor x, Tensor? weight, Tensor? bias, Tensor mean, Tensor rstd, int normalizedDims, double eps)
    {
        bool needX = x.RequiresGrad, needW = weight?.RequiresGrad ?? false, needB = bias?.RequiresGrad ?? false;
        if (!(needX || needW || needB) || !GradMode.IsEnabled) return;
        var node = Node("LayerNormBackward", y, [x, weight, bias]);
        var sx = node.Save(x);
        var sw = weight is null ? null : node.Save(weight);
        var sm = node.Save(mean);
        var sr = node.Save(rstd);
        long[] paramShape = x.ShapeArray[^normalizedDims..];
        long len = Shapes.NumElements(paramShape), rows = x.NumElements / len;
        node.Formula = g =>
        {
            using var scope = Tensor.NewScope();
            var xs = sx.Unpack();
            var ws = sw?.Unpack();
            Tensor? dx = null, dw = null, db = null;
            if (GradMode.IsEnabled || xs.Backend is not IFusedLayerNorm fused)
            {
                (dx, dw, db) = LayerNormGradComposed(g, xs, ws, normalizedDims, eps, needW, needB);
            }
            else
            {
                var xc = xs.Contiguous();
                var gc = g.Contiguous();
                var wc = ws?.Contiguous();
                dx = Tensor.Allocate(xs.ShapeArray, xs.DType, xs.Device);
                dw = needW ? Tensor.Allocate(paramShape, xs.DType, xs.Device) : null;
                db = needB ? Tensor.Allocate(paramShape, xs.DType, xs.Device) : null;
                fused.LayerNormBackward(Tensor.Rows(dx, rows, len), dw?.Layout.WithLayout([len], [1]), db?.Layout.WithLayout([len], [1]),
                    Tensor.Rows(gc, rows, len), Tensor.Rows(xc, rows, len), sm.Unpack().Layout, sr.Unpack().Layout, wc?.Layout.WithLayout([len], [1]));
            }
            return [needX ? Keep(scope, dx) : null, Keep(scope, dw), Keep(scope, db)];
        };
    }

    // The composed gradient: dx = rstd·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂)) with ĝ = g·w, x̂ = (x - mean)·rstd; dw = Σ g·x̂; db = Σ g.
    // Statistics are recomputed from x with tensor ops, so the result is differentiable with respect to x too.
    private static (Tensor Dx, Tensor? Dw, Tensor? Db) LayerNormGradComposed(Tensor g, Tensor x, Tensor? w, int normalizedDims, double eps, bool needW, bool needB)
    {
        var dims = Enumerable.Range(x.Dim - normalizedDims, normalizedDims).ToArray();
        long[] paramShape = x.ShapeArray[^normalizedDims..];
        var mean = x.Mean(dims, keepDim: true);
        var centered = x - mean;
        var variance = centered.Square().Mean(dims, keepDim: true);
        var rstd = (variance + eps).Rsqrt();
        var xhat = centered * rstd;
        var gw = w is null ? g : g * w;
        var dx = rstd * (gw - gw.Mean(dims, keepDim: true) - xhat * (gw * xhat).Mean(dims, keepDim: true));
        var dw = needW ? SumToShape(g * xhat, paramShape) : null;
        var db = needB ? SumToShape(g, paramShape) : null;
        return (dx, dw, db);
    }

    public static void RecordCrossEntropy(Tensor loss, Tensor input, Tensor logits, Tensor targets, Tensor? weight, Tensor lse, Tensor rowWeight, long ignoreIndex, double labelSmoothing)
    {
        if (!Needs(input)) return;
        var node = Node("CrossEntropyBackward", loss, [input]);
        var sx = node.Save(input);
        var sl = node.Save(logits);
        var st = node.Save(targets);
        var sse = node.Save(lse);
        var srw = node.Save(rowWeight);
        var sw = weight is null ? null : node.Save(weight);
        long[] shape = input.ShapeArray;
        long classes = shape[input.Dim == 1 ? 0 : 1], rows = targets.NumElements;
        node.Formula = g =>
        {
            using var scope = Tensor.NewScope();
            Tensor r;
            if (GradMode.IsEnabled || sl.Unpack().Backend is not IFusedCrossEntropy fused)
            {
                r = CrossEntropyGradComposed(g, sx.Unpack(), st.Unpack(), sw?.Unpack(), srw.Unpack(), ignoreIndex, labelSmoothing, shape);
            }
            else
            {
                var gc = g.Contiguous();
                var x = sl.Unpack();
                var wc = sw?.Unpack().Contiguous();
                var d = Tensor.Allocate([rows, classes], x.DType, x.Device);
                fused.CrossEntropyBackward(d.Layout, gc.Layout.WithLayout([rows], [1]), Tensor.Rows(x, rows, classes), st.Unpack().Layout,
                    sse.Unpack().Layout, wc?.Layout, ignoreIndex, labelSmoothing);
                r = Tensor.ClassesBack(d, shape);
            }
            return [scope.MoveToOuter(r)];
        };
    }

    // The composed gradient g·(a·softmax(x) - q), q = (1 - ε)·w[t]·onehot(t) + (ε/C)·w·counted, a = Σ q; ignored rows
    // have w[t] = 0 and counted = 0. Differentiable with respect to x (through softmax) and to g.
    private static Tensor CrossEntropyGradComposed(Tensor g, Tensor input, Tensor targets, Tensor? weight, Tensor rowWeight, long ignoreIndex,
        double labelSmoothing, long[] shape)
    {
        long classes = shape[shape.Length == 1 ? 0 : 1], rows = targets.NumElements;
        var logits = Tensor.ClassesLast(input).Reshape(rows, classes);
        var p = logits.Softmax(1);
        var t = targets.Reshape(rows, 1);
        var onehot = Tensor.Arange(classes, DType.Int64, input.Device).Eq(t).To(input.DType);
        var wt = rowWeight.Reshape(rows, 1);
        var counted = t.Ne(ignoreIndex).To(input.DType);
        double perClass = labelSmoothing / classes;
        Tensor a, q;
        if (weight is null)
        {
            a = wt * (1 - labelSmoothing) + counted * (perClass * classes);
            q = onehot * wt * (1 - labelSmoothing) + counted * perClass;
        }
        else
        {
            a = wt * (1 - labelSmoothing) + counted * weight.Sum() * perClass;
            q = onehot * wt * (1 - labelSmoothing) + counted * weight.Reshape(1, classes) * perClass;
        }
        var d = g.Reshape(rows, 1) * (a * p - q);
        return Tensor.ClassesBack(d, shape);
    }
}

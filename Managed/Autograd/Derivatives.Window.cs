using CudaTensor.Backends;

namespace CudaTensor.AutogradEngine;

// Unfold2d and Fold2d are linear and adjoint to each other: each one's gradient is the other applied to the upstream
// gradient (padding taps of Unfold2d read no pixel, so they send nothing back, whatever their pad value).
internal static partial class Derivatives
{
    public static void RecordUnfold2d(Tensor cols, Tensor input, WindowGeometry g)
    {
        if (!Needs(input)) return;
        var node = Node("Unfold2dBackward", cols, [input]);
        node.Formula = grad => [Tensor.Fold2d(grad, g)];
    }

    public static void RecordFold2d(Tensor image, Tensor cols, WindowGeometry g)
    {
        if (!Needs(cols)) return;
        var node = Node("Fold2dBackward", image, [cols]);
        node.Formula = grad => [Tensor.Unfold2d(grad, g, 0)];
    }

    public static void RecordConv2d(Tensor y, Tensor x, Tensor weight, Tensor? bias, WindowGeometry g)
    {
        bool needX = x.RequiresGrad, needW = weight.RequiresGrad, needB = bias?.RequiresGrad ?? false;
        if (!(needX || needW || needB) || !GradMode.IsEnabled) return;
        var node = Node("Conv2dBackward", y, [x, weight, bias]);
        var sx = node.Save(x);
        var sw = node.Save(weight);
        long n = x.Shape[0], c = x.Shape[1], o = weight.Shape[0], rows = weight.NumElements / Math.Max(1, o), l = g.Positions;
        long[] weightShape = weight.ShapeArray;
        node.Formula = grad =>
        {
            using var scope = Tensor.NewScope();
            var xs = sx.Unpack();
            var ws = sw.Unpack();
            Tensor? dx = null, dw = null, db = null;
            if (GradMode.IsEnabled || xs.Backend is not IConvolution fused)
            {
                // Recorded (createGraph): the same gradients from differentiable ops, so gradients of gradients follow.
                var gy = grad.Reshape(n, o, l);
                var w2 = ws.Reshape(o, rows);
                if (needX) dx = Tensor.Fold2d(Tensor.MatMul(w2.T, gy).Reshape(n, c, g.Taps * l), g);
                if (needW) dw = Tensor.MatMul(gy, Tensor.Unfold2d(xs, g, 0).Reshape(n, rows, l).Transpose(1, 2)).Sum(0).Reshape(weightShape);
                if (needB) db = grad.Sum([0, 2, 3]);
            }
            else
            {
                var gc = grad.Contiguous();
                var gy = gc.Layout.AsContiguous(n, o, l);
                if (needX)
                {
                    dx = Tensor.Allocate(xs.ShapeArray, xs.DType, xs.Device);
                    using var wc = ws.Contiguous();
                    fused.Conv2dBackwardInput(dx.Layout, gy, wc.Layout.AsContiguous(o, rows), g);
                }
                if (needW || needB)
                {
                    dw = Tensor.Allocate(weightShape, xs.DType, xs.Device);
                    db = needB ? Tensor.Allocate([o], xs.DType, xs.Device) : null;
                    using var xc = xs.Contiguous();
                    fused.Conv2dBackwardWeight(dw.Layout.AsContiguous(o, rows), db?.Layout, gy, xc.Layout, g);
                    if (!needW) dw = null; // the bias's gradient came from the same pass
                }
            }
            return [Keep(scope, dx), Keep(scope, dw), Keep(scope, db)];
        };
    }
}

using CudaTensor.Backends;

namespace CudaTensor.AutogradEngine;

// Backward of the fused batch normalization (Tensor.BatchNorm.cs). A plain backward pass calls the backend's fused
// primitive on the saved statistics; a recorded one (createGraph) builds the same gradient from differentiable tensor
// ops, recomputing the batch statistics from x in training, so gradients of gradients follow.
internal static partial class Derivatives
{
    public static void RecordBatchNorm(Tensor y, Tensor x, Tensor? weight, Tensor? bias, Tensor mean, Tensor invstd, bool training, double eps)
    {
        bool needX = x.RequiresGrad, needW = weight?.RequiresGrad ?? false, needB = bias?.RequiresGrad ?? false;
        if (!(needX || needW || needB) || !GradMode.IsEnabled) return;
        var node = Node("BatchNormBackward", y, [x, weight, bias]);
        var sx = node.Save(x);
        var sw = weight is null ? null : node.Save(weight);
        var sm = node.Save(mean);
        var si = node.Save(invstd);
        long n = x.ShapeArray[0], c = x.ShapeArray[1], s = x.NumElements / (n * c);
        node.Formula = g =>
        {
            using var scope = Tensor.NewScope();
            var xs = sx.Unpack();
            var ws = sw?.Unpack();
            Tensor? dx, dw, db;
            if (GradMode.IsEnabled || xs.Backend is not IFusedBatchNorm fused)
            {
                (dx, dw, db) = BatchNormGradComposed(g, xs, ws, sm.Unpack(), si.Unpack(), training, eps, needW, needB);
            }
            else
            {
                var xc = xs.Contiguous();
                var gc = g.Contiguous();
                var wc = ws?.Contiguous();
                dx = needX ? Tensor.Allocate(xs.ShapeArray, xs.DType, xs.Device) : null;
                dw = needW ? Tensor.Allocate([c], xs.DType, xs.Device) : null;
                db = needB ? Tensor.Allocate([c], xs.DType, xs.Device) : null;
                fused.BatchNormBackward(dx?.Layout.AsContiguous(n, c, s), dw?.Layout, db?.Layout, gc.Layout.AsContiguous(n, c, s),
                    xc.Layout.AsContiguous(n, c, s), sm.Unpack().Layout, si.Unpack().Layout, wc?.Layout, training);
            }
            return [needX ? Keep(scope, dx) : null, Keep(scope, dw), Keep(scope, db)];
        };
    }

    // The composed gradient. Training: dx = rstd·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂)) with ĝ = g·w and the statistics recomputed
    // from x, so the result is differentiable with respect to x; evaluation: dx = g·w·invstd with the saved (running)
    // statistics as constants. dw = Σ g·x̂, db = Σ g over every dimension but the channels.
    private static (Tensor Dx, Tensor? Dw, Tensor? Db) BatchNormGradComposed(Tensor g, Tensor x, Tensor? w, Tensor savedMean, Tensor savedInvstd,
        bool training, double eps, bool needW, bool needB)
    {
        var dims = Enumerable.Range(0, x.Dim).Where(d => d != 1).ToArray();
        var channelShape = Enumerable.Repeat(1L, x.Dim).ToArray();
        channelShape[1] = x.ShapeArray[1];
        var wc = w?.View(channelShape);
        Tensor dx, xhat;
        if (training)
        {
            var centered = x - x.Mean(dims, keepDim: true);
            var rstd = (centered.Square().Mean(dims, keepDim: true) + eps).Rsqrt();
            xhat = centered * rstd;
            var gw = wc is null ? g : g * wc;
            dx = rstd * (gw - gw.Mean(dims, keepDim: true) - xhat * (gw * xhat).Mean(dims, keepDim: true));
        }
        else
        {
            var rstd = savedInvstd.View(channelShape);
            xhat = (x - savedMean.View(channelShape)) * rstd;
            dx = wc is null ? g * rstd : g * (rstd * wc);
        }
        var dw = needW ? (g * xhat).Sum(dims) : null;
        var db = needB ? g.Sum(dims) : null;
        return (dx, dw, db);
    }
}

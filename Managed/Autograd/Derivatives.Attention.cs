using CudaTensor.Backends;

namespace CudaTensor.AutogradEngine;

// Backward of the fused attention op (Tensor.Attention.cs). A plain backward pass calls the backend's fused backward,
// which recomputes the scores tile by tile from the saved row log-sum-exp. When the backward pass itself is recorded
// (createGraph), the same gradient is built from MatMul and Softmax on the saved inputs, so gradients of gradients follow.
internal static partial class Derivatives
{
    public static void RecordAttention(Tensor output, Tensor query, Tensor key, Tensor value, Tensor? bias, Tensor lse, bool causal, double scale)
    {
        bool needQ = query.RequiresGrad, needK = key.RequiresGrad, needV = value.RequiresGrad;
        if (!(needQ || needK || needV) || !GradMode.IsEnabled) return;
        var node = Node("ScaledDotProductAttentionBackward", output, [query, key, value]);
        // The inputs themselves (not contiguous copies made without grad): a recorded backward must reach them.
        var sq = node.Save(query);
        var sk = node.Save(key);
        var sv = node.Save(value);
        var so = node.Save(output);
        var sl = node.Save(lse);
        var sb = bias is null ? null : node.Save(bias);
        long n = lse.Shape[0], l = query.Shape[^2], s = key.Shape[^2], e = query.Shape[^1], ev = value.Shape[^1];
        node.Formula = g =>
        {
            using var scope = Tensor.NewScope();
            var qs = sq.Unpack();
            var ks = sk.Unpack();
            var vs = sv.Unpack();
            var bs = sb?.Unpack();
            Tensor dq, dk, dv;
            if (GradMode.IsEnabled || qs.Backend is not IFusedAttention fused)
            {
                (dq, dk, dv) = AttentionGradComposed(g, qs, ks, vs, bs, causal, scale);
            }
            else
            {
                var gc = g.Contiguous();
                var qc = qs.Contiguous();
                var kc = ks.Contiguous();
                var vc = vs.Contiguous();
                var delta = (gc * so.Unpack()).Sum(-1).Contiguous();
                dq = Tensor.Allocate(qs.ShapeArray, qs.DType, qs.Device);
                dk = Tensor.Allocate(ks.ShapeArray, ks.DType, ks.Device);
                dv = Tensor.Allocate(vs.ShapeArray, vs.DType, vs.Device);
                fused.AttentionBackward(dq.Layout.AsContiguous(n, l, e), dk.Layout.AsContiguous(n, s, e), dv.Layout.AsContiguous(n, s, ev),
                    gc.Layout.AsContiguous(n, l, ev), qc.Layout.AsContiguous(n, l, e), kc.Layout.AsContiguous(n, s, e), vc.Layout.AsContiguous(n, s, ev),
                    sl.Unpack().Layout, delta.Layout.AsContiguous(n, l), bs?.Layout, causal, scale);
            }
            return [needQ ? Keep(scope, dq) : null, needK ? Keep(scope, dk) : null, needV ? Keep(scope, dv) : null];
        };
    }

    // The composed gradient: p = softmax(q·kᵀ·scale + bias) (rows with every score masked give p = 0), dv = pᵀ·g,
    // ds = p ⊙ (g·vᵀ - Σ_j p ⊙ g·vᵀ), dq = ds·k·scale, dk = dsᵀ·q·scale. Written with tensor ops, so it is differentiable.
    private static (Tensor Dq, Tensor Dk, Tensor Dv) AttentionGradComposed(Tensor g, Tensor q, Tensor k, Tensor v, Tensor? bias, bool causal, double scale)
    {
        long l = q.Shape[^2], s = k.Shape[^2];
        var scores = Tensor.MatMul(q, k.Transpose(-2, -1)) * scale;
        if (bias is not null) scores = scores + bias.Reshape([.. q.ShapeArray[..^2], l, s]);
        if (causal)
        {
            var rows = Tensor.Arange(l, DType.Int64, q.Device).Unsqueeze(1);
            var cols = Tensor.Arange(s, DType.Int64, q.Device).Unsqueeze(0);
            scores = scores.MaskedFill(cols.Gt(rows), double.NegativeInfinity);
        }
        var p = Tensor.Where(scores.Amax([-1], keepDim: true).Eq(double.NegativeInfinity), 0.0, scores.Softmax(-1));
        var dv = Tensor.MatMul(p.Transpose(-2, -1), g);
        var dp = Tensor.MatMul(g, v.Transpose(-2, -1));
        var ds = p * (dp - (dp * p).Sum([-1], keepDim: true));
        var dq = Tensor.MatMul(ds, k) * scale;
        var dk = Tensor.MatMul(ds.Transpose(-2, -1), q) * scale;
        return (dq, dk, dv);
    }
}

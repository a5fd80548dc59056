using CudaTensor.AutogradEngine;
using CudaTensor.Backends;
using CudaTensor.Core;

namespace CudaTensor;

// The op layer of the fused attention primitive (IFusedAttention): arranges q, k, v as contiguous [N, L, E] slices and
// the additive bias as a [N1, N2, L, S] view, calls one primitive, and records one autograd node
// (Derivatives.Attention.cs). The public entry point, with its validation and the composed path, is
// NN.Functional.ScaledDotProductAttention.
public sealed partial class Tensor
{
    /// <summary>
    /// softmax(q·kᵀ·<paramref name="scale"/> + bias, causal)·v for <paramref name="query"/> [..., L, E], <paramref name="key"/>
    /// [..., S, E], <paramref name="value"/> [..., S, Ev] with equal batch dimensions and one dtype and device (checked by
    /// the caller). <paramref name="bias"/> (no gradient) broadcasts to [..., L, S] and has the query's dtype.
    /// </summary>
    internal static Tensor FusedAttention(Tensor query, Tensor key, Tensor value, Tensor? bias, bool causal, double scale)
    {
        long[] batch = query.ShapeArray[..^2];
        long n = Shapes.NumElements(batch), l = query.Shape[^2], s = key.Shape[^2], e = query.Shape[^1], ev = value.Shape[^1];
        var output = Allocate([.. batch, l, ev], query.DType, query.Device);
        var lse = Allocate([n, l], query.DType, query.Device);
        Tensor q, k, v;
        Tensor? b;
        using (Autograd.NoGrad())
        {
            q = query.Contiguous();
            k = key.Contiguous();
            v = value.Contiguous();
            b = bias is null ? null : AttentionBiasView(bias, batch, l, s);
        }
        try
        {
            Capability.Require<IFusedAttention>(query.Backend, "ScaledDotProductAttention").AttentionForward(
                output.Layout.AsContiguous(n, l, ev), lse.Layout, q.Layout.AsContiguous(n, l, e), k.Layout.AsContiguous(n, s, e),
                v.Layout.AsContiguous(n, s, ev), b?.Layout, causal, scale);
            Derivatives.RecordAttention(output, query, key, value, b, lse, causal, scale);
        }
        catch
        {
            output.Dispose();
            throw;
        }
        finally
        {
            // The node keeps its own references.
            q.Dispose();
            k.Dispose();
            v.Dispose();
            b?.Dispose();
            lse.Dispose();
        }
        return output;
    }

    /// <summary>
    /// The bias broadcast to [..batch, L, S] and seen as [N1, N2, L, S] (N2 the last batch dimension): a view with zero
    /// strides where the mask broadcasts, copied only when the merged batch dimensions have no common stride.
    /// </summary>
    internal static Tensor AttentionBiasView(Tensor bias, long[] batch, long l, long s)
    {
        using var expanded = bias.Expand([.. batch, l, s]);
        long inner = batch.Length == 0 ? 1 : batch[^1];
        long outer = batch.Length == 0 ? 1 : Shapes.NumElements(batch.AsSpan(0, batch.Length - 1));
        return expanded.Reshape(outer, inner, l, s);
    }
}

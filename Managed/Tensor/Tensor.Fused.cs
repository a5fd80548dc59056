using CudaTensor.Backends;
using CudaTensor.AutogradEngine;
using CudaTensor.Core;

namespace CudaTensor;

// Fused row ops: the op layer of the backend's fused primitives. Each arranges its operands as contiguous rows,
// calls one primitive, and records one autograd node (Derivatives.Fused.cs). The public entry points, with their
// validation, are in NN.Functional (LayerNorm, CrossEntropy).
public sealed partial class Tensor
{
    /// <summary>
    /// Layer normalization of <paramref name="input"/> over its last <paramref name="normalizedDims"/> dimensions, with
    /// optional <paramref name="weight"/> and <paramref name="bias"/> of those dimensions' shape (same dtype and device,
    /// checked by the caller).
    /// </summary>
    internal static Tensor LayerNormRows(Tensor input, int normalizedDims, Tensor? weight, Tensor? bias, double eps)
    {
        long len = Shapes.NumElements(input.Shape[^normalizedDims..]);
        long rows = input.NumElements / len;
        var y = Allocate(input.ShapeArray, input.DType, input.Device);
        var mean = Allocate([rows], input.DType, input.Device);
        var rstd = Allocate([rows], input.DType, input.Device);
        try
        {
            using (Autograd.NoGrad())
            using (var x = input.Contiguous())
            using (var w = weight?.Contiguous())
            using (var b = bias?.Contiguous())
            {
                Capability.Require<IFusedLayerNorm>(input.Backend, "LayerNorm").LayerNormForward(Rows(y, rows, len), mean.Layout, rstd.Layout, Rows(x, rows, len), w?.Layout, b?.Layout, eps);
            }
            Derivatives.RecordLayerNorm(y, input, weight, bias, mean, rstd, normalizedDims, eps);
        }
        catch
        {
            y.Dispose();
            throw;
        }
        finally
        {
            // The node keeps its own references to the statistics.
            mean.Dispose();
            rstd.Dispose();
        }
        return y;
    }

    /// <summary>
    /// Per-sample cross-entropy of logits <paramref name="input"/> ([C], [N, C] or [N, C, d1, ...]) against class indices
    /// <paramref name="target"/> (the input's shape without the class dimension; shape and integer dtype checked by the
    /// caller): the loss and each sample's weight w[t] (0 where the target is <paramref name="ignoreIndex"/>), both of the
    /// target's shape. <paramref name="weight"/> [C] has the input's dtype and device.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A target is neither a class index in [0, C) nor <paramref name="ignoreIndex"/>.</exception>
    internal static (Tensor Loss, Tensor RowWeight) CrossEntropyRows(Tensor input, Tensor target, Tensor? weight, long ignoreIndex, double labelSmoothing, string op)
    {
        int classDim = input.Dim == 1 ? 0 : 1;
        long classes = input.ShapeArray[classDim];
        long rows = target.NumElements;
        var loss = Allocate(target.ShapeArray, input.DType, input.Device);
        var rowWeight = Allocate(target.ShapeArray, input.DType, input.Device);
        var lse = Allocate([rows, 2], input.DType, input.Device); // each row's max and log Σ exp(x - max)
        Tensor logits, targets;
        using (Autograd.NoGrad())
        {
            logits = ClassesLast(input);
            targets = target.DType == DType.Int64 ? target.Contiguous() : target.To(DType.Int64);
        }
        try
        {
            using (Autograd.NoGrad())
            using (var w = weight?.Contiguous())
            {
                long bad = Capability.Require<IFusedCrossEntropy>(input.Backend, op).CrossEntropyForward(loss.Layout, lse.Layout, rowWeight.Layout, Rows(logits, rows, classes), targets.Layout, w?.Layout, ignoreIndex, labelSmoothing, op);
                if (bad >= 0)
                {
                    long value;
                    using (var flat = targets.Reshape(-1)) value = flat.ToArray<long>()[bad];
                    loss.Dispose();
                    rowWeight.Dispose();
                    throw IFusedCrossEntropy.BadTarget(op, value, classes, ignoreIndex);
                }
            }
            Derivatives.RecordCrossEntropy(loss, input, logits, targets, weight, lse, rowWeight, ignoreIndex, labelSmoothing);
            return (loss, rowWeight);
        }
        finally
        {
            logits.Dispose();
            targets.Dispose();
            lse.Dispose();
        }
    }

    /// <summary>
    /// The logits with the class dimension last, as a contiguous tensor ([N, C, d1, ...] becomes [N, d1, ..., C]; [C] and
    /// [N, C] are already so). Recorded like any op when grad mode is on.
    /// </summary>
    internal static Tensor ClassesLast(Tensor input)
    {
        if (input.Dim <= 2) return input.Contiguous();
        var order = new int[input.Dim];
        order[0] = 0;
        for (int d = 2; d < input.Dim; d++) order[d - 1] = d;
        order[^1] = 1;
        using var moved = input.Permute(order);
        return moved.Contiguous();
    }

    /// <summary>The inverse of <see cref="ClassesLast"/> for a tensor of the input's element count: [rows, C] back to <paramref name="shape"/>.</summary>
    internal static Tensor ClassesBack(Tensor rowsByClass, long[] shape)
    {
        if (shape.Length <= 2) return rowsByClass.Reshape(shape);
        var lastShape = new long[shape.Length];
        lastShape[0] = shape[0];
        for (int d = 2; d < shape.Length; d++) lastShape[d - 1] = shape[d];
        lastShape[^1] = shape[1];
        using var last = rowsByClass.Reshape(lastShape);
        var order = new int[shape.Length];
        order[0] = 0;
        order[1] = shape.Length - 1;
        for (int d = 2; d < shape.Length; d++) order[d] = d - 1;
        using var moved = last.Permute(order);
        return moved.Contiguous();
    }

    /// <summary>A contiguous tensor seen as [rows, len].</summary>
    internal static Backends.Strided Rows(Tensor t, long rows, long len) => t.Layout.AsContiguous(rows, len);
}

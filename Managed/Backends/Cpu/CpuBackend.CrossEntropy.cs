using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace CudaTensor.Backends.Cpu;

// Fused cross-entropy over contiguous rows of logits with class-index targets. The log-sum-exp subtracts the row's
// maximum before exp, as log-softmax does, so a row of -inf (or one holding +inf or NaN) gives NaN exactly where the
// composed formula does.
internal sealed unsafe partial class CpuBackend
{
    public long CrossEntropyForward(Strided loss, Strided lse, Strided rowWeight, Strided logits, Strided target, Strided? weight, long ignoreIndex, double labelSmoothing, string op)
    {
        using var alive = new OperandsAlive(logits.Storage, target.Storage, weight?.Storage);
        long classes = logits.Shape[^1], rows = target.NumElements;
        if (rows == 0) return -1;
        int chunks = RowRange.Chunks(rows, classes, labelSmoothing > 0 ? 6 : 4);
        // One slot per range for the first bad row it saw; the earliest range's wins, so the answer does not depend on the split.
        var bad = new long[chunks];
        fixed (long* b = bad)
        {
            var common = new CrossEntropyRows(logits, target, weight, lse, ignoreIndex, labelSmoothing);
            switch (logits.DType)
            {
                case DType.Float32: RowRange.Run(new CrossEntropyForwardRows<float>(common, (nint)Address(loss), (nint)Address(rowWeight), (nint)b), rows, chunks); break;
                case DType.Float64: RowRange.Run(new CrossEntropyForwardRows<double>(common, (nint)Address(loss), (nint)Address(rowWeight), (nint)b), rows, chunks); break;
                default: throw Unsupported("CrossEntropy", logits.DType);
            }
        }
        foreach (long r in bad)
        {
            if (r >= 0) return r;
        }
        return -1;
    }

    public void CrossEntropyBackward(Strided dlogits, Strided grad, Strided logits, Strided target, Strided lse, Strided? weight, long ignoreIndex, double labelSmoothing)
    {
        using var alive = new OperandsAlive(grad.Storage, logits.Storage, target.Storage, lse.Storage, weight?.Storage);
        long classes = logits.Shape[^1], rows = target.NumElements;
        int chunks = RowRange.Chunks(rows, classes, 3);
        var common = new CrossEntropyRows(logits, target, weight, lse, ignoreIndex, labelSmoothing);
        switch (logits.DType)
        {
            case DType.Float32: RowRange.Run(new CrossEntropyBackwardRows<float>(common, (nint)Address(dlogits), (nint)Address(grad)), rows, chunks); break;
            case DType.Float64: RowRange.Run(new CrossEntropyBackwardRows<double>(common, (nint)Address(dlogits), (nint)Address(grad)), rows, chunks); break;
            default: throw Unsupported("CrossEntropyBackward", logits.DType);
        }
    }

    /// <summary>The operands both directions read: logits [rows, C], Int64 targets [rows], optional weights [C], lse [rows, 2].</summary>
    private readonly struct CrossEntropyRows(Strided logits, Strided target, Strided? weight, Strided lse, long ignoreIndex, double labelSmoothing)
    {
        public readonly nint Logits = (nint)Address(logits);
        public readonly nint Target = (nint)Address(target);
        public readonly nint Weight = AddressOrZero(weight);
        public readonly nint Lse = (nint)Address(lse);
        public readonly int Classes = (int)logits.Shape[^1];
        public readonly long IgnoreIndex = ignoreIndex;
        public readonly double Smoothing = labelSmoothing;

        public ReadOnlySpan<T> Row<T>(long r) where T : unmanaged => new((T*)Logits + r * Classes, Classes);

        public ReadOnlySpan<T> Weights<T>() where T : unmanaged => new((T*)Weight, Weight == 0 ? 0 : Classes);

        /// <summary>Σ_c w[c]: C without weights.</summary>
        public T WeightTotal<T>() where T : unmanaged, IFloatingPointIeee754<T>
            => Weight == 0 ? T.CreateChecked(Classes) : TensorPrimitives.Sum(Weights<T>());
    }

    private readonly struct CrossEntropyForwardRows<T>(CrossEntropyRows c, nint loss, nint rowWeight, nint bad) : IRowRangeKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Called a few times per step on large data: without this it would run unoptimized for its first ~30 calls.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Rows(long start, long end, int chunk)
        {
            ((long*)bad)[chunk] = -1;
            var w = c.Weights<T>();
            T eps = T.CreateChecked(c.Smoothing), onMinusEps = T.One - eps, epsPerClass = T.CreateChecked(c.Smoothing / c.Classes);
            T[] rented = ArrayPool<T>.Shared.Rent(c.Classes);
            try
            {
                var scratch = rented.AsSpan(0, c.Classes);
                for (long r = start; r < end; r++)
                {
                    var x = c.Row<T>(r);
                    T m = TensorPrimitives.Max(x);
                    TensorPrimitives.Subtract(x, m, scratch);
                    TensorPrimitives.Exp(scratch, scratch);
                    T logSum = T.Log(TensorPrimitives.Sum<T>(scratch));
                    ((T*)c.Lse)[2 * r] = m;
                    ((T*)c.Lse)[2 * r + 1] = logSum;
                    long t = ((long*)c.Target)[r];
                    if (t == c.IgnoreIndex)
                    {
                        ((T*)loss)[r] = T.Zero;
                        ((T*)rowWeight)[r] = T.Zero;
                        continue;
                    }
                    if ((ulong)t >= (ulong)c.Classes)
                    {
                        if (((long*)bad)[chunk] < 0) ((long*)bad)[chunk] = r;
                        continue;
                    }
                    T wt = w.IsEmpty ? T.One : w[(int)t];
                    // -log p[t] = (m - x[t]) + log Σ: no rounding of a large lse.
                    T value = wt * ((m - x[(int)t]) + logSum);
                    if (c.Smoothing > 0)
                    {
                        // Σ_c w[c]·((m - x[c]) + log Σ): every term is >= 0, so nothing cancels even for large logits.
                        TensorPrimitives.Subtract(m, x, scratch);
                        TensorPrimitives.Add(scratch, logSum, scratch);
                        T smooth = w.IsEmpty ? TensorPrimitives.Sum<T>(scratch) : TensorPrimitives.Dot<T>(scratch, w);
                        value = onMinusEps * value + epsPerClass * smooth;
                    }
                    ((T*)loss)[r] = value;
                    ((T*)rowWeight)[r] = wt;
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(rented);
            }
        }
    }

    private readonly struct CrossEntropyBackwardRows<T>(CrossEntropyRows c, nint dlogits, nint grad) : IRowRangeKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Called a few times per step on large data: without this it would run unoptimized for its first ~30 calls.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Rows(long start, long end, int chunk)
        {
            var w = c.Weights<T>();
            T eps = T.CreateChecked(c.Smoothing), oneMinusEps = T.One - eps, epsPerClass = T.CreateChecked(c.Smoothing / c.Classes);
            T uniform = epsPerClass * c.WeightTotal<T>();
            for (long r = start; r < end; r++)
            {
                var x = c.Row<T>(r);
                var d = new Span<T>((T*)dlogits + r * c.Classes, c.Classes);
                long t = ((long*)c.Target)[r];
                if (t == c.IgnoreIndex)
                {
                    d.Clear();
                    continue;
                }
                T g = ((T*)grad)[r];
                T wt = w.IsEmpty ? T.One : w[(int)t];
                // d = g·(a·p - q) with p = exp(x - lse), q = (1 - ε)·w[t]·onehot(t) + (ε/C)·w and a = Σ q.
                TensorPrimitives.Subtract(x, ((T*)c.Lse)[2 * r], d);
                TensorPrimitives.Subtract(d, ((T*)c.Lse)[2 * r + 1], d);
                TensorPrimitives.Exp(d, d);
                TensorPrimitives.Multiply(d, g * (oneMinusEps * wt + uniform), d);
                if (c.Smoothing > 0)
                {
                    if (w.IsEmpty) TensorPrimitives.Add(d, -g * epsPerClass, d);
                    else TensorPrimitives.MultiplyAdd(w, -g * epsPerClass, d, d);
                }
                d[(int)t] -= g * oneMinusEps * wt;
            }
        }
    }
}

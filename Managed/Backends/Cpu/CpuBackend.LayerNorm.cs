using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CudaTensor.Backends.Cpu;

// Fused layer normalization over contiguous rows. Statistics use two passes in the element type (the mean, then the
// mean of squared deviations): unlike E[x²] - E[x]², this loses no precision when the mean is large next to the spread.
// With 512-bit vectors the rows go through LayerNormRows (fewest passes); the TensorPrimitives form remains for others.
internal sealed unsafe partial class CpuBackend
{
    public void LayerNormForward(Strided y, Strided mean, Strided rstd, Strided x, Strided? weight, Strided? bias, double eps)
    {
        using var alive = new OperandsAlive(x.Storage, weight?.Storage, bias?.Storage);
        switch (x.DType)
        {
            case DType.Float32: LayerNormForward<float>(y, mean, rstd, x, weight, bias, eps); break;
            case DType.Float64: LayerNormForward<double>(y, mean, rstd, x, weight, bias, eps); break;
            default: throw Unsupported("LayerNorm", x.DType);
        }
    }

    public void LayerNormBackward(Strided dx, Strided? dweight, Strided? dbias, Strided dy, Strided x, Strided mean, Strided rstd, Strided? weight)
    {
        using var alive = new OperandsAlive(dy.Storage, x.Storage, mean.Storage, rstd.Storage, weight?.Storage);
        switch (x.DType)
        {
            case DType.Float32: LayerNormBackward<float>(dx, dweight, dbias, dy, x, mean, rstd, weight); break;
            case DType.Float64: LayerNormBackward<double>(dx, dweight, dbias, dy, x, mean, rstd, weight); break;
            default: throw Unsupported("LayerNormBackward", x.DType);
        }
    }

    private static nint AddressOrZero(Strided? t) => t is { } v ? (nint)Address(v) : 0;

    private static void LayerNormForward<T>(Strided y, Strided mean, Strided rstd, Strided x, Strided? weight, Strided? bias, double eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long len = x.Shape[^1], rows = x.NumElements / Math.Max(len, 1);
        if (rows == 0) return;
        var kernel = new LayerNormForwardRows<T>((nint)Address(y), (nint)Address(mean), (nint)Address(rstd), (nint)Address(x),
            AddressOrZero(weight), AddressOrZero(bias), (int)len, T.CreateChecked(eps));
        RowRange.Run(kernel, rows, RowRange.Chunks(rows, len, 4));
    }

    private readonly struct LayerNormForwardRows<T>(nint y, nint mean, nint rstd, nint x, nint weight, nint bias, int len, T eps) : IRowRangeKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Called a few times per step on large data: without this it would run unoptimized for its first ~30 calls.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Rows(long start, long end, int chunk)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                for (long r = start; r < end; r++)
                    (((T*)mean)[r], ((T*)rstd)[r]) = LayerNormRows<T>.Forward((T*)x + r * len, (T*)y + r * len, (T*)weight, (T*)bias, len, eps);
                return;
            }
            var w = new ReadOnlySpan<T>((T*)weight, weight == 0 ? 0 : len);
            var b = new ReadOnlySpan<T>((T*)bias, bias == 0 ? 0 : len);
            T n = T.CreateChecked(len);
            for (long r = start; r < end; r++)
            {
                var xr = new ReadOnlySpan<T>((T*)x + r * len, len);
                var yr = new Span<T>((T*)y + r * len, len);
                // An empty row has mean 0/0 = NaN, as the composed mean.
                T mu = TensorPrimitives.Sum(xr) / n;
                TensorPrimitives.Subtract(xr, mu, yr);
                T rs = T.One / T.Sqrt(TensorPrimitives.SumOfSquares<T>(yr) / n + eps);
                ((T*)mean)[r] = mu;
                ((T*)rstd)[r] = rs;
                TensorPrimitives.Multiply(yr, rs, yr);
                if (!w.IsEmpty && !b.IsEmpty) TensorPrimitives.FusedMultiplyAdd(yr, w, b, yr);
                else if (!w.IsEmpty) TensorPrimitives.Multiply(yr, w, yr);
                else if (!b.IsEmpty) TensorPrimitives.Add(yr, b, yr);
            }
        }
    }

    private static void LayerNormBackward<T>(Strided dx, Strided? dweight, Strided? dbias, Strided dy, Strided x, Strided mean, Strided rstd, Strided? weight)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long len = x.Shape[^1], rows = x.NumElements / Math.Max(len, 1);
        int chunks = RowRange.Chunks(rows, len, 6);
        bool affine = dweight is not null || dbias is not null;
        // Each range sums its own rows' contributions to dweight and dbias; the ranges are added at the end.
        T[]? partial = affine ? new T[(long)chunks * 2 * len] : null;
        fixed (T* p = partial)
        {
            var kernel = new LayerNormBackwardRows<T>((nint)Address(dx), (nint)Address(dy), (nint)Address(x), (nint)Address(mean), (nint)Address(rstd),
                AddressOrZero(weight), (nint)p, (int)len);
            RowRange.Run(kernel, rows, chunks);
            if (!affine) return;
            var dw = new Span<T>(p, (int)len);
            var db = new Span<T>(p + len, (int)len);
            for (int c = 1; c < chunks; c++)
            {
                TensorPrimitives.Add(dw, new ReadOnlySpan<T>(p + 2 * c * len, (int)len), dw);
                TensorPrimitives.Add(db, new ReadOnlySpan<T>(p + (2 * c + 1) * len, (int)len), db);
            }
            if (dweight is { } gw) dw.CopyTo(new Span<T>(Address(gw), (int)len));
            if (dbias is { } gb) db.CopyTo(new Span<T>(Address(gb), (int)len));
        }
    }

    // dx = rstd·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂)) with ĝ = dy·weight and x̂ = (x - mean)·rstd.
    private readonly struct LayerNormBackwardRows<T>(nint dx, nint dy, nint x, nint mean, nint rstd, nint weight, nint partial, int len) : IRowRangeKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Called a few times per step on large data: without this it would run unoptimized for its first ~30 calls.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Rows(long start, long end, int chunk)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                T* dwp = partial == 0 ? null : (T*)partial + 2L * chunk * len;
                T* dbp = partial == 0 ? null : (T*)partial + (2L * chunk + 1) * len;
                for (long r = start; r < end; r++)
                {
                    LayerNormRows<T>.Backward((T*)dx + r * len, (T*)dy + r * len, (T*)x + r * len, (T*)weight, dwp, dbp,
                        ((T*)mean)[r], ((T*)rstd)[r], len);
                }
                return;
            }
            var w = new ReadOnlySpan<T>((T*)weight, weight == 0 ? 0 : len);
            T[] rented = ArrayPool<T>.Shared.Rent(2 * len);
            try
            {
                var xhat = rented.AsSpan(0, len);
                var gw = rented.AsSpan(len, len);
                Span<T> dw = partial == 0 ? default : new Span<T>((T*)partial + 2L * chunk * len, len);
                Span<T> db = partial == 0 ? default : new Span<T>((T*)partial + (2L * chunk + 1) * len, len);
                T n = T.CreateChecked(len);
                for (long r = start; r < end; r++)
                {
                    var xr = new ReadOnlySpan<T>((T*)x + r * len, len);
                    var gr = new ReadOnlySpan<T>((T*)dy + r * len, len);
                    var dxr = new Span<T>((T*)dx + r * len, len);
                    T rs = ((T*)rstd)[r];
                    TensorPrimitives.Subtract(xr, ((T*)mean)[r], xhat);
                    TensorPrimitives.Multiply(xhat, rs, xhat);
                    ReadOnlySpan<T> g = gr;
                    if (!w.IsEmpty)
                    {
                        TensorPrimitives.Multiply(gr, w, gw);
                        g = gw;
                    }
                    T meanG = TensorPrimitives.Sum(g) / n;
                    T meanGX = TensorPrimitives.Dot(g, xhat) / n;
                    // dx = (x̂·(-meanGX) + ĝ - meanG)·rstd
                    TensorPrimitives.MultiplyAdd(xhat, -meanGX, g, dxr);
                    TensorPrimitives.Add(dxr, -meanG, dxr);
                    TensorPrimitives.Multiply(dxr, rs, dxr);
                    if (!dw.IsEmpty)
                    {
                        TensorPrimitives.FusedMultiplyAdd(gr, xhat, dw, dw);
                        TensorPrimitives.Add(db, gr, db);
                    }
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(rented);
            }
        }
    }
}

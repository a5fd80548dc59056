using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace CudaTensor.Backends.Cpu;

// 2-D convolution, one sample at a time: its unfolded windows (C·taps x positions, a few hundred KiB for typical
// layers) go to a buffer of the thread's own and are multiplied while still in its core's cache, instead of the whole
// batch's columns making a round trip through memory between the unfold and the product. The cores take whole
// samples (CpuWorkers); the unfold, product and fold inside a sample then run on that core alone (nested parallel
// loops fall back to the calling thread), or across all cores when there is a single chunk of samples.
internal sealed unsafe partial class CpuBackend
{
    public void Conv2dForward(Strided y, Strided x, Strided w, Strided? bias, in WindowGeometry g)
    {
        using var alive = new OperandsAlive(x.Storage, w.Storage, bias?.Storage);
        switch (x.DType)
        {
            case DType.Float32: ConvForward<float>(y, x, w, bias, g); break;
            case DType.Float64: ConvForward<double>(y, x, w, bias, g); break;
            default: throw Unsupported(nameof(Conv2dForward), x.DType);
        }
    }

    public void Conv2dBackwardInput(Strided dx, Strided dy, Strided w, in WindowGeometry g)
    {
        using var alive = new OperandsAlive(dy.Storage, w.Storage);
        switch (dx.DType)
        {
            case DType.Float32: ConvBackwardInput<float>(dx, dy, w, g); break;
            case DType.Float64: ConvBackwardInput<double>(dx, dy, w, g); break;
            default: throw Unsupported(nameof(Conv2dBackwardInput), dx.DType);
        }
    }

    public void Conv2dBackwardWeight(Strided dw, Strided? db, Strided dy, Strided x, in WindowGeometry g)
    {
        using var alive = new OperandsAlive(dy.Storage, x.Storage);
        switch (x.DType)
        {
            case DType.Float32: ConvBackwardWeight<float>(dw, db, dy, x, g); break;
            case DType.Float64: ConvBackwardWeight<double>(dw, db, dy, x, g); break;
            default: throw Unsupported(nameof(Conv2dBackwardWeight), x.DType);
        }
    }

    /// <summary>The sizes of one convolution: N samples of C channels, O outputs, C·taps unfolded rows, L positions.</summary>
    private readonly record struct ConvShape(long N, long C, long O, long Rows, long L, long ImageSize)
    {
        public static ConvShape Of(Strided image, Strided weight, in WindowGeometry g)
            => new(image.Shape[0], image.Shape[1], weight.Shape[0], weight.Shape[1], g.Positions, g.Height * g.Width);

        /// <summary>Chunks of samples for the cores: one per core when the multiply-adds are worth the hand-off.</summary>
        public int Chunks => RowRange.Chunks(N, O * Rows * L, 1);
    }

    private static void ConvForward<T>(Strided y, Strided x, Strided w, Strided? bias, in WindowGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = ConvShape.Of(x, w, g);
        if (s.N == 0 || s.O == 0 || s.L == 0) return;
        RowRange.Run(new ConvForwardSamples<T>((T*)Address(y), (T*)Address(x), (T*)Address(w), bias is { } b ? (T*)Address(b) : null, g, s), s.N, s.Chunks);
    }

    private static void ConvBackwardInput<T>(Strided dx, Strided dy, Strided w, in WindowGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = ConvShape.Of(dx, w, g);
        if (s.N == 0 || s.ImageSize == 0) return;
        RowRange.Run(new ConvBackwardInputSamples<T>((T*)Address(dx), (T*)Address(dy), (T*)Address(w), g, s), s.N, s.Chunks);
    }

    private static void ConvBackwardWeight<T>(Strided dw, Strided? db, Strided dy, Strided x, in WindowGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = ConvShape.Of(x, dw, g);
        var dwSpan = new Span<T>((T*)Address(dw), checked((int)(s.O * s.Rows)));
        var dbSpan = db is { } b ? new Span<T>((T*)Address(b), checked((int)s.O)) : default;
        dwSpan.Clear();
        dbSpan.Clear();
        if (s.N == 0 || s.L == 0) return;
        // Each chunk sums its samples into its own partial result; the partials are then added in chunk order, so the
        // result does not depend on which thread ran which chunk.
        int chunks = s.Chunks;
        long partialLength = s.O * s.Rows + s.O;
        T* partials = (T*)NativeMemory.Alloc((nuint)(chunks * partialLength), (nuint)sizeof(T));
        try
        {
            RowRange.Run(new ConvWeightSamples<T>(partials, partialLength, (T*)Address(dy), (T*)Address(x), db is not null, g, s), s.N, chunks);
            for (int c = 0; c < chunks; c++)
            {
                T* p = partials + c * partialLength;
                TensorPrimitives.Add(dwSpan, new ReadOnlySpan<T>(p, dwSpan.Length), dwSpan);
                if (db is not null) TensorPrimitives.Add(dbSpan, new ReadOnlySpan<T>(p + s.O * s.Rows, dbSpan.Length), dbSpan);
            }
        }
        finally
        {
            NativeMemory.Free(partials);
        }
    }

    /// <summary>A buffer for one sample's unfolded windows [C·taps, positions], freed by <see cref="Dispose"/>.</summary>
    private readonly struct ColumnBuffer<T> : IDisposable where T : unmanaged
    {
        public readonly T* Pointer;

        public ColumnBuffer(in ConvShape s) => Pointer = (T*)NativeMemory.AlignedAlloc((nuint)(s.Rows * s.L * sizeof(T)), 64);

        public void Dispose() => NativeMemory.AlignedFree(Pointer);

        /// <summary>Unfolds sample image [C, H, W] into the buffer (padding reads 0).</summary>
        public void Unfold(T* image, in WindowGeometry g, in ConvShape s)
            => RowRange.Run(new Im2ColRows<T>(Pointer, image, g, default), s.Rows, RowRange.Chunks(s.Rows, s.L, 1));
    }

    // Samples [start, end): y[n] = w @ unfold(x[n]), starting from the bias on every position when there is one.
    private readonly struct ConvForwardSamples<T>(T* y, T* x, T* w, T* bias, WindowGeometry g, ConvShape s) : IRowRangeKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Rows(long start, long end, int chunk)
        {
            using var cols = new ColumnBuffer<T>(s);
            for (long n = start; n < end; n++)
            {
                cols.Unfold(x + n * s.C * s.ImageSize, g, s);
                T* yn = y + n * s.O * s.L;
                if (bias != null)
                {
                    for (long o = 0; o < s.O; o++) new Span<T>(yn + o * s.L, (int)s.L).Fill(bias[o]);
                }
                Gemm.Run((int)s.O, (int)s.L, (int)s.Rows, w, s.Rows, 1, cols.Pointer, s.L, 1, yn, s.L, T.One, bias != null ? T.One : T.Zero);
            }
        }
    }

    // Samples [start, end): dx[n] = fold(wᵀ @ dy[n]).
    private readonly struct ConvBackwardInputSamples<T>(T* dx, T* dy, T* w, WindowGeometry g, ConvShape s) : IRowRangeKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Rows(long start, long end, int chunk)
        {
            using var cols = new ColumnBuffer<T>(s);
            for (long n = start; n < end; n++)
            {
                Gemm.Run((int)s.Rows, (int)s.L, (int)s.O, w, 1, s.Rows, dy + n * s.O * s.L, s.L, 1, cols.Pointer, s.L, T.One, T.Zero);
                long imageRows = s.C * g.Height;
                RowRange.Run(new Col2ImRows<T>(dx + n * s.C * s.ImageSize, cols.Pointer, g), imageRows, RowRange.Chunks(imageRows, g.Width * g.Taps, 1));
            }
        }
    }

    // Samples [start, end) into partial result `chunk`: dw += dy[n] @ unfold(x[n])ᵀ, then db += the row sums of dy[n].
    private readonly struct ConvWeightSamples<T>(T* partials, long partialLength, T* dy, T* x, bool withBias, WindowGeometry g, ConvShape s) : IRowRangeKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Rows(long start, long end, int chunk)
        {
            T* dw = partials + chunk * partialLength;
            T* db = dw + s.O * s.Rows;
            new Span<T>(dw, (int)partialLength).Clear(); // an empty range must still contribute zeros
            using var cols = new ColumnBuffer<T>(s);
            for (long n = start; n < end; n++)
            {
                cols.Unfold(x + n * s.C * s.ImageSize, g, s);
                T* dyn = dy + n * s.O * s.L;
                Gemm.Run((int)s.O, (int)s.Rows, (int)s.L, dyn, s.L, 1, cols.Pointer, 1, s.L, dw, s.Rows, T.One, n == start ? T.Zero : T.One);
                if (!withBias) continue;
                for (long o = 0; o < s.O; o++) db[o] += TensorPrimitives.Sum(new ReadOnlySpan<T>(dyn + o * s.L, (int)s.L));
            }
        }
    }
}

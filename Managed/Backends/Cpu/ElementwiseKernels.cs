using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CudaTensor.Backends.Cpu;

/// <summary>A scalar formula of one operand with a vectorized span form (the default span form is a loop).</summary>
internal interface IUnaryOperator<TSelf, T> where TSelf : IUnaryOperator<TSelf, T> where T : unmanaged
{
    static abstract T Invoke(T x, T p0, T p1);

    static virtual void Invoke(ReadOnlySpan<T> x, Span<T> y, T p0, T p1)
    {
        for (int i = 0; i < x.Length; i++) y[i] = TSelf.Invoke(x[i], p0, p1);
    }
}

/// <summary>A scalar formula of two operands with vectorized span forms (span-span, span-scalar, scalar-span).</summary>
internal interface IBinaryOperator<TSelf, T, TOut> where TSelf : IBinaryOperator<TSelf, T, TOut> where T : unmanaged where TOut : unmanaged
{
    static abstract TOut Invoke(T a, T b);

    static virtual void Invoke(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<TOut> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = TSelf.Invoke(a[i], b[i]);
    }

    static virtual void Invoke(ReadOnlySpan<T> a, T b, Span<TOut> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = TSelf.Invoke(a[i], b);
    }

    static virtual void Invoke(T a, ReadOnlySpan<T> b, Span<TOut> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = TSelf.Invoke(a, b[i]);
    }
}

/// <summary>Row kernels that adapt operator structs to the strided loop: unit strides go to span forms.</summary>
internal static unsafe class ElementwiseRows
{
    private static int Chunk(long n) => (int)Math.Min(n, int.MaxValue);

    internal readonly struct Unary<T, TOp>(T p0, T p1) : IRowKernel
        where T : unmanaged where TOp : IUnaryOperator<TOp, T>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Row(long n, byte** ptr, long* stride)
        {
            T* y = (T*)ptr[0];
            T* x = (T*)ptr[1];
            long sy = stride[0] / sizeof(T), sx = stride[1] / sizeof(T);
            if (sy == 1 && sx == 1)
            {
                for (long i = 0; i < n; i += int.MaxValue)
                    TOp.Invoke(new ReadOnlySpan<T>(x + i, Chunk(n - i)), new Span<T>(y + i, Chunk(n - i)), p0, p1);
                return;
            }
            for (long i = 0; i < n; i++) y[i * sy] = TOp.Invoke(x[i * sx], p0, p1);
        }
    }

    internal readonly struct Binary<T, TOut, TOp> : IRowKernel
        where T : unmanaged where TOut : unmanaged where TOp : IBinaryOperator<TOp, T, TOut>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Row(long n, byte** ptr, long* stride)
        {
            TOut* y = (TOut*)ptr[0];
            T* a = (T*)ptr[1];
            T* b = (T*)ptr[2];
            long sy = stride[0] / sizeof(TOut), sa = stride[1] / sizeof(T), sb = stride[2] / sizeof(T);
            if (sy == 1 && n <= int.MaxValue)
            {
                int m = (int)n;
                if (sa == 1 && sb == 1) { TOp.Invoke(new ReadOnlySpan<T>(a, m), new ReadOnlySpan<T>(b, m), new Span<TOut>(y, m)); return; }
                if (sa == 1 && sb == 0) { TOp.Invoke(new ReadOnlySpan<T>(a, m), *b, new Span<TOut>(y, m)); return; }
                if (sa == 0 && sb == 1) { TOp.Invoke(*a, new ReadOnlySpan<T>(b, m), new Span<TOut>(y, m)); return; }
            }
            for (long i = 0; i < n; i++) y[i * sy] = TOp.Invoke(a[i * sa], b[i * sb]);
        }
    }

    internal readonly struct Ternary<T> : IRowKernel where T : unmanaged, IBinaryInteger<T>
    {
        // dst = cond ? a : b, on the elements' bits (T is an integer of the element's size). Branch-free: a condition
        // such as ReLU's x > 0 is random per element, and a mispredicted branch per element made this loop ~6 ns an
        // element (ReLU's backward took 8x its forward); the mask form costs the same whatever the condition.
        public void Row(long n, byte** ptr, long* stride)
        {
            T* y = (T*)ptr[0];
            byte* c = ptr[1];
            T* a = (T*)ptr[2];
            T* b = (T*)ptr[3];
            long sy = stride[0] / sizeof(T), sc = stride[1], sa = stride[2] / sizeof(T), sb = stride[3] / sizeof(T);
            long i = 0;
            // Contiguous rows whose branches are rows or broadcast numbers (ReLU's backward: where(x > 0, g, 0)).
            if (Avx512F.IsSupported && sy == 1 && sc == 1 && (sa | 1) == 1 && (sb | 1) == 1)
            {
                if (sizeof(T) == 4) i = SelectLanes32(n, (int*)y, c, (int*)a, sa, (int*)b, sb);
                else if (sizeof(T) == 8) i = SelectLanes64(n, (long*)y, c, (long*)a, sa, (long*)b, sb);
            }
            for (; i < n; i++)
            {
                T mask = T.Zero - T.CreateTruncating(c[i * sc] != 0 ? 1 : 0); // all ones or all zeros
                y[i * sy] = (a[i * sa] & mask) | (b[i * sb] & ~mask);
            }
        }

        // 16 elements of 4 bytes a step: the condition bytes zero-extended to lanes (VPMOVZXBD), then a select.
        // sa, sb: 1 for a row, 0 for a broadcast number. Returns how many elements were done.
        private static long SelectLanes32(long n, int* y, byte* c, int* a, long sa, int* b, long sb)
        {
            long i = 0;
            for (; i + 16 <= n; i += 16)
            {
                var m = ~Vector512.Equals(Avx512F.ConvertToVector512Int32(Vector128.Load(c + i)), Vector512<int>.Zero);
                var av = sa == 1 ? Vector512.Load(a + i) : Vector512.Create(*a);
                var bv = sb == 1 ? Vector512.Load(b + i) : Vector512.Create(*b);
                Vector512.ConditionalSelect(m, av, bv).Store(y + i);
            }
            return i;
        }

        // 8 elements of 8 bytes a step (VPMOVZXBQ of 8 condition bytes).
        private static long SelectLanes64(long n, long* y, byte* c, long* a, long sa, long* b, long sb)
        {
            long i = 0;
            for (; i + 8 <= n; i += 8)
            {
                var bytes = Vector128.CreateScalar(*(ulong*)(c + i)).AsByte();
                var m = ~Vector512.Equals(Avx512F.ConvertToVector512Int64(bytes), Vector512<long>.Zero);
                var av = sa == 1 ? Vector512.Load(a + i) : Vector512.Create(*a);
                var bv = sb == 1 ? Vector512.Load(b + i) : Vector512.Create(*b);
                Vector512.ConditionalSelect(m, av, bv).Store(y + i);
            }
            return i;
        }
    }

    internal readonly struct Convert<TFrom, TTo> : IRowKernel
        where TFrom : unmanaged, INumberBase<TFrom> where TTo : unmanaged, INumberBase<TTo>
    {
        public void Row(long n, byte** ptr, long* stride)
        {
            TTo* y = (TTo*)ptr[0];
            TFrom* x = (TFrom*)ptr[1];
            long sy = stride[0] / sizeof(TTo), sx = stride[1] / sizeof(TFrom);
            if (typeof(TFrom) == typeof(TTo) && sy == 1 && sx == 1)
            {
                Buffer.MemoryCopy(x, y, n * sizeof(TTo), n * sizeof(TTo));
                return;
            }
            if (sy == 1 && sx == 1)
            {
                // Same per-element CreateTruncating semantics, vectorized for the common pairs (int <-> float, float <-> double).
                for (long i = 0; i < n; i += int.MaxValue)
                    System.Numerics.Tensors.TensorPrimitives.ConvertTruncating(new ReadOnlySpan<TFrom>(x + i, Chunk(n - i)), new Span<TTo>(y + i, Chunk(n - i)));
                return;
            }
            // Floating to integer truncates toward zero and saturates, as C casts do for in-range values.
            for (long i = 0; i < n; i++) y[i * sy] = TTo.CreateTruncating(x[i * sx]);
        }
    }

    /// <summary>Any numeric dtype to Bool: non-zero becomes 1.</summary>
    internal readonly struct ToBool<TFrom> : IRowKernel where TFrom : unmanaged, INumberBase<TFrom>
    {
        public void Row(long n, byte** ptr, long* stride)
        {
            byte* y = ptr[0];
            TFrom* x = (TFrom*)ptr[1];
            long sy = stride[0], sx = stride[1] / sizeof(TFrom);
            for (long i = 0; i < n; i++) y[i * sy] = TFrom.IsZero(x[i * sx]) ? (byte)0 : (byte)1;
        }
    }

    internal readonly struct Fill<T>(T value) : IRowKernel where T : unmanaged
    {
        public void Row(long n, byte** ptr, long* stride)
        {
            T* y = (T*)ptr[0];
            long sy = stride[0] / sizeof(T);
            if (sy == 1)
            {
                for (long i = 0; i < n; i += int.MaxValue) new Span<T>(y + i, Chunk(n - i)).Fill(value);
                return;
            }
            for (long i = 0; i < n; i++) y[i * sy] = value;
        }
    }
}

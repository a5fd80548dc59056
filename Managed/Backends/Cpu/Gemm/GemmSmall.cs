using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CudaTensor.Backends.Cpu;

// Small products without packing. Packing A and B, the scratch buffers and the edge tiles cost a few microseconds
// whatever the size, which is most of the time of the products a small convolution runs once per sample (a 32 x 144
// weight times 144 x 16 windows: 74K multiply-adds, 0.7 µs of FMAs). Below SmallMultiplyAdds and with B's rows
// contiguous, eight rows of C at a time accumulate in registers from broadcast elements of A times vectors of B's rows
// (a row's last, partial vector through masked loads and stores).
internal static unsafe partial class Gemm
{
    /// <summary>Products of at most this many multiply-adds (m * n * k) skip packing when B's rows are contiguous.</summary>
    private const long SmallMultiplyAdds = 1L << 17;

    /// <summary>Rows of C per register tile: eight independent FMA chains hide the FMA latency.</summary>
    private const int SmallRows = 8;

    /// <summary>Test hook: never take the small-product path.</summary>
    internal static bool DisableSmall { get; set; }

    private static bool TrySmall<T>(ref Args<T> args)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (DisableSmall || ForcedVectorBits is not 0 || !Avx512F.IsSupported || args.BColStride != 1
            || (long)args.M * args.N * args.K > SmallMultiplyAdds)
        {
            return false;
        }

        int w = Vector512<T>.Count;
        // The last vector of a row that is not a multiple of the vector width goes through masked loads and stores,
        // which touch no memory past the row.
        var all = Vector512<T>.AllBitsSet;
        var tail = Vector512.LessThan(Vector512<T>.Indices, Vector512.Create(T.CreateTruncating(args.N % w)));
        var epilogue = Epilogue(ref args);
        for (int i0 = 0; i0 < args.M; i0 += SmallRows)
        {
            int rows = Math.Min(SmallRows, args.M - i0);
            for (int j = 0; j < args.N; j += w)
            {
                bool ragged = j + w > args.N;
                SmallTile(ref args, i0, rows, j, ragged ? tail : all, ragged);
                epilogue?.Apply(args.C + (i0 * args.Ldc) + j, args.Ldc, args.EpilogueRow0 + i0, j, rows, Math.Min(w, args.N - j));
            }
        }

        return true;
    }

    // C[i0 .. i0 + rows, j .. j + W): rows past the end of C repeat the last row's A (computed, not stored).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SmallTile<T>(ref Args<T> args, int i0, int rows, int j, Vector512<T> mask, bool ragged)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long ars = args.ARowStride, acs = args.AColStride, brs = args.BRowStride;
        T* a0 = args.A + (i0 * ars);
        T* a1 = a0 + (Math.Min(1, rows - 1) * ars), a2 = a0 + (Math.Min(2, rows - 1) * ars), a3 = a0 + (Math.Min(3, rows - 1) * ars);
        T* a4 = a0 + (Math.Min(4, rows - 1) * ars), a5 = a0 + (Math.Min(5, rows - 1) * ars), a6 = a0 + (Math.Min(6, rows - 1) * ars);
        T* a7 = a0 + (Math.Min(7, rows - 1) * ars);
        T* b = args.B + j;
        Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (long p = 0, ap = 0; p < args.K; p++, ap += acs, b += brs)
        {
            var bv = ragged ? MaskedLoad(b, mask) : Vector512.Load(b);
            c0 = GemmOps512<T>.Fma(Vector512.Create(a0[ap]), bv, c0);
            c1 = GemmOps512<T>.Fma(Vector512.Create(a1[ap]), bv, c1);
            c2 = GemmOps512<T>.Fma(Vector512.Create(a2[ap]), bv, c2);
            c3 = GemmOps512<T>.Fma(Vector512.Create(a3[ap]), bv, c3);
            c4 = GemmOps512<T>.Fma(Vector512.Create(a4[ap]), bv, c4);
            c5 = GemmOps512<T>.Fma(Vector512.Create(a5[ap]), bv, c5);
            c6 = GemmOps512<T>.Fma(Vector512.Create(a6[ap]), bv, c6);
            c7 = GemmOps512<T>.Fma(Vector512.Create(a7[ap]), bv, c7);
        }

        T* c = args.C + (i0 * args.Ldc) + j;
        SmallStore(ref args, c, c0, mask, ragged);
        if (rows > 1) SmallStore(ref args, c + args.Ldc, c1, mask, ragged);
        if (rows > 2) SmallStore(ref args, c + (2 * args.Ldc), c2, mask, ragged);
        if (rows > 3) SmallStore(ref args, c + (3 * args.Ldc), c3, mask, ragged);
        if (rows > 4) SmallStore(ref args, c + (4 * args.Ldc), c4, mask, ragged);
        if (rows > 5) SmallStore(ref args, c + (5 * args.Ldc), c5, mask, ragged);
        if (rows > 6) SmallStore(ref args, c + (6 * args.Ldc), c6, mask, ragged);
        if (rows > 7) SmallStore(ref args, c + (7 * args.Ldc), c7, mask, ragged);
    }

    // c = alpha·acc + beta·c, with c write-only when beta is zero (NaN in it is not propagated).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SmallStore<T>(ref Args<T> args, T* c, Vector512<T> acc, Vector512<T> mask, bool ragged)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var r = Vector512.Create(args.Alpha) * acc;
        if (!T.IsZero(args.Beta))
        {
            r = GemmOps512<T>.Fma(Vector512.Create(args.Beta), ragged ? MaskedLoad(c, mask) : Vector512.Load(c), r);
        }

        if (ragged)
        {
            MaskedStore(c, mask, r);
        }
        else
        {
            r.Store(c);
        }
    }

    // VMOVUPS/VMOVUPD with a mask: lanes outside the mask are neither read nor written (no fault past the end).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> MaskedLoad<T>(T* p, Vector512<T> mask)
        where T : unmanaged
        => typeof(T) == typeof(float)
            ? Avx512F.MaskLoad((float*)p, mask.AsSingle(), Vector512<float>.Zero).As<float, T>()
            : Avx512F.MaskLoad((double*)p, mask.AsDouble(), Vector512<double>.Zero).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MaskedStore<T>(T* p, Vector512<T> mask, Vector512<T> value)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            Avx512F.MaskStore((float*)p, mask.AsSingle(), value.AsSingle());
        }
        else
        {
            Avx512F.MaskStore((double*)p, mask.AsDouble(), value.AsDouble());
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CudaTensor.Backends.Cpu;

// Packing a row-major A (or a transposed B) is a transposition; done element by element it costs about as much as
// the multiply-adds of a 128-256 sized product. An in-register transpose of one zmm-square block (16x16 floats or
// 8x8 doubles) is written once for both: it works on the bits, with 32-bit interleaves only for 4-byte elements.
internal static unsafe partial class Gemm
{
    /// <summary>Whether <see cref="TransposeBlock{T}"/> can run here.</summary>
    private static bool CanTransposeInRegisters => Avx512F.IsSupported;

    /// <summary>
    /// Transposes a W x W block (W = 64 / sizeof(T)): row r of the source (W contiguous elements at
    /// <c>src + r * srcStride</c>, zero for r &gt;= <paramref name="srcRows"/>) becomes column r of the destination,
    /// whose rows are written as whole vectors at <c>dst + t * dstStride</c> in increasing t. When
    /// <paramref name="dstStride"/> &lt; W a row overruns into the next one, which the next store then overwrites;
    /// the last row overruns by W - dstStride elements, which the caller must own.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void TransposeBlock<T>(T* src, long srcStride, int srcRows, T* dst, long dstStride)
        where T : unmanaged
    {
        int w = 64 / sizeof(T);
        Vector512<double>* u = stackalloc Vector512<double>[16];
        for (int r = 0; r < w; r++)
        {
            u[r] = r < srcRows ? Vector512.Load((double*)(src + (r * srcStride))) : default;
        }

        if (sizeof(T) == 4)
        {
            // Interleave 32-bit elements of row pairs, then 64-bit pairs of row quads: within each 128-bit lane L,
            // u[4i + j] then holds column 4L + j of rows 4i .. 4i + 3.
            Vector512<double>* t = stackalloc Vector512<double>[16];
            for (int i = 0; i < 8; i++)
            {
                Vector512<float> a = u[2 * i].AsSingle(), b = u[(2 * i) + 1].AsSingle();
                t[2 * i] = Avx512F.UnpackLow(a, b).AsDouble();
                t[(2 * i) + 1] = Avx512F.UnpackHigh(a, b).AsDouble();
            }

            for (int i = 0; i < 4; i++)
            {
                u[4 * i] = Avx512F.UnpackLow(t[4 * i], t[(4 * i) + 2]);
                u[(4 * i) + 1] = Avx512F.UnpackHigh(t[4 * i], t[(4 * i) + 2]);
                u[(4 * i) + 2] = Avx512F.UnpackLow(t[(4 * i) + 1], t[(4 * i) + 3]);
                u[(4 * i) + 3] = Avx512F.UnpackHigh(t[(4 * i) + 1], t[(4 * i) + 3]);
            }
        }
        else
        {
            // Interleave 64-bit elements of row pairs: lane L of u[2i + j] holds column 2L + j of rows 2i, 2i + 1.
            for (int i = 0; i < 4; i++)
            {
                Vector512<double> a = u[2 * i], b = u[(2 * i) + 1];
                u[2 * i] = Avx512F.UnpackLow(a, b);
                u[(2 * i) + 1] = Avx512F.UnpackHigh(a, b);
            }
        }

        // Lane L of u[s*i + j] holds column s*L + j of rows s*i .. s*i + s - 1; gather the four lanes L of
        // u[j], u[s + j], u[2s + j], u[3s + j] into destination row s*L + j.
        int s = w / 4;
        Vector512<double>* rows = stackalloc Vector512<double>[16];
        for (int j = 0; j < s; j++)
        {
            Vector512<double> a = Avx512F.Shuffle4x128(u[j], u[s + j], 0x88);
            Vector512<double> b = Avx512F.Shuffle4x128(u[(2 * s) + j], u[(3 * s) + j], 0x88);
            Vector512<double> c = Avx512F.Shuffle4x128(u[j], u[s + j], 0xDD);
            Vector512<double> d = Avx512F.Shuffle4x128(u[(2 * s) + j], u[(3 * s) + j], 0xDD);
            rows[j] = Avx512F.Shuffle4x128(a, b, 0x88);
            rows[(2 * s) + j] = Avx512F.Shuffle4x128(a, b, 0xDD);
            rows[s + j] = Avx512F.Shuffle4x128(c, d, 0x88);
            rows[(3 * s) + j] = Avx512F.Shuffle4x128(c, d, 0xDD);
        }

        for (int r = 0; r < w; r++)
        {
            rows[r].Store((double*)(dst + (r * dstStride)));
        }
    }
}

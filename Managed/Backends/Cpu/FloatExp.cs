using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CudaTensor.Backends.Cpu;

/// <summary>
/// e^x of float32 rows in float lanes, 16 elements per <see cref="Vector512{T}"/>: x = k·ln2 + r with |r| ≤ ln2/2
/// (Cody-Waite, ln2 in two parts), e^r by its Taylor polynomial to r^7 (truncation below 6e-9 relative), times 2^k by
/// VSCALEFPS, which rounds subnormal results and overflow correctly. About 2 ulp; ±inf and NaN as the C library.
/// Span forms elsewhere fall back to <see cref="System.Numerics.Tensors.TensorPrimitives"/> without AVX-512.
/// </summary>
internal readonly struct FloatExp : IFloatLaneFunction
{
    public static bool IsSupported => Avx512F.IsSupported;

    public static void Invoke(ReadOnlySpan<float> x, Span<float> y) => FloatLanes.Map<FloatExp>(x, y);

    /// <summary>
    /// y = e^(x - shift) and Σ y in one pass over a row (softmax, with the row's max as the shift); with an empty
    /// <paramref name="y"/> only the sum. <paramref name="y"/> may be <paramref name="x"/> itself.
    /// </summary>
    public static float ExpShiftedSum(ReadOnlySpan<float> x, float shift, Span<float> y)
    {
        bool store = !y.IsEmpty;
        var s = Vector512.Create(shift);
        var acc = Vector512<float>.Zero;
        int i = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        for (; i + 16 <= x.Length; i += 16)
        {
            var e = Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i) - s);
            if (store) e.StoreUnsafe(ref yr, (nuint)i);
            acc += e;
        }
        float sum = Vector512.Sum(acc);
        if (i < x.Length)
        {
            Span<float> buffer = stackalloc float[16];
            x[i..].CopyTo(buffer);
            var e = Invoke(Vector512.Create<float>(buffer) - s);
            for (int k = 0; i + k < x.Length; k++)
            {
                float v = e.GetElement(k);
                if (store) y[i + k] = v;
                sum += v;
            }
        }
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x) => Scaled(x, Vector512<float>.Zero);

    /// <summary>
    /// x = k·ln2 + r with |r| ≤ ln2/2 (Cody-Waite, ln2 in two parts), k = round(x/ln2) by the 1.5·2^23 trick, for
    /// |x| well below 2^22 (callers clamp first).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ReduceLn2(Vector512<float> x, out Vector512<float> k)
    {
        var magic = Vector512.Create(12582912f);
        k = Vector512.FusedMultiplyAdd(x, Vector512.Create(1.44269504088896341f), magic) - magic;
        var r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-0.693145751953125f), x);
        return Vector512.FusedMultiplyAdd(k, Vector512.Create(-1.428606765330187e-06f), r);
    }

    /// <summary>
    /// e^x·2^s rounded once, for integer-valued <paramref name="s"/>: keeps all of e^x's bits where e^x alone would be
    /// a subnormal (down to x = -104 with s = 24).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Scaled(Vector512<float> x, Vector512<float> s)
    {
        // e^89 overflows and e^-104 is below half the smallest subnormal: clamping there changes no result and keeps
        // k small enough for the rounding trick below. (NaN is restored at the end.)
        var xc = Vector512.MaxNative(Vector512.MinNative(x, Vector512.Create(89f)), Vector512.Create(-104f));
        var r = ReduceLn2(xc, out var k);
        var p = Vector512.Create(1f / 5040);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 720));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 120));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 24));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(0.5f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        // p·2^k in one instruction (VSCALEFPS), rounded once, subnormal results and overflow included.
        var e = Avx512F.Scale(p, k + s);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), e, x);
    }
}

// =====================================================================================
// Per-element random-number contract (CPU: Backends/Cpu/CpuRandomFill.cs; GPU: Kernels/philox.cuh).
// Every element is a pure function of (seed, startBlock, i); the CUDA kernels must follow
// it exactly so one seed gives the same tensor on either device.
//
//  Block function   Philox4x32-10 (Random123), see Philox.cs.
//  Key              (k0, k1) = (lo32(seed), hi32(seed)).
//  Counter          block b -> (lo32(b), hi32(b), 0, 0); output words (x0, x1, x2, x3).
//  Element i        uses block b = startBlock + i / P and lane L = i % P, where P is the
//                   number of values per block of the kind (table below). Block indices wrap
//                   modulo 2^64. A fill of n elements consumes ceil(n / P) blocks
//                   (BlocksFor); unused lanes of the last block are discarded.
//
//  Helpers (all exact; no rounding happens in them)
//    u24(x)          = (float)(x >> 8) * 2^-24                in [0, 1), multiple of 2^-24
//    u24open(x)      = (float)((x >> 8) + 1) * 2^-24          in (0, 1]
//    w64(a, b)       = ((ulong)a << 32) | b
//    u53(a, b)       = (double)(w64(a, b) >> 11) * 2^-53      in [0, 1), multiple of 2^-53
//    u53open(a, b)   = (double)((w64(a, b) >> 11) + 1) * 2^-53 in (0, 1]
//
//  Kind              P  lane L of block (x0, x1, x2, x3)
//  Uniform float32   4  u = u24(x_L)
//  Uniform float64   2  u = u53(x_{2L}, x_{2L+1})
//     value = low + (high - low) * u, computed in the element type with IEEE round-to-nearest,
//     one multiply then one add, NO fused multiply-add. If that rounds up to >= high (possible
//     only for high > low) the value is replaced by the largest representable value below high
//     (C#: T.BitDecrement(high); CUDA: ct_bit_decrement_f32/f64), so the result is always in
//     [low, high). With low == high every value is low.
//  Normal float32    4  lanes 0,1 from (x0, x1); lanes 2,3 from (x2, x3). For pair (a, b):
//                       u1 = u24open(a), u2 = u24(b), r = sqrt(-2 * log(u1)),
//                       t = Tau * u2 (Tau = 2*pi rounded to float32: 6.28318548f)
//                       first lane = r * cos(t), second lane = r * sin(t); all in float32.
//  Normal float64   2   u1 = u53open(x0, x1), u2 = u53(x2, x3), r, t as above in float64
//                       (Tau = 6.283185307179586); lane 0 = r * cos(t), lane 1 = r * sin(t).
//     value = mean + std * z (multiply, then add; no FMA). u1 > 0, so log never sees 0.
//     sqrt, *, + are correctly rounded on both devices; log, sin, cos come from each device's
//     math library (CPU: the C runtime via MathF/Math Log and SinCos; CUDA: logf/sincosf or
//     log/sincos, the accurate versions, never __logf/__sinf/__cosf or -use_fast_math) and may
//     differ in the last bit or two, so normals agree to a few ulp rather than bit for bit.
//     Everything else (Philox words, uniforms, integers, Bernoulli) is bit-identical.
//  Integers         2   draw = w64(x_{2L}, x_{2L+1}); value = low + (long)(draw % range) with
//                       range = (ulong)(high - low) (high > low; computed in 64-bit two's
//                       complement, so any pair of 64-bit bounds works). The same values are
//                       produced for every integer element type given the same bounds.
//                       Modulo bias: each value has probability floor(2^64 / range) / 2^64 or
//                       ceil(2^64 / range) / 2^64, so no value is off from 1/range by more than a
//                       relative range / 2^64 (< 2^-40 for ranges below 2^24; negligible for any
//                       tensor-sized range).
//  Bernoulli(p)     4   value = (x_L >> 8) < T(p) ? 1 : 0, with T(p) = min(ceil(p * 2^24), 2^24).
//                       This is exactly "u24(x_L) < p" evaluated without rounding; GPU kernels
//                       receive the integer threshold T(p) (BernoulliThreshold).
// =====================================================================================

using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CudaTensor.RandomNumbers;

/// <summary>The kinds of random fill, which differ in how many values one Philox block yields.</summary>
internal enum RandomKind
{
    /// <summary>Uniform float32: 4 values per block.</summary>
    UniformFloat32,

    /// <summary>Uniform float64: 2 values per block.</summary>
    UniformFloat64,

    /// <summary>Normal float32 (Box-Muller): 4 values per block.</summary>
    NormalFloat32,

    /// <summary>Normal float64 (Box-Muller): 2 values per block.</summary>
    NormalFloat64,

    /// <summary>Integers in [low, high) from 64-bit draws, any integer type: 2 values per block.</summary>
    Integers,

    /// <summary>Bernoulli(p) from 24-bit uniforms, any output type: 4 values per block.</summary>
    Bernoulli,
}

/// <summary>
/// The device-independent half of random fills from a Philox4x32-10 counter stream: how many blocks each kind
/// consumes and the exact lane-to-value maps of the per-element contract documented at the top of this file. The
/// loops that fill memory live with each backend (CPU: <c>CpuRandomFill</c>; CUDA: <c>Kernels/philox.cuh</c>).
/// Callers reserve <see cref="BlocksFor"/> blocks from a <see cref="Generator"/> and pass the returned start block:
/// <code>
/// ulong start = gen.Reserve(RandomFill.BlocksFor(RandomKind.NormalFloat32, n), out ulong seed);
/// CpuRandomFill.Normal(span, seed, start, mean, std);
/// </code>
/// </summary>
internal static class RandomFill
{
    private const float TwoPowMinus24F = 1.0f / 16777216.0f;
    private const double TwoPowMinus53 = 1.0 / 9007199254740992.0;

    // ------------------------------------------------------------------ block accounting

    /// <summary>How many values one 128-bit block yields for <paramref name="kind"/>.</summary>
    /// <param name="kind">The kind of fill.</param>
    /// <returns>4 or 2.</returns>
    internal static int ValuesPerBlock(RandomKind kind) => kind switch
    {
        RandomKind.UniformFloat32 or RandomKind.NormalFloat32 or RandomKind.Bernoulli => 4,
        RandomKind.UniformFloat64 or RandomKind.NormalFloat64 or RandomKind.Integers => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown random kind."),
    };

    /// <summary>
    /// The number of blocks a fill of <paramref name="count"/> elements of <paramref name="kind"/>
    /// consumes: <c>ceil(count / ValuesPerBlock(kind))</c>. Reserve exactly this many.
    /// </summary>
    /// <param name="kind">The kind of fill.</param>
    /// <param name="count">The number of elements (non-negative).</param>
    /// <returns>The number of blocks.</returns>
    internal static ulong BlocksFor(RandomKind kind, long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ulong per = (ulong)ValuesPerBlock(kind);
        return ((ulong)count + per - 1) / per;
    }

    /// <summary>The uniform kind for element type <typeparamref name="T"/> (float or double).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <returns><see cref="RandomKind.UniformFloat32"/> or <see cref="RandomKind.UniformFloat64"/>.</returns>
    internal static RandomKind UniformKind<T>()
        => typeof(T) == typeof(float) ? RandomKind.UniformFloat32
        : typeof(T) == typeof(double) ? RandomKind.UniformFloat64
        : throw Unsupported<T>();

    /// <summary>The normal kind for element type <typeparamref name="T"/> (float or double).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <returns><see cref="RandomKind.NormalFloat32"/> or <see cref="RandomKind.NormalFloat64"/>.</returns>
    internal static RandomKind NormalKind<T>()
        => typeof(T) == typeof(float) ? RandomKind.NormalFloat32
        : typeof(T) == typeof(double) ? RandomKind.NormalFloat64
        : throw Unsupported<T>();

    /// <summary>
    /// The integer threshold T(p) = min(ceil(p * 2^24), 2^24) of the Bernoulli contract:
    /// element is 1 iff <c>(x &gt;&gt; 8) &lt; T(p)</c>, which equals <c>u24(x) &lt; p</c> exactly.
    /// </summary>
    /// <param name="p">The probability of 1, in [0, 1].</param>
    /// <returns>The threshold, in [0, 2^24].</returns>
    internal static uint BernoulliThreshold(double p)
    {
        if (!(p >= 0.0 && p <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "Probability must be in [0, 1].");
        }

        // p * 2^24 is exact (scaling by a power of two); ceil is exact.
        return (uint)Math.Ceiling(p * 16777216.0);
    }

    // ------------------------------------------------------------------ lane helpers

    /// <summary>u24(x) = (x &gt;&gt; 8) * 2^-24, in [0, 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float U24(uint x) => (x >> 8) * TwoPowMinus24F;

    /// <summary>u24open(x) = ((x &gt;&gt; 8) + 1) * 2^-24, in (0, 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float U24Open(uint x) => ((x >> 8) + 1) * TwoPowMinus24F;

    /// <summary>w64(a, b) = (a &lt;&lt; 32) | b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong W64(uint a, uint b) => ((ulong)a << 32) | b;

    /// <summary>u53(a, b) = (w64(a, b) &gt;&gt; 11) * 2^-53, in [0, 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double U53(uint a, uint b) => (W64(a, b) >> 11) * TwoPowMinus53;

    /// <summary>u53open(a, b) = ((w64(a, b) &gt;&gt; 11) + 1) * 2^-53, in (0, 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double U53Open(uint a, uint b) => ((W64(a, b) >> 11) + 1) * TwoPowMinus53;

    /// <summary>The error for an element type a random fill does not support.</summary>
    internal static NotSupportedException Unsupported<T>()
        => new($"Random fills do not support element type {typeof(T).Name}.");
}

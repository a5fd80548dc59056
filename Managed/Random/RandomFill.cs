// =====================================================================================
// Per-element random-number contract (CPU: this file; GPU: Kernels/philox.cuh).
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

using CudaTensor.Backends.Cpu;
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
/// Fills contiguous spans with random numbers from a Philox4x32-10 counter stream, following the
/// per-element contract documented at the top of this file (and implemented for CUDA in
/// <c>Kernels/philox.cuh</c>). Callers reserve <see cref="BlocksFor"/> blocks from a
/// <see cref="Generator"/> and pass the returned start block:
/// <code>
/// ulong start = gen.Reserve(RandomFill.BlocksFor(RandomKind.NormalFloat32, n), out ulong seed);
/// RandomFill.Normal(span, seed, start, mean, std);
/// </code>
/// Spans of at least <see cref="ParallelThreshold"/> elements are split over the cores; the result
/// is identical to the single-threaded one.
/// </summary>
internal static class RandomFill
{
    /// <summary>Spans at least this long are filled in parallel.</summary>
    internal const int ParallelThreshold = 1 << 16;

    /// <summary>Smallest number of elements one parallel chunk handles (a multiple of 4).</summary>
    private const int MinChunk = 1 << 14;

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

    // ------------------------------------------------------------------ public fills

    /// <summary>
    /// Fills <paramref name="destination"/> with values uniform in [<paramref name="low"/>,
    /// <paramref name="high"/>) (float: 24 random bits, double: 53 random bits).
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="destination">The contiguous elements to fill; element i uses block startBlock + i / P.</param>
    /// <param name="seed">The generator seed.</param>
    /// <param name="startBlock">The first reserved block.</param>
    /// <param name="low">Inclusive lower bound (finite).</param>
    /// <param name="high">Exclusive upper bound (finite, &gt;= low, high - low finite).</param>
    internal static void Uniform<T>(Span<T> destination, ulong seed, ulong startBlock, T low, T high)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckFloatType<T>();
        if (!T.IsFinite(low) || !T.IsFinite(high) || !(low <= high) || !T.IsFinite(high - low))
        {
            throw new ArgumentException($"Uniform bounds must be finite with low <= high; got [{low}, {high}).");
        }

        T limit = high > low ? T.BitDecrement(high) : high;
        Fill(destination, seed, startBlock, new UniformSampler<T>(low, high - low, limit));
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with normal values of the given mean and standard
    /// deviation (Box-Muller on pairs of lanes of one block).
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="destination">The contiguous elements to fill.</param>
    /// <param name="seed">The generator seed.</param>
    /// <param name="startBlock">The first reserved block.</param>
    /// <param name="mean">The mean (finite).</param>
    /// <param name="std">The standard deviation (finite, &gt;= 0).</param>
    internal static void Normal<T>(Span<T> destination, ulong seed, ulong startBlock, T mean, T std)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckFloatType<T>();
        if (!T.IsFinite(mean) || !T.IsFinite(std) || !(std >= T.Zero))
        {
            throw new ArgumentException($"Normal needs a finite mean and a finite std >= 0; got mean {mean}, std {std}.");
        }

        Fill(destination, seed, startBlock, new NormalSampler<T>(mean, std));
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with integers uniform in [<paramref name="low"/>,
    /// <paramref name="high"/>) from 64-bit draws (2 per block). For the same bounds every integer
    /// type receives the same values.
    /// </summary>
    /// <typeparam name="T">An integer type of at most 64 bits (int, long, byte, ulong, ...).</typeparam>
    /// <param name="destination">The contiguous elements to fill.</param>
    /// <param name="seed">The generator seed.</param>
    /// <param name="startBlock">The first reserved block.</param>
    /// <param name="low">Inclusive lower bound.</param>
    /// <param name="high">Exclusive upper bound, greater than <paramref name="low"/>.</param>
    internal static void Integers<T>(Span<T> destination, ulong seed, ulong startBlock, T low, T high)
        where T : unmanaged, IBinaryInteger<T>
    {
        if (Unsafe.SizeOf<T>() > sizeof(ulong))
        {
            throw Unsupported<T>();
        }

        if (!(high > low))
        {
            throw new ArgumentException($"Integer bounds need low < high; got [{low}, {high}).");
        }

        // Two's complement 64-bit arithmetic: exact for every type of at most 64 bits
        // (sign-extension for signed types, zero-extension or identity for unsigned ones).
        long lo = long.CreateTruncating(low);
        ulong range = unchecked((ulong)(long.CreateTruncating(high) - lo));
        Fill(destination, seed, startBlock, new IntegerSampler<T>(lo, range));
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with 1 (probability <paramref name="p"/>) or 0, from
    /// 24-bit uniforms (4 per block): 1 iff u24 &lt; p. Used for dropout masks.
    /// </summary>
    /// <typeparam name="T">Any numeric type (float, double, int, byte, ...).</typeparam>
    /// <param name="destination">The contiguous elements to fill.</param>
    /// <param name="seed">The generator seed.</param>
    /// <param name="startBlock">The first reserved block.</param>
    /// <param name="p">The probability of 1, in [0, 1].</param>
    internal static void Bernoulli<T>(Span<T> destination, ulong seed, ulong startBlock, double p)
        where T : unmanaged, INumberBase<T>
        => Fill(destination, seed, startBlock, new BernoulliSampler<T>(BernoulliThreshold(p)));

    /// <summary>
    /// Fills a boolean mask with true (probability <paramref name="p"/>) or false; the same stream
    /// as <see cref="Bernoulli{T}(Span{T}, ulong, ulong, double)"/>.
    /// </summary>
    /// <param name="destination">The contiguous elements to fill.</param>
    /// <param name="seed">The generator seed.</param>
    /// <param name="startBlock">The first reserved block.</param>
    /// <param name="p">The probability of true, in [0, 1].</param>
    internal static void Bernoulli(Span<bool> destination, ulong seed, ulong startBlock, double p)
        => Bernoulli(MemoryMarshal.Cast<bool, byte>(destination), seed, startBlock, p);

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

    // ------------------------------------------------------------------ driver

    private static void CheckFloatType<T>()
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            throw Unsupported<T>();
        }
    }

    private static NotSupportedException Unsupported<T>()
        => new($"Random fills do not support element type {typeof(T).Name}.");

    /// <summary>
    /// Fills the span block by block; large spans are cut into chunks whose lengths are multiples
    /// of 4 (hence of every P), each starting at its own block, so the result does not depend on
    /// the split.
    /// </summary>
    private static unsafe void Fill<T, TSampler>(Span<T> destination, ulong seed, ulong startBlock, TSampler sampler)
        where T : unmanaged
        where TSampler : struct, IBlockSampler<T>
    {
        int n = destination.Length;
        int workers = Environment.ProcessorCount;
        if (n < ParallelThreshold || workers < 2)
        {
            FillRange(destination, seed, startBlock, sampler);
            return;
        }

        int chunks = Math.Min(workers * 4, (n + MinChunk - 1) / MinChunk);
        int chunkLength = ((n + chunks - 1) / chunks + 3) & ~3;
        chunks = (n + chunkLength - 1) / chunkLength;

        fixed (T* pinned = destination)
        {
            CpuWorkers.For(new FillJob<T, TSampler>(pinned, n, chunkLength, seed, startBlock, sampler), chunks);
        }
    }

    // Chunk c of a parallel fill: its own span, starting at its own block.
    private readonly unsafe struct FillJob<T, TSampler>(T* destination, int n, int chunkLength, ulong seed, ulong startBlock, TSampler sampler) : IChunkJob
        where T : unmanaged
        where TSampler : struct, IBlockSampler<T>
    {
        public void Run(int chunk, int chunks)
        {
            int first = chunk * chunkLength;
            var part = new Span<T>(destination + first, Math.Min(chunkLength, n - first));
            FillRange(part, seed, startBlock + (ulong)(first / TSampler.PerBlock), sampler);
        }
    }

    private static void FillRange<T, TSampler>(Span<T> destination, ulong seed, ulong block, TSampler sampler)
        where T : unmanaged
        where TSampler : struct, IBlockSampler<T>
    {
        int per = TSampler.PerBlock;
        int full = destination.Length / per;
        ref T start = ref MemoryMarshal.GetReference(destination);
        for (int j = 0; j < full; j++)
        {
            sampler.Write(Philox.Block(seed, block + (ulong)j), ref Unsafe.Add(ref start, j * per));
        }

        int done = full * per;
        if (done < destination.Length)
        {
            Span<T> tail = stackalloc T[4];
            sampler.Write(Philox.Block(seed, block + (ulong)full), ref tail[0]);
            tail[..(destination.Length - done)].CopyTo(destination[done..]);
        }
    }

    /// <summary>Turns one Philox block into <see cref="PerBlock"/> consecutive values.</summary>
    private interface IBlockSampler<T>
    {
        /// <summary>Values per block (P).</summary>
        static abstract int PerBlock { get; }

        /// <summary>Writes lanes 0..P-1 of <paramref name="block"/> to <paramref name="destination"/> onwards.</summary>
        void Write(in PhiloxBlock block, ref T destination);
    }

    private readonly struct UniformSampler<T>(T low, T range, T limit) : IBlockSampler<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public static int PerBlock => typeof(T) == typeof(float) ? 4 : 2;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Write(in PhiloxBlock block, ref T destination)
        {
            if (typeof(T) == typeof(float))
            {
                destination = Map(T.CreateTruncating(U24(block.X0)));
                Unsafe.Add(ref destination, 1) = Map(T.CreateTruncating(U24(block.X1)));
                Unsafe.Add(ref destination, 2) = Map(T.CreateTruncating(U24(block.X2)));
                Unsafe.Add(ref destination, 3) = Map(T.CreateTruncating(U24(block.X3)));
            }
            else
            {
                destination = Map(T.CreateTruncating(U53(block.X0, block.X1)));
                Unsafe.Add(ref destination, 1) = Map(T.CreateTruncating(U53(block.X2, block.X3)));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private T Map(T u)
        {
            T product = range * u;
            T value = low + product;
            return value > limit ? limit : value;
        }
    }

    private readonly struct NormalSampler<T>(T mean, T std) : IBlockSampler<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public static int PerBlock => typeof(T) == typeof(float) ? 4 : 2;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Write(in PhiloxBlock block, ref T destination)
        {
            if (typeof(T) == typeof(float))
            {
                BoxMuller(T.CreateTruncating(U24Open(block.X0)), T.CreateTruncating(U24(block.X1)), ref destination);
                BoxMuller(T.CreateTruncating(U24Open(block.X2)), T.CreateTruncating(U24(block.X3)), ref Unsafe.Add(ref destination, 2));
            }
            else
            {
                BoxMuller(T.CreateTruncating(U53Open(block.X0, block.X1)), T.CreateTruncating(U53(block.X2, block.X3)), ref destination);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void BoxMuller(T u1, T u2, ref T destination)
        {
            T minusTwo = T.CreateTruncating(-2);
            T r = T.Sqrt(minusTwo * T.Log(u1));
            T theta = T.Tau * u2;
            (T sin, T cos) = T.SinCos(theta);
            T z0 = r * cos;
            T z1 = r * sin;
            T s0 = std * z0;
            T s1 = std * z1;
            destination = mean + s0;
            Unsafe.Add(ref destination, 1) = mean + s1;
        }
    }

    private readonly struct IntegerSampler<T>(long low, ulong range) : IBlockSampler<T>
        where T : unmanaged, IBinaryInteger<T>
    {
        public static int PerBlock => 2;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Write(in PhiloxBlock block, ref T destination)
        {
            destination = Map(W64(block.X0, block.X1));
            Unsafe.Add(ref destination, 1) = Map(W64(block.X2, block.X3));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private T Map(ulong draw) => T.CreateTruncating(unchecked(low + (long)(draw % range)));
    }

    private readonly struct BernoulliSampler<T>(uint threshold) : IBlockSampler<T>
        where T : unmanaged, INumberBase<T>
    {
        public static int PerBlock => 4;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Write(in PhiloxBlock block, ref T destination)
        {
            destination = Map(block.X0);
            Unsafe.Add(ref destination, 1) = Map(block.X1);
            Unsafe.Add(ref destination, 2) = Map(block.X2);
            Unsafe.Add(ref destination, 3) = Map(block.X3);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private T Map(uint x) => (x >> 8) < threshold ? T.One : T.Zero;
    }
}

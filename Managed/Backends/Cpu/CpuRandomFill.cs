using CudaTensor.RandomNumbers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static CudaTensor.RandomNumbers.RandomFill;

namespace CudaTensor.Backends.Cpu;

/// <summary>
/// Fills contiguous host spans with random numbers from a Philox4x32-10 counter stream, following the per-element
/// contract at the top of <c>Random/RandomFill.cs</c> (the CUDA twin is <c>Kernels/philox.cuh</c>). Spans of at least
/// <see cref="ParallelThreshold"/> elements are split over the CPU workers; the result is identical to the
/// single-threaded one.
/// </summary>
internal static class CpuRandomFill
{
    /// <summary>Spans at least this long are filled in parallel.</summary>
    internal const int ParallelThreshold = 1 << 16;

    /// <summary>Smallest number of elements one parallel chunk handles (a multiple of 4).</summary>
    private const int MinChunk = 1 << 14;


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

    // ------------------------------------------------------------------ driver

    private static void CheckFloatType<T>()
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            throw Unsupported<T>();
        }
    }

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

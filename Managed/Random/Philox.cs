using System.Runtime.CompilerServices;

namespace CudaTensor.RandomNumbers;

/// <summary>
/// The 128-bit output of one Philox4x32-10 evaluation: four 32-bit words.
/// </summary>
/// <param name="X0">Word 0.</param>
/// <param name="X1">Word 1.</param>
/// <param name="X2">Word 2.</param>
/// <param name="X3">Word 3.</param>
internal readonly record struct PhiloxBlock(uint X0, uint X1, uint X2, uint X3);

/// <summary>
/// The Philox4x32-10 counter-based block function of Salmon, Moraes, Dror and Shaw,
/// "Parallel random numbers: as easy as 1, 2, 3" (SC'11), exactly as in the Random123 library.
/// A 128-bit counter and a 64-bit key map to 128 pseudo-random bits; there is no sequential
/// state, so any block can be computed independently (the basis of the CPU/GPU-identical streams
/// of <see cref="RandomFill"/>). The CUDA twin is <c>ct_philox4x32_10</c> in <c>Kernels/philox.cuh</c>.
/// </summary>
internal static class Philox
{
    /// <summary>Round multiplier applied to counter word 0.</summary>
    public const uint M0 = 0xD2511F53u;

    /// <summary>Round multiplier applied to counter word 2.</summary>
    public const uint M1 = 0xCD9E8D57u;

    /// <summary>Weyl increment of key word 0 (golden ratio).</summary>
    public const uint W0 = 0x9E3779B9u;

    /// <summary>Weyl increment of key word 1 (sqrt(3) - 1).</summary>
    public const uint W1 = 0xBB67AE85u;

    /// <summary>Number of rounds.</summary>
    public const int Rounds = 10;

    /// <summary>
    /// Philox4x32-10 of counter (<paramref name="c0"/>..<paramref name="c3"/>) under key
    /// (<paramref name="k0"/>, <paramref name="k1"/>).
    /// </summary>
    /// <returns>The four output words, in Random123 order.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PhiloxBlock Compute(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        // Round r (r = 0..9) uses the key bumped r times:
        //   (hi0, lo0) = M0 * c0 ; (hi1, lo1) = M1 * c2        (32x32 -> 64 products)
        //   c = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
        //   k = (k0 + W0, k1 + W1)
        // Unrolled by hand (about twice as fast as the loop under RyuJIT).
        Round(ref c0, ref c1, ref c2, ref c3, k0, k1);
        Round(ref c0, ref c1, ref c2, ref c3, k0 += W0, k1 += W1);
        Round(ref c0, ref c1, ref c2, ref c3, k0 += W0, k1 += W1);
        Round(ref c0, ref c1, ref c2, ref c3, k0 += W0, k1 += W1);
        Round(ref c0, ref c1, ref c2, ref c3, k0 += W0, k1 += W1);
        Round(ref c0, ref c1, ref c2, ref c3, k0 += W0, k1 += W1);
        Round(ref c0, ref c1, ref c2, ref c3, k0 += W0, k1 += W1);
        Round(ref c0, ref c1, ref c2, ref c3, k0 += W0, k1 += W1);
        Round(ref c0, ref c1, ref c2, ref c3, k0 += W0, k1 += W1);
        Round(ref c0, ref c1, ref c2, ref c3, k0 + W0, k1 + W1);
        return new PhiloxBlock(c0, c1, c2, c3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(ref uint c0, ref uint c1, ref uint c2, ref uint c3, uint k0, uint k1)
    {
        ulong p0 = (ulong)M0 * c0;
        ulong p1 = (ulong)M1 * c2;
        uint n0 = (uint)(p1 >> 32) ^ c1 ^ k0;
        uint n2 = (uint)(p0 >> 32) ^ c3 ^ k1;
        c1 = (uint)p1;
        c3 = (uint)p0;
        c0 = n0;
        c2 = n2;
    }

    /// <summary>
    /// The block used by <see cref="RandomFill"/>: counter <c>(lo32(block), hi32(block), 0, 0)</c>,
    /// key <c>(lo32(seed), hi32(seed))</c>.
    /// </summary>
    /// <param name="seed">The 64-bit generator seed (the Philox key).</param>
    /// <param name="block">The 64-bit block index (the low half of the Philox counter).</param>
    /// <returns>The four output words.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PhiloxBlock Block(ulong seed, ulong block)
        => Compute((uint)block, (uint)(block >> 32), 0u, 0u, (uint)seed, (uint)(seed >> 32));
}

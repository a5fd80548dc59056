using CudaTensor.RandomNumbers;

namespace CudaTensor;

/// <summary>
/// A snapshot of a <see cref="Generator"/>: its seed and how many 128-bit counter blocks it has
/// consumed. Restoring it with <see cref="Generator.SetState(GeneratorState)"/> resumes the exact
/// same stream of random numbers, on the CPU or on a GPU.
/// </summary>
/// <param name="Seed">The 64-bit seed (the Philox key).</param>
/// <param name="Offset">The number of 128-bit Philox counter blocks already consumed.</param>
public readonly record struct GeneratorState(ulong Seed, ulong Offset);

/// <summary>
/// A source of random numbers for tensor operations, like PyTorch's <c>torch.Generator</c>.
/// </summary>
/// <remarks>
/// <para>
/// The generator is counter-based (Philox4x32-10): its whole state is a 64-bit <see cref="Seed"/>
/// and a 64-bit <see cref="Offset"/> counting the 128-bit blocks handed out so far. Every random
/// operation reserves the exact number of blocks it needs and then computes each element from
/// <c>(seed, block, lane)</c> alone, so the CPU and the GPU produce the same numbers for the same
/// seed, and a large fill can be split over threads without changing its result.
/// </para>
/// <para>
/// All members are thread-safe. Concurrent operations on one generator each receive a disjoint
/// range of blocks; which operation receives which range depends on the order in which they
/// reserve, so for reproducible results use one generator per thread or serialize the calls.
/// </para>
/// </remarks>
public sealed class Generator
{
    /// <summary>
    /// The seed of <see cref="Default"/> when the process starts: 67280421310721, the same value
    /// as PyTorch's default seed.
    /// </summary>
    public const ulong DefaultSeed = 67280421310721UL;

    private readonly Lock _lock = new();
    private ulong _seed;
    private ulong _offset;

    /// <summary>Creates a generator with the given seed and offset 0.</summary>
    /// <param name="seed">The 64-bit seed. Every seed, 0 included, is valid.</param>
    public Generator(ulong seed = 0)
    {
        _seed = seed;
    }

    /// <summary>
    /// The process-wide default generator, used by random operations that are not given one.
    /// It starts deterministically with seed <see cref="DefaultSeed"/> and offset 0; call
    /// <see cref="ManualSeed(ulong)"/> on it to reseed (like <c>torch.manual_seed</c>).
    /// </summary>
    public static Generator Default { get; } = new(DefaultSeed);

    /// <summary>The current seed (the Philox key).</summary>
    public ulong Seed
    {
        get
        {
            lock (_lock)
            {
                return _seed;
            }
        }
    }

    /// <summary>The number of 128-bit counter blocks consumed since the last (re)seeding.</summary>
    public ulong Offset
    {
        get
        {
            lock (_lock)
            {
                return _offset;
            }
        }
    }

    /// <summary>Sets the seed and resets <see cref="Offset"/> to 0.</summary>
    /// <param name="seed">The new 64-bit seed.</param>
    /// <returns>This generator, for chaining.</returns>
    public Generator ManualSeed(ulong seed)
    {
        lock (_lock)
        {
            _seed = seed;
            _offset = 0;
        }

        return this;
    }

    /// <summary>Captures the seed and offset, so the stream can later be resumed exactly.</summary>
    /// <returns>The current state.</returns>
    public GeneratorState GetState()
    {
        lock (_lock)
        {
            return new GeneratorState(_seed, _offset);
        }
    }

    /// <summary>Restores a state captured by <see cref="GetState"/> (or built by hand).</summary>
    /// <param name="state">The seed and offset to continue from.</param>
    public void SetState(GeneratorState state)
    {
        lock (_lock)
        {
            _seed = state.Seed;
            _offset = state.Offset;
        }
    }

    /// <summary>
    /// Atomically reserves <paramref name="blocks"/> consecutive counter blocks and returns the
    /// first one; the offset advances by <paramref name="blocks"/>.
    /// </summary>
    /// <param name="blocks">How many blocks to reserve (see <see cref="RandomFill.BlocksFor"/>).</param>
    /// <returns>The index of the first reserved block.</returns>
    /// <exception cref="InvalidOperationException">The 64-bit block counter would wrap.</exception>
    internal ulong Reserve(ulong blocks) => Reserve(blocks, out _);

    /// <summary>
    /// Like <see cref="Reserve(ulong)"/>, and also returns the seed in force at the moment of the
    /// reservation, so a concurrent <see cref="ManualSeed(ulong)"/> cannot pair the reserved
    /// blocks with a different seed.
    /// </summary>
    /// <param name="blocks">How many blocks to reserve.</param>
    /// <param name="seed">The seed to use with the reserved blocks.</param>
    /// <returns>The index of the first reserved block.</returns>
    /// <exception cref="InvalidOperationException">The 64-bit block counter would wrap.</exception>
    internal ulong Reserve(ulong blocks, out ulong seed)
    {
        lock (_lock)
        {
            ulong start = _offset;
            if (blocks > ulong.MaxValue - start)
            {
                throw new InvalidOperationException(
                    "The random generator's 64-bit block counter is exhausted; reseed it.");
            }

            _offset = start + blocks;
            seed = _seed;
            return start;
        }
    }
}

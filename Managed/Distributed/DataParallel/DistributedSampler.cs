using CudaTensor.Data;

namespace CudaTensor.Distributed;

/// <summary>
/// Gives each rank its own share of a dataset (PyTorch's <c>DistributedSampler</c>), for a <see cref="DataLoader"/>:
/// <c>new DataLoader(data, 32, sampler: new DistributedSampler(data, world))</c>. Every rank draws the same
/// permutation (from <c>seed + epoch</c>), pads it by repeating its start until its length divides by the number of
/// replicas (or drops the tail with <c>dropLast</c>), and takes every <c>numReplicas</c>-th index starting at its rank.
/// Call <see cref="SetEpoch"/> at the start of each epoch, or every epoch has the same order.
/// </summary>
/// <remarks>
/// The index arithmetic is PyTorch's; the permutation comes from this library's generator
/// (<see cref="Sampling.RandomPermutation"/>), so a seed gives other orders than <c>torch.randperm</c>.
/// </remarks>
public sealed class DistributedSampler : Sampler
{
    private readonly long _datasetCount;

    /// <summary>A sampler for this rank of <paramref name="group"/>.</summary>
    /// <param name="dataset">The dataset.</param>
    /// <param name="group">The data-parallel ranks; null for <see cref="ProcessGroup.World"/>.</param>
    /// <param name="shuffle">Draw a new permutation each epoch (the same on every rank).</param>
    /// <param name="seed">The seed every rank uses (must agree across ranks).</param>
    /// <param name="dropLast">Drop the tail that does not divide evenly instead of padding with repeated samples.</param>
    public DistributedSampler(Dataset dataset, ProcessGroup? group = null, bool shuffle = true, ulong seed = 0, bool dropLast = false)
        : this(dataset, (group ?? ProcessGroup.World).WorldSize, (group ?? ProcessGroup.World).Rank, shuffle, seed, dropLast)
    {
    }

    /// <summary>A sampler for replica <paramref name="rank"/> of <paramref name="numReplicas"/> (no process group needed).</summary>
    /// <param name="dataset">The dataset.</param>
    /// <param name="numReplicas">The number of ranks sharing the dataset.</param>
    /// <param name="rank">This replica, 0 ... <paramref name="numReplicas"/> - 1.</param>
    /// <param name="shuffle">Draw a new permutation each epoch.</param>
    /// <param name="seed">The seed every rank uses.</param>
    /// <param name="dropLast">Drop the uneven tail instead of padding.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numReplicas"/> is not positive or <paramref name="rank"/> is out of range.</exception>
    public DistributedSampler(Dataset dataset, int numReplicas, int rank, bool shuffle = true, ulong seed = 0, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (numReplicas <= 0)
            throw new ArgumentOutOfRangeException(nameof(numReplicas), numReplicas, "DistributedSampler: numReplicas must be positive.");
        if (rank < 0 || rank >= numReplicas)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"DistributedSampler: invalid rank {rank}, rank should be in the interval [0, {numReplicas - 1}].");
        _datasetCount = dataset.Count;
        NumReplicas = numReplicas;
        Rank = rank;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        // PyTorch: with dropLast and an uneven split, every rank gets floor(n / replicas); otherwise ceil.
        Count = dropLast && _datasetCount % numReplicas != 0
            ? (_datasetCount - numReplicas + numReplicas - 1) / numReplicas
            : (_datasetCount + numReplicas - 1) / numReplicas;
        if (Count < 0) Count = 0;
    }

    /// <summary>The number of ranks sharing the dataset.</summary>
    public int NumReplicas { get; }

    /// <summary>This replica's rank.</summary>
    public int Rank { get; }

    /// <summary>Whether each epoch draws a new permutation.</summary>
    public bool Shuffle { get; }

    /// <summary>The seed shared by the ranks.</summary>
    public ulong Seed { get; }

    /// <summary>Whether the uneven tail is dropped.</summary>
    public bool DropLast { get; }

    /// <summary>The epoch whose permutation is drawn (<see cref="SetEpoch"/>).</summary>
    public long Epoch { get; private set; }

    /// <summary>The indices this rank gets per epoch (the same on every rank).</summary>
    public override long Count { get; }

    /// <summary>The number of indices of all ranks together, after padding or dropping.</summary>
    public long TotalSize => Count * NumReplicas;

    /// <summary>Sets the epoch, so that each epoch shuffles differently (the same way on every rank).</summary>
    /// <param name="epoch">The epoch number.</param>
    public void SetEpoch(long epoch) => Epoch = epoch;

    /// <summary>This rank's indices for the current epoch.</summary>
    /// <returns>The indices.</returns>
    public override IEnumerator<long> GetEnumerator()
    {
        long n = _datasetCount;
        long[] all = Shuffle ? Sampling.RandomPermutation(n, new Generator(unchecked(Seed + (ulong)Epoch))) : Sampling.Range(n);
        long total = TotalSize;
        for (long k = Rank; k < total; k += NumReplicas)
        {
            // Past the end: padding repeats the permutation from its start (as often as needed).
            yield return all[k % n];
        }
    }
}

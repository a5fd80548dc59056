using System.Collections;

namespace CudaTensor.Data;

/// <summary>
/// Iterates over a dataset in batches, like PyTorch's <c>DataLoader</c>: each batch is one tensor per dataset tensor,
/// with the samples stacked along dimension 0, on <see cref="Device"/>. With <c>shuffle</c>, every pass (every
/// <c>foreach</c>) uses a new permutation drawn from the loader's <see cref="CudaTensor.Generator"/> (Philox), so a seed gives
/// the same sequence of epochs on every run and every device.
/// </summary>
/// <remarks>Batches belong to the caller: dispose them, or create them inside a <see cref="TensorScope"/>.</remarks>
public sealed class DataLoader : IEnumerable<Tensor[]>
{
    private readonly Generator? _generator;

    /// <summary>A loader over <paramref name="dataset"/>.</summary>
    /// <param name="dataset">The samples.</param>
    /// <param name="batchSize">Samples per batch (the last one may be smaller unless <paramref name="dropLast"/>).</param>
    /// <param name="shuffle">Draw a new order each pass instead of the dataset's order.</param>
    /// <param name="seed">Seeds a private generator for shuffling (ignored when <paramref name="generator"/> is given).</param>
    /// <param name="generator">The generator to draw permutations from; default: a private one seeded with <paramref name="seed"/>, or the global generator when no seed is given.</param>
    /// <param name="dropLast">Skip the last batch when it is smaller than <paramref name="batchSize"/>.</param>
    /// <param name="device">Where batches are delivered (default: where the dataset's tensors are).</param>
    /// <param name="sampler">The order of the samples (e.g. a <c>DistributedSampler</c>); excludes <paramref name="shuffle"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is not positive.</exception>
    /// <exception cref="ArgumentException">Both <paramref name="sampler"/> and <paramref name="shuffle"/> are given.</exception>
    public DataLoader(Dataset dataset, int batchSize = 1, bool shuffle = false, ulong? seed = null, Generator? generator = null,
        bool dropLast = false, Device? device = null, Sampler? sampler = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (sampler is not null && shuffle)
            throw new ArgumentException($"{nameof(DataLoader)}: pass either a sampler or shuffle: true, not both (the sampler decides the order; a DistributedSampler shuffles itself).", nameof(sampler));
        Sampler = sampler;
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize,
                $"{nameof(DataLoader)}: batchSize should be a positive integer, got {batchSize}. Pass the number of samples per batch (e.g. 32).");
        Dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        Device = device;
        _generator = generator ?? (seed is { } s ? new Generator(s) : null);
    }

    /// <summary>The dataset.</summary>
    public Dataset Dataset { get; }

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each pass uses a new random order.</summary>
    public bool Shuffle { get; }

    /// <summary>Whether a final, smaller batch is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>The order of the samples, when one was given.</summary>
    public Sampler? Sampler { get; }

    /// <summary>Where batches are delivered; null keeps the dataset's device.</summary>
    public Device? Device { get; }

    /// <summary>The number of batches per pass.</summary>
    public long Count => DropLast ? Samples / BatchSize : (Samples + BatchSize - 1) / BatchSize;

    private long Samples => Sampler?.Count ?? Dataset.Count;

    /// <summary>Iterates one pass (an epoch) over the dataset.</summary>
    public IEnumerator<Tensor[]> GetEnumerator()
    {
        long[] order = Sampler is not null ? [.. Sampler] : Shuffle ? Sampling.RandomPermutation(Dataset.Count, _generator) : Sampling.Range(Dataset.Count);
        long n = order.LongLength;
        for (long start = 0; start < n; start += BatchSize)
        {
            int size = (int)Math.Min(BatchSize, n - start);
            if (size < BatchSize && DropLast) yield break;
            var batch = Dataset.GetBatch(order.AsSpan((int)start, size));
            if (Device is { } d)
            {
                for (int i = 0; i < batch.Length; i++)
                {
                    if (batch[i].Device == d) continue;
                    var moved = batch[i].To(d);
                    batch[i].Dispose();
                    batch[i] = moved;
                }
            }
            yield return batch;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

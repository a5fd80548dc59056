using CudaTensor.Data;
using CudaTensor.Distributed;
using NUnit.Framework;

namespace CudaTensor.Tests.Distributed;

/// <summary>DistributedSampler's partition of a dataset (PyTorch's index arithmetic), without MPI.</summary>
[TestFixture]
public class DistributedSamplerTests
{
    private static TensorDataset Items(long n) => new(Tensor.Arange(n, DType.Int64));

    private static long[][] Shares(long n, int replicas, bool shuffle = false, bool dropLast = false, ulong seed = 0, long epoch = 0)
        => [.. Enumerable.Range(0, replicas).Select(r =>
        {
            var s = new DistributedSampler(Items(n), replicas, r, shuffle, seed, dropLast);
            s.SetEpoch(epoch);
            return s.ToArray();
        })];

    [Test]
    public void PadsByRepeatingTheStartAndInterleaves()
    {
        // 10 samples on 3 ranks: 12 indices, the last two repeat 0 and 1; rank r takes indices[r::3].
        var shares = Shares(10, 3);
        Assert.That(shares[0], Is.EqualTo(new long[] { 0, 3, 6, 9 }));
        Assert.That(shares[1], Is.EqualTo(new long[] { 1, 4, 7, 0 }));
        Assert.That(shares[2], Is.EqualTo(new long[] { 2, 5, 8, 1 }));
        Assert.That(new DistributedSampler(Items(10), 3, 0, shuffle: false).Count, Is.EqualTo(4));
    }

    [Test]
    public void PadsMoreThanTheDatasetByRepeatingItAgain()
    {
        var shares = Shares(2, 5);
        Assert.That(shares.Select(s => s.Single()), Is.EqualTo(new long[] { 0, 1, 0, 1, 0 }));
    }

    [Test]
    public void DropLastDropsTheUnevenTail()
    {
        var shares = Shares(10, 3, dropLast: true);
        Assert.That(shares, Is.EqualTo(new[] { new long[] { 0, 3, 6 }, new long[] { 1, 4, 7 }, new long[] { 2, 5, 8 } }));
        Assert.That(Shares(9, 3, dropLast: true)[2], Is.EqualTo(new long[] { 2, 5, 8 }), "an even split drops nothing");
    }

    [Test]
    public void ShufflingPartitionsOnePermutationPerEpoch()
    {
        var shares = Shares(12, 4, shuffle: true, seed: 7, epoch: 3);
        Assert.That(shares.SelectMany(s => s).Order(), Is.EqualTo(Enumerable.Range(0, 12).Select(i => (long)i)), "the ranks' shares partition the dataset");
        long[] permutation = Sampling.RandomPermutation(12, new Generator(7 + 3));
        for (int r = 0; r < 4; r++)
            Assert.That(shares[r], Is.EqualTo(permutation.Where((_, k) => k % 4 == r)), $"rank {r} takes every 4th index of the permutation of seed + epoch");
        Assert.That(Shares(12, 4, shuffle: true, seed: 7, epoch: 3)[1], Is.EqualTo(shares[1]), "the same seed and epoch give the same order");
        Assert.That(Shares(12, 4, shuffle: true, seed: 7, epoch: 4)[1], Is.Not.EqualTo(shares[1]), "SetEpoch changes the order");
    }

    [Test]
    public void DataLoaderBatchesThisRanksShare()
    {
        var data = Items(10);
        var loader = new DataLoader(data, batchSize: 3, sampler: new DistributedSampler(data, 3, 1, shuffle: false));
        Assert.That(loader.Count, Is.EqualTo(2));
        var batches = loader.Select(b => b[0].ToArray<long>()).ToList();
        Assert.That(batches, Is.EqualTo(new[] { new long[] { 1, 4, 7 }, new long[] { 0 } }));
    }

    [Test]
    public void BadArgumentsAreRejected()
    {
        var data = Items(4);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new DistributedSampler(data, 2, 2))!;
        Assert.That(e.Message, Does.Contain("rank should be in the interval [0, 1]"));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new DistributedSampler(data, 0, 0));
        var both = Assert.Throws<ArgumentException>(() => _ = new DataLoader(data, 2, shuffle: true, sampler: new DistributedSampler(data, 2, 0)))!;
        Assert.That(both.Message, Does.Contain("either a sampler or shuffle"));
    }
}

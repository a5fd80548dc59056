using CudaTensor.Data;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Data;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public class DataTests(Device device)
{
    private TensorDataset Ten(out Tensor x, out Tensor y)
    {
        x = Tensor.Arange(20, DType.Float32, device).Reshape(10, 2);
        y = Tensor.Arange(10, DType.Int64, device);
        return new TensorDataset(x, y);
    }

    [Test]
    public void TensorDatasetIndexesAlongDimZero()
    {
        var ds = Ten(out var x, out var y);
        Assert.That(ds.Count, Is.EqualTo(10));
        var item = ds.GetItem(3);
        TensorAssert.Close(item[0], [6, 7], [2]);
        Assert.That(item[1].Item<long>(), Is.EqualTo(3));
        var batch = ds.GetBatch([4, 0]);
        TensorAssert.Close(batch[0], [8, 9, 0, 1], [2, 2]);
        Assert.That(batch[1].ToArray<long>(), Is.EqualTo(new long[] { 4, 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ds.GetItem(10));
        using var other = Tensor.Zeros([9], device: device);
        Assert.Throws<ArgumentException>(() => new TensorDataset(x, other));
        foreach (var t in item.Concat(batch)) t.Dispose();
        x.Dispose();
        y.Dispose();
    }

    [Test]
    public void SequentialBatchesWithAndWithoutDropLast()
    {
        var ds = Ten(out var x, out var y);
        var loader = new DataLoader(ds, batchSize: 4, device: device);
        Assert.That(loader.Count, Is.EqualTo(3));
        var labels = loader.Select(b => b[1].ToArray<long>()).ToList();
        Assert.That(labels, Is.EqualTo(new[] { new long[] { 0, 1, 2, 3 }, [4, 5, 6, 7], [8, 9] }));
        var dropped = new DataLoader(ds, batchSize: 4, dropLast: true);
        Assert.That(dropped.Count, Is.EqualTo(2));
        Assert.That(dropped.ToList(), Has.Count.EqualTo(2));
        var first = loader.First();
        Assert.That(first[0].Shape.ToArray(), Is.EqualTo(new long[] { 4, 2 }));
        Assert.That(first[0].Device, Is.EqualTo(device));
        x.Dispose();
        y.Dispose();
    }

    [Test]
    public void ShuffleIsASeededPermutationEachEpoch()
    {
        var ds = Ten(out var x, out var y);
        long[] Epoch(DataLoader l) => l.SelectMany(b => b[1].ToArray<long>()).ToArray();
        var a = new DataLoader(ds, batchSize: 3, shuffle: true, seed: 42);
        var b = new DataLoader(ds, batchSize: 3, shuffle: true, seed: 42);
        var a1 = Epoch(a);
        var a2 = Epoch(a);
        Assert.That(a1.Order(), Is.EqualTo(Enumerable.Range(0, 10).Select(i => (long)i)));
        Assert.That(a2.Order(), Is.EqualTo(Enumerable.Range(0, 10).Select(i => (long)i)));
        Assert.That(a1, Is.Not.EqualTo(Enumerable.Range(0, 10).Select(i => (long)i)));
        Assert.That(a2, Is.Not.EqualTo(a1), "each epoch draws a new order");
        Assert.That(Epoch(b), Is.EqualTo(a1), "same seed, same epochs");
        Assert.That(Epoch(b), Is.EqualTo(a2));
        // Features stay paired with their labels.
        foreach (var batch in new DataLoader(ds, batchSize: 4, shuffle: true, seed: 7))
        {
            var f = batch[0].ToArray<float>();
            var l = batch[1].ToArray<long>();
            for (int i = 0; i < l.Length; i++) Assert.That(f[2 * i], Is.EqualTo(2 * l[i]));
        }
        x.Dispose();
        y.Dispose();
    }

    [Test]
    public void RandomPermutationIsUniformEnough()
    {
        var gen = new Generator(123);
        var counts = new int[4, 4];
        for (int trial = 0; trial < 4000; trial++)
        {
            var p = Sampling.RandomPermutation(4, gen);
            for (int i = 0; i < 4; i++) counts[i, p[i]]++;
        }
        // Each value lands in each position with probability 1/4: 1000 expected, sd about 27.
        foreach (var c in counts) Assert.That(c, Is.InRange(850, 1150));
        Assert.That(Sampling.RandomPermutation(0), Is.Empty);
        var first = Sampling.RandomPermutation(5, new Generator(9));
        Assert.That(Sampling.RandomPermutation(5, new Generator(9)), Is.EqualTo(first));
    }

    [Test]
    public void RandomSplitByCountsAndFractions()
    {
        var ds = Ten(out var x, out var y);
        var parts = Sampling.RandomSplit(ds, [7, 3], new Generator(1));
        Assert.That(parts.Select(p => p.Count), Is.EqualTo(new long[] { 7, 3 }));
        Assert.That(parts.SelectMany(p => p.Indices).Order(), Is.EqualTo(Enumerable.Range(0, 10).Select(i => (long)i)));
        var fractions = Sampling.RandomSplit(ds, [0.45, 0.45, 0.1], new Generator(1));
        Assert.That(fractions.Select(p => p.Count), Is.EqualTo(new long[] { 5, 4, 1 }));
        Assert.Throws<ArgumentException>(() => Sampling.RandomSplit(ds, [5, 4]));
        var batch = parts[1].GetBatch([0, 2]);
        Assert.That(batch[1].ToArray<long>(), Is.EqualTo(new[] { parts[1].Indices[0], parts[1].Indices[2] }));
        x.Dispose();
        y.Dispose();
    }

    [Test]
    public void TrainTestSplitIsSeededAndDisjoint()
    {
        using var x = Tensor.Arange(40, DType.Float32, device).Reshape(20, 2);
        using var y = Tensor.Arange(20, DType.Int64, device);
        var (train, test) = Sampling.TrainTestSplit([x, y], 0.2, seed: 5);
        Assert.That(train[0].Shape.ToArray(), Is.EqualTo(new long[] { 16, 2 }));
        Assert.That(test[1].Shape.ToArray(), Is.EqualTo(new long[] { 4 }));
        var all = train[1].ToArray<long>().Concat(test[1].ToArray<long>()).Order();
        Assert.That(all, Is.EqualTo(Enumerable.Range(0, 20).Select(i => (long)i)));
        var (_, again) = Sampling.TrainTestSplit([x, y], 0.2, seed: 5);
        Assert.That(again[1].ToArray<long>(), Is.EqualTo(test[1].ToArray<long>()));
        TensorAssert.Close(test[0].Select(1, 0), test[1].ToArray<long>().Select(v => 2.0 * v).ToArray(), [4]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Sampling.TrainTestSplit([x, y], 0.01, 1));
    }

    [Test]
    public void CsvLoadsTheDigitsLayout()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cudatensor-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllText(path, "0,1.5,2,7\n3,4,5,1\n\n");
            var (features, labels) = Csv.LoadClassification(path);
            TensorAssert.Close(features, [0, 1.5, 2, 3, 4, 5], [2, 3], dtype: DType.Float32);
            Assert.That(labels.ToArray<long>(), Is.EqualTo(new long[] { 7, 1 }));
            using var all = Csv.Load(path, DType.Float64);
            Assert.That(all.Shape.ToArray(), Is.EqualTo(new long[] { 2, 4 }));
            File.WriteAllText(path, "a,b\n1,2\n3\n");
            var ex = Assert.Throws<FormatException>(() => Csv.Load(path, hasHeader: true));
            Assert.That(ex!.Message, Does.Contain("line 3"));
            features.Dispose();
            labels.Dispose();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void DigitsCsvFromTheSharedFolder()
    {
        const string path = "/work/shared/data/digits.csv";
        if (!File.Exists(path)) Assert.Ignore($"{path} is not present on this machine.");
        var (features, labels) = Csv.LoadClassification(path);
        Assert.That(features.Shape.ToArray(), Is.EqualTo(new long[] { 1797, 64 }));
        Assert.That(labels.Shape.ToArray(), Is.EqualTo(new long[] { 1797 }));
        using var zeros = labels.Eq(0);
        using var count = zeros.Sum();
        Assert.That(count.Item<long>(), Is.EqualTo(178));
        features.Dispose();
        labels.Dispose();
    }
}

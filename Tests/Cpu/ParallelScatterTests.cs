using NUnit.Framework;

namespace CudaTensor.Tests.Cpu;

/// <summary>
/// Large scatters along the last dimension run whole rows on several threads: the results must equal the in-order,
/// one-thread definition (hand-computed here), duplicates included.
/// </summary>
[TestFixture]
public sealed class ParallelScatterTests
{
    private const int Rows = 64, Cols = 8192, Targets = 100; // 512 Ki elements: above the parallel threshold

    private static (long[] Index, double[] Source) Data(int seed)
    {
        var rng = new Random(seed);
        var index = new long[Rows * Cols];
        var source = new double[Rows * Cols];
        for (int i = 0; i < index.Length; i++)
        {
            index[i] = rng.Next(Targets);
            source[i] = rng.Next(-50, 50); // integers: every order of additions gives the same sum
        }
        return (index, source);
    }

    [TestCase(true)]
    [TestCase(false)]
    public void AlongTheLastDimensionEachRowInOrder(bool accumulate)
    {
        var (index, source) = Data(accumulate ? 1 : 2);
        using var idx = Tensor.FromArray(index, [Rows, Cols]);
        using var src = Tensor.FromArray(source, [Rows, Cols]);
        using var zeros = Tensor.Zeros([Rows, Targets], DType.Float64);
        using var result = accumulate ? zeros.ScatterAdd(1, idx, src) : zeros.Scatter(1, idx, src);
        // ScatterAdd sums the duplicates; Scatter keeps each row's last write.
        var expected = new double[Rows * Targets];
        for (int r = 0; r < Rows; r++)
        {
            for (int j = 0; j < Cols; j++)
            {
                ref double e = ref expected[r * Targets + index[r * Cols + j]];
                e = accumulate ? e + source[r * Cols + j] : source[r * Cols + j];
            }
        }
        Assert.That(result.ToArray<double>(), Is.EqualTo(expected));
    }

    [Test]
    public void ScatterAddAlongTheFirstDimensionStaysCorrect()
    {
        // Rows of dimension 0 collide across columns' threads if split; this scatter must stay in order.
        var (index, source) = Data(3);
        using var idx = Tensor.FromArray(index, [Cols, Rows]);
        using var src = Tensor.FromArray(source, [Cols, Rows]);
        using var zeros = Tensor.Zeros([Targets, Rows], DType.Float64);
        using var result = zeros.ScatterAdd(0, idx, src);
        var expected = new double[Targets * Rows];
        for (int i = 0; i < Cols; i++)
        {
            for (int c = 0; c < Rows; c++) expected[index[i * Rows + c] * Rows + c] += source[i * Rows + c];
        }
        Assert.That(result.ToArray<double>(), Is.EqualTo(expected));
    }
}

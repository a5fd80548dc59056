using NUnit.Framework;

namespace CudaTensor.Tests.Cpu;

/// <summary>Gathers along the last dimension of contiguous 4-byte data take hardware gathers: same values, same errors.</summary>
[TestFixture]
public sealed class GatherRowTests
{
    [TestCase(DType.Float32)]
    [TestCase(DType.Int32)]
    public void MatchesTheDefinitionIncludingTheTail(DType dtype)
    {
        var rng = new Random(5);
        const int rows = 4, cols = 100, picks = 37; // 37 = four blocks of eight and a tail of five
        var values = Enumerable.Range(0, rows * cols).Select(i => (float)(i * 0.5 - 7)).ToArray();
        var index = Enumerable.Range(0, rows * picks).Select(_ => (long)rng.Next(cols)).ToArray();
        using var f = Tensor.FromArray(values, [rows, cols]);
        using var src = f.To(dtype);
        using var idx = Tensor.FromArray(index, [rows, picks]);
        using var got = src.Gather(1, idx);
        using var asFloat = got.To(DType.Float32);
        var result = asFloat.ToArray<float>();
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < picks; j++)
            {
                float expected = values[r * cols + index[r * picks + j]];
                if (dtype == DType.Int32) expected = (int)expected;
                Assert.That(result[r * picks + j], Is.EqualTo(expected), $"row {r}, pick {j}");
            }
        }
    }

    [TestCase(3)]
    [TestCase(20)]
    [TestCase(36)]
    public void ABadIndexInAnyBlockThrows(int position)
    {
        using var src = Tensor.Ones([2, 50]);
        var index = new long[2 * 37];
        index[37 + position] = 50;
        using var idx = Tensor.FromArray(index, [2, 37]);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => src.Gather(1, idx).Dispose());
        Assert.That(ex!.Message, Does.Contain("index 50 is out of bounds for dimension 1 with size 50"));
    }
}

#pragma warning disable CA1861 // test data: literal arrays are read once per test case
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Reductions;

/// <summary>Hand-computed reductions: NaN, ties, 0-d and zero-size tensors, integer dtypes, stability, errors.</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public class ReductionEdgeCaseTests(Device device)
{
    private Tensor F(float[] data, params long[] shape) => Tensor.FromArray(data, shape, device);

    [Test]
    public void HandComputedValuesOfASmallMatrix()
    {
        using var x = F([1, 2, 3, 4, 5, 6], 2, 3);
        using (var s = x.Sum()) TensorAssert.Close(s, [21], [], dtype: DType.Float32);
        using (var s = x.Sum(0)) TensorAssert.Close(s, [5, 7, 9], [3]);
        using (var s = x.Sum(1, keepDim: true)) TensorAssert.Close(s, [6, 15], [2, 1]);
        using (var s = x.Sum(-1)) TensorAssert.Close(s, [6, 15], [2]);
        using (var s = x.Mean()) TensorAssert.Close(s, [3.5], []);
        using (var s = x.Mean(0)) TensorAssert.Close(s, [2.5, 3.5, 4.5], [3]);
        using (var s = x.Prod()) TensorAssert.Close(s, [720], []);
        using (var s = x.Prod(1)) TensorAssert.Close(s, [6, 120], [2]);
        using (var s = x.Var()) TensorAssert.Close(s, [3.5], []);
        using (var s = x.Var(unbiased: false)) TensorAssert.Close(s, [35.0 / 12], []);
        using (var s = x.Std(1)) TensorAssert.Close(s, [1, 1], [2]);
        using (var s = x.Norm(1)) TensorAssert.Close(s, [21], []);
        using (var s = x.Norm()) TensorAssert.Close(s, [Math.Sqrt(91)], []);
        using (var s = x.Norm(double.PositiveInfinity)) TensorAssert.Close(s, [6], []);
        using (var s = x.Norm(3, 0)) TensorAssert.Close(s, [Math.Cbrt(65), Math.Cbrt(133), Math.Cbrt(243)], [3]);
        using (var s = x.CumSum(1)) TensorAssert.Close(s, [1, 3, 6, 4, 9, 15], [2, 3]);
        using (var s = x.CumSum(0)) TensorAssert.Close(s, [1, 2, 3, 5, 7, 9], [2, 3]);
        using (var s = x.ArgMax()) TensorAssert.Close(s, [5], [], dtype: DType.Int64);
        using (var s = x.ArgMin(1)) TensorAssert.Close(s, [0, 0], [2], dtype: DType.Int64);
    }

    [Test]
    public void AmaxAminOverNonAdjacentDims()
    {
        // x[i, j, k] = 12 i + 4 j + k over [2, 3, 4]; over dims 0 and 2 the extremes are at (1, j, 3) and (0, j, 0).
        using var a = Tensor.Arange(24, dtype: DType.Float32, device: device);
        using var x = a.Reshape(2, 3, 4);
        using (var m = x.Amax([0, 2])) TensorAssert.Close(m, [15, 19, 23], [3]);
        using (var m = x.Amin([0, 2], keepDim: true)) TensorAssert.Close(m, [0, 4, 8], [1, 3, 1]);
        using (var s = x.Sum([0, 2])) TensorAssert.Close(s, [6 + 54, 22 + 70, 38 + 86], [3]);
        using (var s = x.Sum([-1, -3])) TensorAssert.Close(s, [60, 92, 124], [3]);
        using (var m = x.Mean([2, 0])) TensorAssert.Close(m, [7.5, 11.5, 15.5], [3]);
    }

    [Test]
    public void MaxAndMinReturnTheFirstIndexOnTies()
    {
        using var x = F([3, 1, 3, 1, 2, 2, 2, 2], 2, 4);
        var (v, i) = x.Max(1);
        using (v)
        using (i)
        {
            TensorAssert.Close(v, [3, 2], [2]);
            TensorAssert.Close(i, [0, 0], [2], dtype: DType.Int64);
        }
        var (mv, mi) = x.Min(1);
        using (mv)
        using (mi)
        {
            TensorAssert.Close(mv, [1, 2], [2]);
            TensorAssert.Close(mi, [1, 0], [2], dtype: DType.Int64);
        }
        using (var a = x.ArgMax()) Assert.That(a.Item<long>(), Is.Zero);
        using (var a = x.ArgMin()) Assert.That(a.Item<long>(), Is.EqualTo(1));
    }

    [Test]
    public void NaNIsBothMaxAndMinAndItsIndexIsReturned()
    {
        float nan = float.NaN;
        // Row 0: NaN in the middle; row 1: NaN first; row 2: none; row 3: two NaNs (the first wins).
        using var x = F([1, nan, 5, nan, 7, 0, 4, 9, -1, 2, nan, nan], 4, 3);
        var (v, i) = x.Max(1);
        using (v)
        using (i)
        {
            TensorAssert.Close(v, [double.NaN, double.NaN, 9, double.NaN], [4]);
            TensorAssert.Close(i, [1, 0, 1, 1], [4]);
        }
        var (mv, mi) = x.Min(1);
        using (mv)
        using (mi)
        {
            TensorAssert.Close(mv, [double.NaN, double.NaN, -1, double.NaN], [4]);
            TensorAssert.Close(mi, [1, 0, 2, 1], [4]);
        }
        using (var m = x.Max()) Assert.That(m.Item<float>(), Is.NaN);
        using (var m = x.Min()) Assert.That(m.Item<float>(), Is.NaN);
        using (var m = x.Amax([1])) TensorAssert.Close(m, [double.NaN, double.NaN, 9, double.NaN], [4]);
        using (var m = x.Amin([1])) TensorAssert.Close(m, [double.NaN, double.NaN, -1, double.NaN], [4]);
        // Over dim 0 (the row-accumulating path): every column holds a NaN; without row 3, column 2 does not.
        using (var m = x.Amax([0])) TensorAssert.Close(m, [double.NaN, double.NaN, double.NaN], [3]);
        using (var r = x.Narrow(0, 0, 3))
        {
            using (var m = r.Amax([0])) TensorAssert.Close(m, [double.NaN, double.NaN, 5], [3]);
            using (var m = r.Amin([0])) TensorAssert.Close(m, [double.NaN, double.NaN, -1], [3]);
        }
        using (var a = x.ArgMax()) Assert.That(a.Item<long>(), Is.EqualTo(1));
        using (var a = x.ArgMin()) Assert.That(a.Item<long>(), Is.EqualTo(1));
    }

    [Test]
    public void NaNPropagatesThroughLargeReductions()
    {
        // Above the threading threshold, in the contiguous whole-span and in the dim-0 fast paths.
        var data = Reference.RandomValues(4, 300 * 257).Select(v => (float)v).ToArray();
        data[1000] = float.NaN;  // row 3, column 229
        using var x = F(data, 300, 257);
        using (var m = x.Max()) Assert.That(m.Item<float>(), Is.NaN);
        using (var m = x.Min()) Assert.That(m.Item<float>(), Is.NaN);
        using (var s = x.Sum()) Assert.That(s.Item<float>(), Is.NaN);
        using (var m = x.Amax([0]))
        {
            var a = m.ToArray<float>();
            Assert.That(a[229], Is.NaN);
            Assert.That(a.Count(float.IsNaN), Is.EqualTo(1));
        }
        using (var m = x.Amin([1]))
        {
            var a = m.ToArray<float>();
            Assert.That(a[3], Is.NaN);
            Assert.That(a.Count(float.IsNaN), Is.EqualTo(1));
        }
        var (v, i) = x.Max(0);
        using (v)
        using (i)
        {
            Assert.That(v.ToArray<float>()[229], Is.NaN);
            Assert.That(i.ToArray<long>()[229], Is.EqualTo(3));
        }
        using (var a = x.ArgMin()) Assert.That(a.Item<long>(), Is.EqualTo(1000));
    }

    [Test]
    public void ZeroDimensionalTensors()
    {
        using var x = Tensor.Scalar(2.5f, device: device);
        using (var s = x.Sum()) TensorAssert.Close(s, [2.5], []);
        using (var s = x.Sum(0)) TensorAssert.Close(s, [2.5], []);
        using (var s = x.Sum(-1, keepDim: true)) TensorAssert.Close(s, [2.5], []);
        using (var s = x.Mean()) TensorAssert.Close(s, [2.5], []);
        using (var s = x.Prod()) TensorAssert.Close(s, [2.5], []);
        using (var s = x.Max()) TensorAssert.Close(s, [2.5], []);
        using (var s = x.Amin([0])) TensorAssert.Close(s, [2.5], []);
        using (var s = x.Norm()) TensorAssert.Close(s, [2.5], []);
        using (var s = x.Var(unbiased: false)) TensorAssert.Close(s, [0], []);
        using (var s = x.Softmax(0)) TensorAssert.Close(s, [1], []);
        using (var s = x.LogSoftmax(-1)) TensorAssert.Close(s, [0], []);
        using (var s = x.LogSumExp(0)) TensorAssert.Close(s, [2.5], []);
        using (var s = x.CumSum(0)) TensorAssert.Close(s, [2.5], []);
        using (var s = x.ArgMax()) TensorAssert.Close(s, [0], [], dtype: DType.Int64);
        using (var s = x.All()) TensorAssert.Close(s, [1], [], dtype: DType.Bool);
        var (v, i) = x.Max(0);
        using (v)
        using (i)
        {
            TensorAssert.Close(v, [2.5], []);
            TensorAssert.Close(i, [0], [], dtype: DType.Int64);
        }
        using var n = Tensor.Scalar(7, DType.Int32, device: device);
        using (var s = n.CumSum(0)) TensorAssert.Close(s, [7], [], dtype: DType.Int64);
        using (var s = n.Sum()) TensorAssert.Close(s, [7], [], dtype: DType.Int64);
    }

    [Test]
    public void ZeroSizeTensors()
    {
        using var x = Tensor.Zeros([0, 3], device: device);
        using (var s = x.Sum()) TensorAssert.Close(s, [0], []);
        using (var s = x.Sum(0)) TensorAssert.Close(s, [0, 0, 0], [3]);
        using (var s = x.Sum(1)) TensorAssert.Close(s, [], [0]);
        using (var s = x.Prod()) TensorAssert.Close(s, [1], []);
        using (var s = x.Prod(0, keepDim: true)) TensorAssert.Close(s, [1, 1, 1], [1, 3]);
        using (var s = x.Mean()) Assert.That(s.Item<float>(), Is.NaN);
        using (var s = x.Amax([1])) TensorAssert.Close(s, [], [0]);
        using (var s = x.All()) TensorAssert.Close(s, [1], [], dtype: DType.Bool);
        using (var s = x.Any()) TensorAssert.Close(s, [0], [], dtype: DType.Bool);
        using (var s = x.All(0)) TensorAssert.Close(s, [1, 1, 1], [3], dtype: DType.Bool);
        using (var s = x.Any(0)) TensorAssert.Close(s, [0, 0, 0], [3], dtype: DType.Bool);
        using (var s = x.CumSum(0)) TensorAssert.Close(s, [], [0, 3]);
        using (var s = x.Softmax(0)) TensorAssert.Close(s, [], [0, 3]);
        using (var s = x.Softmax(1)) TensorAssert.Close(s, [], [0, 3]);
        using (var s = x.Norm()) TensorAssert.Close(s, [0], []);
        using (var s = x.LogSumExp(0)) TensorAssert.Close(s, [double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity], [3]);
        using (var s = x.LogSumExp(0, keepDim: true)) TensorAssert.Close(s, [double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity], [1, 3]);
        using (var s = x.LogSumExp(1)) TensorAssert.Close(s, [], [0]);
        using var i = Tensor.Zeros([0], DType.Int32, device);
        using (var s = i.Sum()) TensorAssert.Close(s, [0], [], dtype: DType.Int64);
        using (var s = i.Prod()) TensorAssert.Close(s, [1], [], dtype: DType.Int64);
    }

    [Test]
    public void MaxOfEmptyThrowsNamingTheOp()
    {
        using var x = Tensor.Zeros([0, 3], device: device);
        Assert.That(() => x.Max(), Throws.ArgumentException.With.Message.StartsWith("Max:").And.Message.Contains("size 0"));
        Assert.That(() => x.Min(), Throws.ArgumentException.With.Message.StartsWith("Min:"));
        Assert.That(() => x.Max(0), Throws.ArgumentException.With.Message.StartsWith("Max:"));
        Assert.That(() => x.Min(dim: 0), Throws.ArgumentException.With.Message.StartsWith("Min:"));
        Assert.That(() => x.Amax([0]), Throws.ArgumentException.With.Message.StartsWith("Amax:"));
        Assert.That(() => x.ArgMax(), Throws.ArgumentException.With.Message.StartsWith("ArgMax:"));
        Assert.That(() => x.ArgMin(0), Throws.ArgumentException.With.Message.StartsWith("ArgMin:"));
    }

    [Test]
    public void IntegerInputs()
    {
        using var x = Tensor.FromArray(new[] { int.MaxValue, int.MaxValue, 5, -3 }, [2, 2], device);
        using (var s = x.Sum()) TensorAssert.Close(s, [(2.0 * int.MaxValue) + 2], [], dtype: DType.Int64);
        using (var s = x.Sum(1)) TensorAssert.Close(s, [2.0 * int.MaxValue, 2], [2], dtype: DType.Int64);
        using (var s = x.Prod(0)) TensorAssert.Close(s, [5.0 * int.MaxValue, -3.0 * int.MaxValue], [2], dtype: DType.Int64);
        using (var s = x.Max()) TensorAssert.Close(s, [int.MaxValue], [], dtype: DType.Int32);
        using (var s = x.CumSum(0)) TensorAssert.Close(s, [int.MaxValue, int.MaxValue, int.MaxValue + 5.0, int.MaxValue - 3.0], [2, 2], dtype: DType.Int64);
        using var b = Tensor.FromArray(new[] { true, false, true, true }, [4], device);
        using (var s = b.Sum()) TensorAssert.Close(s, [3], [], dtype: DType.Int64);
        using (var s = b.CumSum(0)) TensorAssert.Close(s, [1, 1, 2, 3], [4], dtype: DType.Int64);
        Assert.That(() => x.Mean(), Throws.ArgumentException.With.Message.StartsWith("Mean:").And.Message.Contains("To(DType.Float32)"));
        Assert.That(() => x.Mean(0), Throws.ArgumentException.With.Message.Contains("To(DType.Float32)"));
        Assert.That(() => x.Var(), Throws.ArgumentException.With.Message.StartsWith("Var:").And.Message.Contains("To(DType.Float32)"));
        Assert.That(() => x.Softmax(0), Throws.ArgumentException.With.Message.StartsWith("Softmax:"));
        Assert.That(() => x.LogSumExp(0), Throws.ArgumentException.With.Message.StartsWith("LogSumExp:"));
    }

    [Test]
    public void LogSumExpIsStable()
    {
        float inf = float.PositiveInfinity;
        using var x = F([1000, 1000, -1000, -1000, -inf, -inf, 0, -inf, 1000, -1000], 5, 2);
        using var l = x.LogSumExp(1);
        TensorAssert.Close(l, [1000 + Math.Log(2), -1000 + Math.Log(2), double.NegativeInfinity, 0, 1000], [5]);
        using var k = x.LogSumExp(-1, keepDim: true);
        Assert.That(k.Shape.ToArray(), Is.EqualTo(new long[] { 5, 1 }));
        using var t = x.T;
        using var lt = t.LogSumExp(0);
        TensorAssert.Close(lt, [1000 + Math.Log(2), -1000 + Math.Log(2), double.NegativeInfinity, 0, 1000], [5]);
    }

    [Test]
    public void SoftmaxIsStableForLargeLogits()
    {
        using var x = F([1000, 1000, 1001, -1000, -1001, -1000], 2, 3);
        double e = Math.E;
        double[] row0 = [1 / (2 + e), 1 / (2 + e), e / (2 + e)];
        double[] row1 = [e / (1 + (2 * e)), 1 / (1 + (2 * e)), e / (1 + (2 * e))];
        using (var s = x.Softmax(1)) TensorAssert.Close(s, [.. row0, .. row1], [2, 3]);
        using (var s = x.LogSoftmax(-1)) TensorAssert.Close(s, [.. row0.Select(v => Math.Log(v)), .. row1.Select(v => Math.Log(v))], [2, 3]);
        // dim 0 of the matrix: each column is a pair (1000, -1000): softmax (1, ~0).
        using (var s = x.Softmax(0)) TensorAssert.Close(s, [1, 1, 1, 0, 0, 0], [2, 3]);
        using (var s = x.LogSoftmax(0)) TensorAssert.Close(s, [0, 0, 0, -2000, -2001, -2001], [2, 3]);
        // The same through a transposed (non-contiguous) view.
        using var t = x.T;
        using (var s = t.Softmax(0)) TensorAssert.Close(s, [row0[0], row1[0], row0[1], row1[1], row0[2], row1[2]], [3, 2]);
        using (var s = t.LogSoftmax(1)) TensorAssert.Close(s, [0, -2000, 0, -2001, 0, -2001], [3, 2]);
    }

    [Test]
    public void SoftmaxRowsSumToOne()
    {
        var data = Reference.RandomValues(17, 64 * 2000, -30, 30).Select(v => (float)v).ToArray();
        using var x = F(data, 64, 2000);
        foreach (var dim in new[] { 0, 1 })
        {
            using var s = x.Softmax(dim);
            using var sum = s.Sum(dim);
            var sums = sum.ToArray<float>();
            Assert.That(sums, Has.All.EqualTo(1f).Within(1e-4f), $"dim {dim}");
            using var m = s.Amin([0, 1]);
            Assert.That(m.Item<float>(), Is.GreaterThanOrEqualTo(0f));
        }
    }

    [Test]
    public void SoftmaxOfAllNegativeInfinityRowIsNaN()
    {
        float inf = float.PositiveInfinity;
        using var x = F([-inf, -inf, 0, 0], 2, 2);
        using var s = x.Softmax(1);
        TensorAssert.Close(s, [double.NaN, double.NaN, 0.5, 0.5], [2, 2]);
    }

    [Test]
    public void VarOfOneElementUnbiasedIsNaN()
    {
        using var x = F([4], 1);
        using var v = x.Var();
        Assert.That(v.Item<float>(), Is.NaN);
        using var b = x.Var(unbiased: false);
        Assert.That(b.Item<float>(), Is.Zero);
    }

    [Test]
    public void BadDimsThrow()
    {
        using var x = Tensor.Zeros([2, 3], device: device);
        Assert.That(() => x.Sum(2), Throws.InstanceOf<ArgumentException>().With.Message.Contains("Sum"));
        Assert.That(() => x.Sum(-3), Throws.InstanceOf<ArgumentException>());
        Assert.That(() => x.Sum([0, -2]), Throws.ArgumentException.With.Message.Contains("more than once"));
        Assert.That(() => x.Norm(0), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("Norm"));
    }

    [Test]
    public void ReducingDimZeroOfATallMatrixAboveTheThreadingThreshold()
    {
        // [N, C] summed over N: the row-accumulating fast path, here split across threads by columns.
        const int n = 5000, c = 33;
        var data = new float[n * c];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < c; j++) data[(i * c) + j] = (i % 7) + j;
        }
        using var x = F(data, n, c);
        // Σ_i (i mod 7) over 5000 rows = 714 full cycles (21 each) + rows 4998, 4999 (0, 1)... : 714 * 21 + (0 + 1) = 14995.
        var expected = Enumerable.Range(0, c).Select(j => 14995.0 + (n * (double)j)).ToArray();
        using (var s = x.Sum(0)) TensorAssert.Close(s, expected, [c]);
        using (var m = x.Amax([0])) TensorAssert.Close(m, [.. Enumerable.Range(0, c).Select(j => 6.0 + j)], [c]);
        using (var m = x.Mean(0)) TensorAssert.Close(m, [.. expected.Select(e => e / n)], [c]);
    }
}

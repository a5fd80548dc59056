using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Ops;

/// <summary>
/// Sort, ArgSort and TopK against hand-computed values and a stable LINQ sort as oracle: ties keep their order, NaN sorts
/// as the largest value, every dtype, negative and leading dims, empty dimensions, rows longer than the CUDA kernel's
/// shared-memory tile, float64 gradient checks and errors naming the op.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class SortTests(Device device)
{
    private static readonly bool[] SortedBools = [false, false, true, true];

    private Tensor T(double[] values, params long[] shape) => Tensor.FromArray(values, shape, device);

    [Test]
    public void SortIsStableAscendingAndDescending()
    {
        using var x = T([3, 1, 2, 1, 3], 5);
        var (v, i) = x.Sort();
        using (v)
        using (i)
        {
            TensorAssert.Close(v, [1, 1, 2, 3, 3], [5]);
            Assert.That(i.ToArray<long>(), Is.EqualTo(new long[] { 1, 3, 2, 0, 4 }));
            Assert.That(i.DType, Is.EqualTo(DType.Int64));
        }
        var (vd, id) = x.Sort(descending: true, stable: true);
        using (vd)
        using (id)
        {
            TensorAssert.Close(vd, [3, 3, 2, 1, 1], [5]);
            Assert.That(id.ToArray<long>(), Is.EqualTo(new long[] { 0, 4, 2, 1, 3 }));
        }
    }

    [Test]
    public void NaNSortsAsTheLargestValue()
    {
        using var x = T([1, double.NaN, 0, double.NaN, double.NegativeInfinity, double.PositiveInfinity], 6);
        var (v, i) = x.Sort();
        using (v)
        using (i)
        {
            TensorAssert.Close(v, [double.NegativeInfinity, 0, 1, double.PositiveInfinity, double.NaN, double.NaN], [6]);
            Assert.That(i.ToArray<long>(), Is.EqualTo(new long[] { 4, 2, 0, 5, 1, 3 }));
        }
        var (vd, id) = x.Sort(descending: true);
        using (vd)
        using (id)
        {
            TensorAssert.Close(vd, [double.NaN, double.NaN, double.PositiveInfinity, 1, 0, double.NegativeInfinity], [6]);
            Assert.That(id.ToArray<long>(), Is.EqualTo(new long[] { 1, 3, 5, 0, 2, 4 }));
        }
    }

    [TestCase(DType.Float32)]
    [TestCase(DType.Float64)]
    [TestCase(DType.Int32)]
    [TestCase(DType.Int64)]
    public void EveryDimAndDTypeMatchesAStableSort(DType dtype)
    {
        // Many ties (values 0..6) so stability is visible; a leading, a middle and the last (negative) dimension.
        using var source = Tensor.RandInt(0, 7, [3, 17, 5], generator: new Generator(11), device: device);
        using var x = source.To(dtype);
        var data = x.To(DType.Float64).ToArray<double>();
        foreach (int dim in new[] { 0, 1, -1 })
        {
            foreach (bool descending in new[] { false, true })
            {
                var (v, i) = x.Sort(dim, descending);
                using (v)
                using (i)
                {
                    Assert.That(v.DType, Is.EqualTo(dtype));
                    var (ev, ei) = Reference(data, [3, 17, 5], dim < 0 ? dim + 3 : dim, descending);
                    Assert.That(TensorAssert.ToDoubles(v), Is.EqualTo(ev), $"values, dim {dim}, descending {descending}");
                    Assert.That(i.ToArray<long>(), Is.EqualTo(ei), $"indices, dim {dim}, descending {descending}");
                }
            }
        }
    }

    [Test]
    public void BoolSortsFalseBeforeTrue()
    {
        using var x = Tensor.FromArray<bool>([true, false, true, false], [4], device);
        var (v, i) = x.Sort();
        using (v)
        using (i)
        {
            Assert.That(v.DType, Is.EqualTo(DType.Bool));
            Assert.That(v.ToArray<bool>(), Is.EqualTo(SortedBools));
            Assert.That(i.ToArray<long>(), Is.EqualTo(new long[] { 1, 3, 0, 2 }));
        }
    }

    [Test]
    public void RowsLongerThanTheSharedTileSortToo()
    {
        // 2 rows of 3000 (> 2048, the CUDA kernel's shared-memory tile) with ties and NaNs.
        using var r = Tensor.RandInt(0, 500, [2, 3000], generator: new Generator(3), device: device);
        using var f = r.To(DType.Float32);
        using var nanMask = r.Eq(7);
        using var x = f.MaskedFill(nanMask, double.NaN);
        var data = x.To(DType.Float64).ToArray<double>();
        var (v, i) = x.Sort(1, descending: true);
        using (v)
        using (i)
        {
            var (ev, ei) = Reference(data, [2, 3000], 1, true);
            Assert.That(TensorAssert.ToDoubles(v), Is.EqualTo(ev));
            Assert.That(i.ToArray<long>(), Is.EqualTo(ei));
        }
    }

    [Test]
    public void EmptyAndZeroDimensionalTensors()
    {
        using var empty = Tensor.Zeros([2, 0], device: device);
        var (v, i) = empty.Sort(1);
        using (v)
        using (i)
        {
            Assert.That(v.Shape.ToArray(), Is.EqualTo(new long[] { 2, 0 }));
            Assert.That(i.Shape.ToArray(), Is.EqualTo(new long[] { 2, 0 }));
        }
        using var rows0 = Tensor.Zeros([0, 3], device: device);
        using var a = rows0.ArgSort();
        Assert.That(a.Shape.ToArray(), Is.EqualTo(new long[] { 0, 3 }));
        using var scalar = Tensor.Scalar(2.5, DType.Float64, device);
        var (sv, si) = scalar.Sort();
        using (sv)
        using (si)
        {
            Assert.That(sv.Dim, Is.EqualTo(0));
            Assert.That(sv.Item<double>(), Is.EqualTo(2.5));
            Assert.That(si.Item<long>(), Is.EqualTo(0));
        }
    }

    [Test]
    public void ArgSortGivesTheSortingIndices()
    {
        using var x = T([0.5, -2, 7, 1, 0.5, 3], 2, 3);
        using var i = x.ArgSort(0, descending: true);
        Assert.That(i.ToArray<long>(), Is.EqualTo(new long[] { 1, 1, 0, 0, 0, 1 }));
        using var j = x.ArgSort();
        Assert.That(j.ToArray<long>(), Is.EqualTo(new long[] { 1, 0, 2, 1, 0, 2 }));
    }

    [Test]
    public void TopKLargestAndSmallest()
    {
        using var x = T([4, 9, 1, 9, 3, 7, 2, 8], 2, 4);
        var (v, i) = x.TopK(2);
        using (v)
        using (i)
        {
            TensorAssert.Close(v, [9, 9, 8, 7], [2, 2]);
            Assert.That(i.ToArray<long>(), Is.EqualTo(new long[] { 1, 3, 3, 1 }));
        }
        var (s, si) = x.TopK(3, dim: -1, largest: false);
        using (s)
        using (si)
        {
            TensorAssert.Close(s, [1, 4, 9, 2, 3, 7], [2, 3]);
            Assert.That(si.ToArray<long>(), Is.EqualTo(new long[] { 2, 0, 1, 2, 0, 1 }));
        }
        var (c, ci) = x.TopK(1, dim: 0);
        using (c)
        using (ci)
        {
            TensorAssert.Close(c, [4, 9, 2, 9], [1, 4]);
            Assert.That(ci.ToArray<long>(), Is.EqualTo(new long[] { 0, 0, 1, 0 }));
        }
        var (z, zi) = x.TopK(0);
        using (z)
        using (zi) Assert.That(z.Shape.ToArray(), Is.EqualTo(new long[] { 2, 0 }));
    }

    [Test]
    public void TopKRejectsKLargerThanTheDimension()
    {
        using var x = T([1, 2, 3], 3);
        Assert.That(() => x.TopK(4), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("TopK").And.Message.Contains("size 3"));
        Assert.That(() => x.Sort(1), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("Sort"));
    }

    [Test]
    public void GradientsFlowBackToTheSourcePositions()
    {
        using var x = Tensor.FromArray(new double[] { 3, 1, 2, 5, 4, 0 }, [2, 3], device, requiresGrad: true);
        var (v, i) = x.Sort(1, descending: true);
        using var weights = Tensor.FromArray(new double[] { 1, 10, 100, 1, 10, 100 }, [2, 3], device);
        using var loss = (v * weights).Sum();
        loss.Backward();
        // Row 0 sorted descending is [3, 2, 1] from positions [0, 2, 1]; row 1 [5, 4, 0] from [0, 1, 2].
        TensorAssert.Close(x.Grad!, [1, 100, 10, 1, 10, 100], [2, 3]);
        v.Dispose();
        i.Dispose();
    }

    [Test]
    public void GradCheckSortAndTopK()
    {
        using var x = Tensor.Randn([3, 5], DType.Float64, device, requiresGrad: true, generator: new Generator(4));
        var r = GradCheck.Check(xs => xs[0].Sort(0).Values * xs[0].Sort(1, descending: true).Values, [x]);
        Assert.That(r.Passed, Is.True, r.ToString());
        var k = GradCheck.Check(xs => xs[0].TopK(2, 1).Values.Square(), [x]);
        Assert.That(k.Passed, Is.True, k.ToString());
    }

    // A stable sort of each slice along `dim` (LINQ's OrderBy is stable); NaN largest.
    private static (double[] Values, long[] Indices) Reference(double[] data, long[] shape, int dim, bool descending)
    {
        long n = shape[dim], inner = 1, outer = 1;
        for (int d = dim + 1; d < shape.Length; d++) inner *= shape[d];
        for (int d = 0; d < dim; d++) outer *= shape[d];
        var values = new double[data.Length];
        var indices = new long[data.Length];
        for (long o = 0; o < outer; o++)
        {
            for (long k = 0; k < inner; k++)
            {
                long At(long j) => (o * n + j) * inner + k;
                var order = Enumerable.Range(0, (int)n).Select(j => (long)j);
                double Key(long j) => double.IsNaN(data[At(j)]) ? double.MaxValue : data[At(j)];
                int Nan(long j) => double.IsNaN(data[At(j)]) ? 1 : 0;
                var sorted = descending ? order.OrderByDescending(Nan).ThenByDescending(Key).ToArray() : order.OrderBy(Nan).ThenBy(Key).ToArray();
                for (long j = 0; j < n; j++)
                {
                    values[At(j)] = data[At(sorted[j])];
                    indices[At(j)] = sorted[j];
                }
            }
        }
        return (values, indices);
    }
}

#pragma warning disable CA1861 // test data: literal arrays are read once per test case
using CudaTensor.Tests.Reductions;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.LinearAlgebra;

/// <summary>MatMul (torch.matmul semantics), Bmm, Dot and Outer against a naive float64 reference.</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public class MatMulTests(Device device)
{
    /// <summary>torch.matmul on row-major arrays: vectors promoted, batch dims broadcast, added dims removed.</summary>
    private static (double[] Values, long[] Shape) RefMatMul(double[] a, long[] aShape, double[] b, long[] bShape)
    {
        long[] am = aShape.Length == 1 ? [1, aShape[0]] : aShape;
        long[] bm = bShape.Length == 1 ? [bShape[0], 1] : bShape;
        long m = am[^2], k = am[^1], n = bm[^1];
        Assert.That(bm[^2], Is.EqualTo(k), "test setup: inner sizes");
        var aBatch = am[..^2];
        var bBatch = bm[..^2];
        int rank = Math.Max(aBatch.Length, bBatch.Length);
        var batch = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long x = i - (rank - aBatch.Length) >= 0 ? aBatch[i - (rank - aBatch.Length)] : 1;
            long y = i - (rank - bBatch.Length) >= 0 ? bBatch[i - (rank - bBatch.Length)] : 1;
            batch[i] = Math.Max(x, y) == 1 ? Math.Min(x, y) == 0 ? 0 : 1 : Math.Max(x, y);
        }
        long count = Reference.Numel(batch);
        // Broadcast each operand's matrices to the full batch.
        double[] Expand(double[] src, long[] srcBatch, long rows, long cols)
        {
            var st = Reference.ContiguousStrides([.. srcBatch, rows, cols]);
            var strides = new long[rank + 2];
            for (int i = 0; i < srcBatch.Length; i++) strides[rank - srcBatch.Length + i] = srcBatch[i] == 1 ? 0 : st[i];
            strides[rank] = cols;
            strides[rank + 1] = 1;
            return Reference.Materialize(src, [.. batch, rows, cols], strides);
        }
        var c = Reference.MatMul(Expand(a, aBatch, m, k), Expand(b, bBatch, k, n), count, m, k, n);
        var shape = new List<long>(batch);
        if (aShape.Length > 1) shape.Add(m);
        if (bShape.Length > 1) shape.Add(n);
        return (c, [.. shape]);
    }

    /// <summary>A seeded tensor viewed through <paramref name="perm"/> of a contiguous base of shape <paramref name="baseShape"/>.</summary>
    private Tensor Permuted(long[] baseShape, int[] perm, int seed, DType dtype, out double[] logical, out long[] shape)
    {
        var data = Reference.RandomValues(seed, Reference.Numel(baseShape), asFloat: dtype != DType.Float64);
        if (dtype is DType.Int64 or DType.Int32) data = [.. data.Select(v => Math.Round(v * 3))];
        using var b = Inputs.FromDoubles(device, data, baseShape, dtype);
        var st = Reference.ContiguousStrides(baseShape);
        shape = [.. perm.Select(p => baseShape[p])];
        logical = Reference.Materialize(data, shape, [.. perm.Select(p => st[p])]);
        return b.Permute(perm);
    }

    private Tensor Plain(long[] shape, int seed, DType dtype, out double[] values)
        => Permuted(shape, [.. Enumerable.Range(0, shape.Length)], seed, dtype, out values, out _);

    private static void CheckProduct(Tensor c, double[] a, long[] aShape, double[] b, long[] bShape, DType dtype)
    {
        var (expected, shape) = RefMatMul(a, aShape, b, bShape);
        long k = aShape[^1];
        double atol = dtype switch { DType.Float32 => 4e-6 * (k + 1), DType.Float64 => 1e-13 * (k + 1), _ => 0 };
        TensorAssert.Close(c, expected, shape, rtol: dtype == DType.Float32 ? 1e-5 : 0, atol: atol, dtype: dtype);
    }

    public static IEnumerable<TestCaseData> ShapeCases()
    {
        (long[] A, long[] B)[] cases =
        [
            ([7], [7]),                      // dot -> 0-d
            ([5, 7], [7]),                   // matrix-vector
            ([7], [7, 4]),                   // vector-matrix
            ([5, 7], [7, 4]),
            ([3, 5, 7], [3, 7, 4]),          // batched
            ([3, 5, 7], [7, 4]),             // batch broadcast against a matrix
            ([5, 7], [3, 7, 4]),
            ([2, 1, 3, 4], [5, 4, 2]),       // broadcast batch dims -> [2, 5, 3, 2]
            ([3, 5, 7], [7]),                // batched matrix-vector
            ([7], [2, 3, 7, 4]),             // vector-batched matrix
            ([1, 1], [1, 1]),
            ([33, 65], [65, 17]),            // edges of the GEMM tiles
            ([130, 300], [300, 70]),         // multi-threaded GEMM
            ([4, 0], [0, 3]),                // k = 0 gives zeros
            ([0, 4], [4, 3]),
            ([2, 0, 4], [4, 3]),
            ([0], [0]),
        ];
        foreach (var (a, b) in cases)
        {
            foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int64, DType.Int32 })
                yield return new TestCaseData(a, b, dtype).SetArgDisplayNames($"[{string.Join(",", a)}]", $"[{string.Join(",", b)}]", dtype.ToString());
        }
    }

    [TestCaseSource(nameof(ShapeCases))]
    public void MatchesNaiveReference(long[] aShape, long[] bShape, DType dtype)
    {
        using var a = Plain(aShape, 1, dtype, out var av);
        using var b = Plain(bShape, 2, dtype, out var bv);
        using var c = Tensor.MatMul(a, b);
        CheckProduct(c, av, aShape, bv, bShape, dtype);
        using var c2 = a.MatMul(b);
        CheckProduct(c2, av, aShape, bv, bShape, dtype);
    }

    [Test]
    public void BroadcastBatchShape()
    {
        using var a = Tensor.Ones([2, 1, 3, 4], device: device);
        using var b = Tensor.Ones([5, 4, 2], device: device);
        using var c = Tensor.MatMul(a, b);
        Assert.That(c.Shape.ToArray(), Is.EqualTo(new long[] { 2, 5, 3, 2 }));
        Assert.That(c.ToArray<float>(), Has.All.EqualTo(4f));
    }

    public static IEnumerable<TestCaseData> LayoutCases()
    {
        // (base shape of a, permutation of a, base shape of b, permutation of b)
        yield return new TestCaseData(new long[] { 7, 5 }, new[] { 1, 0 }, new long[] { 7, 4 }, new[] { 0, 1 }).SetArgDisplayNames("a.T @ b");
        yield return new TestCaseData(new long[] { 5, 7 }, new[] { 0, 1 }, new long[] { 4, 7 }, new[] { 1, 0 }).SetArgDisplayNames("a @ b.T");
        yield return new TestCaseData(new long[] { 70, 50 }, new[] { 1, 0 }, new long[] { 40, 70 }, new[] { 1, 0 }).SetArgDisplayNames("a.T @ b.T");
        yield return new TestCaseData(new long[] { 3, 7, 5 }, new[] { 0, 2, 1 }, new long[] { 3, 7, 4 }, new[] { 0, 1, 2 }).SetArgDisplayNames("a.Transpose(1,2) @ b");
        yield return new TestCaseData(new long[] { 3, 5, 7 }, new[] { 0, 1, 2 }, new long[] { 3, 4, 7 }, new[] { 0, 2, 1 }).SetArgDisplayNames("a @ b.Transpose(1,2)");
        yield return new TestCaseData(new long[] { 5, 3, 7 }, new[] { 1, 0, 2 }, new long[] { 7, 3, 4 }, new[] { 1, 0, 2 }).SetArgDisplayNames("batch-in-middle layouts");
        yield return new TestCaseData(new long[] { 5, 7, 3 }, new[] { 2, 0, 1 }, new long[] { 4, 3, 7 }, new[] { 1, 2, 0 }).SetArgDisplayNames("batch-last layouts");
        yield return new TestCaseData(new long[] { 3, 2, 5, 7 }, new[] { 1, 0, 2, 3 }, new long[] { 3, 2, 4, 7 }, new[] { 1, 0, 3, 2 }).SetArgDisplayNames("swapped batch dims");
        yield return new TestCaseData(new long[] { 7 }, new[] { 0 }, new long[] { 4, 7 }, new[] { 1, 0 }).SetArgDisplayNames("v @ b.T");
        yield return new TestCaseData(new long[] { 7, 5 }, new[] { 1, 0 }, new long[] { 7 }, new[] { 0 }).SetArgDisplayNames("a.T @ v");
    }

    [TestCaseSource(nameof(LayoutCases))]
    public void NonContiguousOperandsMatchNaiveReference(long[] aBase, int[] aPerm, long[] bBase, int[] bPerm)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int64 })
        {
            using var a = Permuted(aBase, aPerm, 3, dtype, out var av, out var aShape);
            using var b = Permuted(bBase, bPerm, 4, dtype, out var bv, out var bShape);
            using var c = Tensor.MatMul(a, b);
            CheckProduct(c, av, aShape, bv, bShape, dtype);
        }
    }

    [Test]
    public void SteppedAndExpandedOperands()
    {
        var data = Reference.RandomValues(9, 6 * 10);
        using var baseA = Inputs.FromDoubles(device, data, [6, 10], DType.Float32);
        using var a = baseA.Slice(1, 1, null, 2);      // [6, 5], column stride 2, offset 1
        using var a2 = a.Slice(0, 0, null, 2);         // [3, 5], row stride 20
        var av = Reference.Materialize(data, [3, 5], [20, 2], 1);
        var bdata = Reference.RandomValues(10, 5 * 4);
        using var bb = Inputs.FromDoubles(device, bdata, [1, 5, 4], DType.Float32);
        using var b = bb.Expand(3, 5, 4);              // batch stride 0
        using var c = Tensor.MatMul(a2, b);
        CheckProduct(c, av, [3, 5], Reference.Materialize(bdata, [3, 5, 4], [0, 4, 1]), [3, 5, 4], DType.Float32);
    }

    [Test]
    public void HandComputedProducts()
    {
        using var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3], device);
        using var b = Tensor.FromArray(new float[] { 7, 8, 9, 10, 11, 12 }, [3, 2], device);
        using (var c = Tensor.MatMul(a, b)) TensorAssert.Close(c, [58, 64, 139, 154], [2, 2]);
        using (var c = Tensor.MatMul(a, a.T)) TensorAssert.Close(c, [14, 32, 32, 77], [2, 2]);
        using var v = Tensor.FromArray(new float[] { 1, 0, -1 }, [3], device);
        using (var c = Tensor.MatMul(a, v)) TensorAssert.Close(c, [-2, -2], [2]);
        using (var c = Tensor.MatMul(v, b)) TensorAssert.Close(c, [-4, -4], [2]);
        using (var c = Tensor.MatMul(v, v)) TensorAssert.Close(c, [2], []);
        // Beyond float32's 24-bit mantissa: integer products must be exact.
        using var li = Tensor.FromArray(new long[] { (1L << 20) + 1, 1, 2, 3 }, [2, 2], device);
        long p = (1L << 20) + 1;
        using (var c = Tensor.MatMul(li, li))
            Assert.That(c.ToArray<long>(), Is.EqualTo(new long[] { (p * p) + 2, p + 3, (2 * p) + 6, 11 }));
    }

    [Test]
    public void ZeroInnerSizeGivesZerosEvenIntoReusedMemory()
    {
        // Allocate and drop a tensor of the same size first so a pooled buffer with stale values could be reused.
        using (var junk = Tensor.Full([4, 3], 7f, device: device)) Assert.That(junk.NumElements, Is.EqualTo(12));
        using var a = Tensor.Empty([4, 0], device: device);
        using var b = Tensor.Empty([0, 3], device: device);
        using var c = Tensor.MatMul(a, b);
        TensorAssert.Close(c, new double[12], [4, 3]);
        using var v = Tensor.Empty([0], device: device);
        using var d = Tensor.MatMul(v, v);
        TensorAssert.Close(d, [0], []);
    }

    [Test]
    public void BmmDotOuter()
    {
        using var a = Plain([4, 3, 5], 5, DType.Float32, out var av);
        using var b = Plain([4, 5, 2], 6, DType.Float32, out var bv);
        using (var c = Tensor.Bmm(a, b)) CheckProduct(c, av, [4, 3, 5], bv, [4, 5, 2], DType.Float32);
        using var bt = Permuted([4, 2, 5], [0, 2, 1], 7, DType.Float32, out var btv, out _);
        using (var c = Tensor.Bmm(a, bt)) CheckProduct(c, av, [4, 3, 5], btv, [4, 5, 2], DType.Float32);
        using var x = Tensor.FromArray(new double[] { 1, 2, 3 }, [3], device);
        using var y = Tensor.FromArray(new double[] { 4, -5, 6 }, [3], device);
        using (var d = Tensor.Dot(x, y)) TensorAssert.Close(d, [12], [], dtype: DType.Float64);
        using var z = Tensor.FromArray(new double[] { 1, 10 }, [2], device);
        using (var o = Tensor.Outer(x, z)) TensorAssert.Close(o, [1, 10, 2, 20, 3, 30], [3, 2], dtype: DType.Float64);
        using var xi = Tensor.FromArray(new long[] { 1, 2, 3 }, [3], device);
        using var ys = Tensor.FromArray(new long[] { 9, 9, 9, 9, 9, 9 }, [6], device);
        using var yStep = ys.Slice(0, 0, null, 2);
        using (var d = Tensor.Dot(xi, yStep)) TensorAssert.Close(d, [54], [], dtype: DType.Int64);
        Assert.That(() => Tensor.Bmm(x, y), Throws.ArgumentException.With.Message.StartsWith("Bmm:").And.Message.Contains("3-D"));
        using var b3 = Tensor.Zeros([3, 5, 2], device: device);
        Assert.That(() => Tensor.Bmm(a, b3), Throws.ArgumentException.With.Message.StartsWith("Bmm:").And.Message.Contains("batch sizes 4 and 3"));
        using var w = Tensor.Zeros([4], DType.Float64, device);
        Assert.That(() => Tensor.Dot(x, w), Throws.ArgumentException.With.Message.StartsWith("Dot:").And.Message.Contains("3 and 4"));
        Assert.That(() => Tensor.Dot(a, b), Throws.ArgumentException.With.Message.StartsWith("Dot:"));
        Assert.That(() => Tensor.Outer(a, x), Throws.ArgumentException.With.Message.StartsWith("Outer:"));
    }

    [Test]
    public void ErrorsNameTheShapes()
    {
        using var a = Tensor.Zeros([64, 1000], device: device);
        using var b = Tensor.Zeros([999, 10], device: device);
        Assert.That(() => Tensor.MatMul(a, b), Throws.ArgumentException.With.Message.EqualTo("MatMul: cannot multiply [64, 1000] by [999, 10]: inner sizes 1000 and 999 differ."));
        using var c = Tensor.Zeros([2, 3, 4], device: device);
        using var d = Tensor.Zeros([5, 4, 2], device: device);
        Assert.That(() => Tensor.MatMul(c, d), Throws.ArgumentException.With.Message.StartsWith("MatMul of [2, 3, 4] by [5, 4, 2], batch dimensions:").And.Message.Contains("sizes 2 and 5 differ"));
        using var s = Tensor.Scalar(1f, device: device);
        Assert.That(() => Tensor.MatMul(s, a), Throws.ArgumentException.With.Message.StartsWith("MatMul:"));
        using var f64 = Tensor.Zeros([1000, 2], DType.Float64, device);
        Assert.That(() => Tensor.MatMul(a, f64), Throws.ArgumentException.With.Message.StartsWith("MatMul:").And.Message.Contains("Float64").IgnoreCase);
        using var bo = Tensor.Zeros([2, 2], DType.Bool, device);
        Assert.That(() => Tensor.MatMul(bo, bo), Throws.ArgumentException.With.Message.StartsWith("MatMul:").And.Message.Contains("Bool"));
    }
}

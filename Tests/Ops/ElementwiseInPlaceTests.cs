using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Ops;

/// <summary>In-place ops: results, writes through views, the version counter, the dtype/shape/expanded-view rules, self-overlap.</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class ElementwiseInPlaceTests(Device device)
{
    [Test]
    public void BinaryInPlaceResults([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        Tensor X() => ElementwiseData.FromDoubles([1, -2, 4, 8], [2, 2], dtype, device);
        var other = ElementwiseData.FromDoubles([2, 4], [2], dtype, device);
        var x = X();
        Assert.That(x.AddInPlace(other), Is.SameAs(x));
        TensorAssert.Close(x, [3, 2, 6, 12], [2, 2], dtype: dtype);
        TensorAssert.Close(X().AddInPlace(other, alpha: -0.5), [0, -4, 3, 6], [2, 2], dtype: dtype);
        TensorAssert.Close(X().AddInPlace(1.5), [2.5, -0.5, 5.5, 9.5], [2, 2], dtype: dtype);
        TensorAssert.Close(X().SubInPlace(other), [-1, -6, 2, 4], [2, 2], dtype: dtype);
        TensorAssert.Close(X().SubInPlace(1), [0, -3, 3, 7], [2, 2], dtype: dtype);
        TensorAssert.Close(X().MulInPlace(other), [2, -8, 8, 32], [2, 2], dtype: dtype);
        TensorAssert.Close(X().MulInPlace(-2), [-2, 4, -8, -16], [2, 2], dtype: dtype);
        TensorAssert.Close(X().DivInPlace(other), [0.5, -0.5, 2, 2], [2, 2], dtype: dtype);
        TensorAssert.Close(X().DivInPlace(4), [0.25, -0.5, 1, 2], [2, 2], dtype: dtype);
        TensorAssert.Close(X().PowInPlace(2), [1, 4, 16, 64], [2, 2], dtype: dtype);
        TensorAssert.Close(X().MaximumInPlace(other), [2, 4, 4, 8], [2, 2], dtype: dtype);
        TensorAssert.Close(X().MinimumInPlace(other), [1, -2, 2, 4], [2, 2], dtype: dtype);
    }

    [Test]
    public void UnaryInPlaceResults([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        Tensor X() => ElementwiseData.FromDoubles([1, -2, 4, 0.5], [4], dtype, device);
        var x = X();
        Assert.That(x.ReluInPlace(), Is.SameAs(x));
        TensorAssert.Close(x, [1, 0, 4, 0.5], [4], dtype: dtype);
        TensorAssert.Close(X().NegInPlace(), [-1, 2, -4, -0.5], [4], dtype: dtype);
        TensorAssert.Close(X().AbsInPlace(), [1, 2, 4, 0.5], [4], dtype: dtype);
        TensorAssert.Close(X().AbsInPlace().SqrtInPlace(), [1, Math.Sqrt(2), 2, Math.Sqrt(0.5)], [4], dtype: dtype);
        TensorAssert.Close(X().ExpInPlace(), [Math.E, Math.Exp(-2), Math.Exp(4), Math.Exp(0.5)], [4], dtype: dtype);
        TensorAssert.Close(X().AbsInPlace().LogInPlace(), [0, Math.Log(2), Math.Log(4), Math.Log(0.5)], [4], dtype: dtype);
        TensorAssert.Close(X().TanhInPlace(), [Math.Tanh(1), Math.Tanh(-2), Math.Tanh(4), Math.Tanh(0.5)], [4], dtype: dtype);
        TensorAssert.Close(X().SigmoidInPlace(), [1 / (1 + Math.Exp(-1)), 1 / (1 + Math.Exp(2)), 1 / (1 + Math.Exp(-4)), 1 / (1 + Math.Exp(-0.5))], [4], dtype: dtype);
        TensorAssert.Close(X().ClampInPlace(-1, 2), [1, -1, 2, 0.5], [4], dtype: dtype);
        TensorAssert.Close(X().ClampInPlace(min: 0.75), [1, 0.75, 4, 0.75], [4], dtype: dtype);
        TensorAssert.Close(X().ClampInPlace(max: 0.75), [0.75, -2, 0.75, 0.5], [4], dtype: dtype);
    }

    [Test]
    public void IntegerInPlace()
    {
        using var scope = Tensor.NewScope();
        var x = Tensor.FromArray<int>([1, -2, 3], device);
        x.AddInPlace(2).MulInPlace(3).ClampInPlace(0, 10).NegInPlace().AbsInPlace().ReluInPlace();
        TensorAssert.Close(x, [9, 0, 10], [3], dtype: DType.Int32);
        // A wider operand of the same category is narrowed, as PyTorch's add_.
        x.AddInPlace(Tensor.FromArray<long>([1, 1, 1], device));
        TensorAssert.Close(x, [10, 1, 11], [3], dtype: DType.Int32);
        var f = Tensor.FromArray<float>([1, 2, 3], device);
        f.AddInPlace(Tensor.FromArray<double>([0.5, 0.25, 0.125], device));
        TensorAssert.Close(f, [1.5, 2.25, 3.125], [3], dtype: DType.Float32);
        f.MulInPlace(Tensor.FromArray<int>([2, 2, 2], device));
        TensorAssert.Close(f, [3, 4.5, 6.25], [3], dtype: DType.Float32);
    }

    [Test]
    public void WritesGoThroughViews([Values] bool large)
    {
        using var scope = Tensor.NewScope();
        long rows = large ? 400 : 4, cols = large ? 330 : 6;
        var data = new double[rows * cols];
        for (int k = 0; k < data.Length; k++) data[k] = k;
        var x = Tensor.FromArray(data, [rows, cols], device);
        // A stepped column slice, then a transposed view, then a single column.
        var stepped = x.Slice(1, 0, cols, 2);
        stepped.MulInPlace(-1);
        x.T.AddInPlace(0.5);
        x[.., 1].SubInPlace(Tensor.Full([rows], 100.0, DType.Float64, device));
        var expected = new double[data.Length];
        for (long r = 0; r < rows; r++)
        {
            for (long c = 0; c < cols; c++)
            {
                double v = r * cols + c;
                if (c % 2 == 0) v = -v;
                v += 0.5;
                if (c == 1) v -= 100;
                expected[r * cols + c] = v;
            }
        }
        TensorAssert.Close(x, expected, [rows, cols], rtol: 0, atol: 0, dtype: DType.Float64);
        // Unary in-place through a strided view leaves the skipped elements alone.
        var y = Tensor.FromArray<float>([-1, -2, -3, -4], device);
        y.Slice(0, 0, 4, 2).ReluInPlace();
        TensorAssert.Close(y, [0, -2, 0, -4], [4]);
    }

    [Test]
    public void InPlaceOpsBumpTheSharedVersion()
    {
        using var scope = Tensor.NewScope();
        var x = Tensor.Zeros([3, 3], device: device);
        var view = x[1];
        int v0 = x.Storage.Version;
        view.AddInPlace(1);
        Assert.That(x.Storage.Version, Is.GreaterThan(v0));
        int v1 = x.Storage.Version;
        x.T.ReluInPlace();
        Assert.That(view.Storage.Version, Is.GreaterThan(v1));
        int v2 = x.Storage.Version;
        x.ClampInPlace(max: 0.5);
        Assert.That(x.Storage.Version, Is.GreaterThan(v2));
        // Out-of-place ops do not.
        int v3 = x.Storage.Version;
        using var y = x + 1;
        using var z = x.Exp();
        Assert.That(x.Storage.Version, Is.EqualTo(v3));
    }

    [Test]
    public void DTypeRulesAreEnforced()
    {
        using var scope = Tensor.NewScope();
        var i = Tensor.FromArray<int>([1, 2], device);
        var f = Tensor.FromArray<float>([1, 2], device);
        var ex = Assert.Throws<InvalidOperationException>(() => i.AddInPlace(f));
        Assert.That(ex!.Message, Does.Contain("AddInPlace").And.Contain("int32").And.Contain("float32"));
        Assert.Throws<InvalidOperationException>(() => i.AddInPlace(0.5));
        ex = Assert.Throws<InvalidOperationException>(() => i.DivInPlace(2));
        Assert.That(ex!.Message, Does.Contain("DivInPlace").And.Contain("int32"));
        ex = Assert.Throws<InvalidOperationException>(() => i.ExpInPlace());
        Assert.That(ex!.Message, Does.Contain("float32").And.Contain("int32"));
        var b = Tensor.FromArray<bool>([true, false], device);
        Assert.Throws<InvalidOperationException>(() => b.AddInPlace(i));
        // Refused ops leave the tensor untouched.
        TensorAssert.Close(i, [1, 2], [2], dtype: DType.Int32);
        // Bool in place: + is "or", * is "and".
        b.AddInPlace(Tensor.FromArray<bool>([false, true], device));
        TensorAssert.Close(b, [1, 1], [2], dtype: DType.Bool);
        b.MulInPlace(Tensor.FromArray<bool>([false, true], device));
        TensorAssert.Close(b, [0, 1], [2], dtype: DType.Bool);
    }

    [Test]
    public void ShapeChangingBroadcastIsRefused()
    {
        using var scope = Tensor.NewScope();
        var x = Tensor.Zeros([3], device: device);
        var ex = Assert.Throws<ArgumentException>(() => x.AddInPlace(Tensor.Ones([2, 3], device: device)));
        Assert.That(ex!.Message, Does.Contain("AddInPlace").And.Contain("[2, 3]").And.Contain("[3]"));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros([3, 1], device: device).MulInPlace(Tensor.Ones([4], device: device)));
        TensorAssert.Close(x, [0, 0, 0], [3]);
    }

    [Test]
    public void WritingIntoAnExpandedViewIsRefused()
    {
        using var scope = Tensor.NewScope();
        var x = Tensor.FromArray<float>([1, 2, 3], device);
        var e = x.Expand(4, 3);
        var ex = Assert.Throws<InvalidOperationException>(() => e.AddInPlace(1));
        Assert.That(ex!.Message, Does.Contain("AddInPlace").And.Contain("expanded"));
        Assert.Throws<InvalidOperationException>(() => e.ReluInPlace());
        Assert.Throws<InvalidOperationException>(() => e.ClampInPlace(0, 1));
        Assert.Throws<InvalidOperationException>(() => e.MulInPlace(Tensor.Ones([4, 3], device: device)));
        TensorAssert.Close(x, [1, 2, 3], [3]);
        // A size-1 dimension with stride 0 is harmless.
        var one = x.Unsqueeze(0).Expand(1, 3);
        one.AddInPlace(1);
        TensorAssert.Close(x, [2, 3, 4], [3]);
    }

    [Test]
    public void SelfOverlappingOperands([Values] bool large)
    {
        using var scope = Tensor.NewScope();
        long n = large ? 300 : 5; // 300² = 90000 elements: above the multithreading threshold
        var data = new double[n * n];
        for (int k = 0; k < data.Length; k++) data[k] = k * 0.5 - 7;
        Tensor X() => Tensor.FromArray(data, [n, n], device);
        double At(long r, long c) => data[r * n + c];
        double[] Expect(Func<long, long, double> f)
        {
            var e = new double[n * n];
            for (long r = 0; r < n; r++) for (long c = 0; c < n; c++) e[r * n + c] = f(r, c);
            return e;
        }

        // The same layout on both sides.
        var x = X();
        x.AddInPlace(x);
        TensorAssert.Close(x, Expect((r, c) => 2 * At(r, c)), [n, n], rtol: 0, atol: 0, dtype: DType.Float64);
        // The transpose of itself: every element must read the old value of its mirror.
        x = X();
        x.AddInPlace(x.T);
        TensorAssert.Close(x, Expect((r, c) => At(r, c) + At(c, r)), [n, n], rtol: 0, atol: 0, dtype: DType.Float64);
        x = X();
        x.SubInPlace(x.T);
        TensorAssert.Close(x, Expect((r, c) => At(r, c) - At(c, r)), [n, n], rtol: 0, atol: 0, dtype: DType.Float64);
        // A broadcast row of itself: row 0 is overwritten first but every row must use the old row 0.
        x = X();
        x.MulInPlace(x[0]);
        TensorAssert.Close(x, Expect((r, c) => At(r, c) * At(0, c)), [n, n], rtol: 0, atol: 0, dtype: DType.Float64);
        // Shifted, partially overlapping 1-D windows.
        var flat = X().Flatten();
        long m = n * n;
        flat[1..].AddInPlace(flat[..^1]);
        var fe = new double[m];
        fe[0] = data[0];
        for (long k = 1; k < m; k++) fe[k] = data[k] + data[k - 1];
        TensorAssert.Close(flat, fe, [m], rtol: 0, atol: 0, dtype: DType.Float64);
        // CopyFrom its own transpose.
        x = X();
        x.CopyFrom(x.T);
        TensorAssert.Close(x, Expect((r, c) => At(c, r)), [n, n], rtol: 0, atol: 0, dtype: DType.Float64);
        // Disjoint halves of one storage need no staging and must still be right.
        x = X();
        x[..(int)(n / 2)].AddInPlace(x[(int)(n - n / 2)..]);
        TensorAssert.Close(x, Expect((r, c) => r < n / 2 ? At(r, c) + At(r + n - n / 2, c) : At(r, c)), [n, n], rtol: 0, atol: 0, dtype: DType.Float64);
    }
}

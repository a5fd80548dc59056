using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Ops;

/// <summary>Comparisons, logic, Where, MaskedFill and AllClose.</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class ElementwiseComparisonTests(Device device)
{
    [Test]
    public void ComparisonsOfTensorsAndNumbers([Values(DType.Float32, DType.Float64, DType.Int32, DType.Int64)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        var a = ElementwiseData.FromDoubles([1, 2, 3, 4], [4], dtype, device);
        var b = ElementwiseData.FromDoubles([4, 2, 1, 5], [4], dtype, device);
        TensorAssert.Close(a.Eq(b), [0, 1, 0, 0], [4], dtype: DType.Bool);
        TensorAssert.Close(a.Ne(b), [1, 0, 1, 1], [4], dtype: DType.Bool);
        TensorAssert.Close(a.Lt(b), [1, 0, 0, 1], [4], dtype: DType.Bool);
        TensorAssert.Close(a.Le(b), [1, 1, 0, 1], [4], dtype: DType.Bool);
        TensorAssert.Close(a.Gt(b), [0, 0, 1, 0], [4], dtype: DType.Bool);
        TensorAssert.Close(a.Ge(b), [0, 1, 1, 0], [4], dtype: DType.Bool);
        TensorAssert.Close(a.Eq(2), [0, 1, 0, 0], [4], dtype: DType.Bool);
        TensorAssert.Close(a.Ne(2), [1, 0, 1, 1], [4], dtype: DType.Bool);
        TensorAssert.Close(a.Lt(3), [1, 1, 0, 0], [4], dtype: DType.Bool);
        TensorAssert.Close(a.Le(3), [1, 1, 1, 0], [4], dtype: DType.Bool);
        TensorAssert.Close(a.Gt(2.5), [0, 0, 1, 1], [4], dtype: DType.Bool);
        TensorAssert.Close(a.Ge(2.5), [0, 0, 1, 1], [4], dtype: DType.Bool);
        // An integer tensor compared with a fraction is compared as floats, not truncated.
        TensorAssert.Close(a.Eq(2.5), [0, 0, 0, 0], [4], dtype: DType.Bool);
        TensorAssert.Close(a.Lt(1.5), [1, 0, 0, 0], [4], dtype: DType.Bool);
    }

    [Test]
    public void ComparisonsWithNaNAndMixedDTypes()
    {
        using var scope = Tensor.NewScope();
        var x = Tensor.FromArray<double>([double.NaN, 1, double.PositiveInfinity], device);
        TensorAssert.Close(x.Eq(x), [0, 1, 1], [3], dtype: DType.Bool);
        TensorAssert.Close(x.Ne(x), [1, 0, 0], [3], dtype: DType.Bool);
        TensorAssert.Close(x.Lt(2), [0, 1, 0], [3], dtype: DType.Bool);
        TensorAssert.Close(x.Ge(1), [0, 1, 1], [3], dtype: DType.Bool);
        var i = Tensor.FromArray<int>([1, 2, 3], device);
        var f = Tensor.FromArray<float>([1, 2.5f, 2], device);
        TensorAssert.Close(i.Eq(f), [1, 0, 0], [3], dtype: DType.Bool);
        TensorAssert.Close(i.Gt(f), [0, 0, 1], [3], dtype: DType.Bool);
        // Broadcast: [3, 1] against [3].
        var col = Tensor.FromArray<int>([1, 2, 3], [3, 1], device);
        TensorAssert.Close(col.Lt(i), [0, 1, 1, 0, 0, 1, 0, 0, 0], [3, 3], dtype: DType.Bool);
    }

    [Test]
    public void ComparisonsOnRandomData([Values(DType.Float32, DType.Float64)] DType dtype, [Values] InputLayout layout, [Values] bool large)
    {
        using var scope = Tensor.NewScope();
        var shape = large ? ElementwiseData.Large : ElementwiseData.Small;
        var a = ElementwiseData.Make(shape, dtype, layout, device, seed: 21).Round();
        var b = ElementwiseData.Make(shape, dtype, InputLayout.Stepped, device, seed: 22).Round();
        var av = TensorAssert.ToDoubles(a);
        var bv = TensorAssert.ToDoubles(b);
        void Check(Tensor y, Func<double, double, bool> f)
        {
            var e = new double[av.Length];
            for (int k = 0; k < e.Length; k++) e[k] = f(av[k], bv[k]) ? 1 : 0;
            ElementwiseData.AssertValues(y, av, e, shape, 0, 0, DType.Bool);
        }
        Check(a.Eq(b), (x, y) => x == y);
        Check(a.Ne(b), (x, y) => x != y);
        Check(a.Lt(b), (x, y) => x < y);
        Check(a.Le(b), (x, y) => x <= y);
        Check(a.Gt(b), (x, y) => x > y);
        Check(a.Ge(b), (x, y) => x >= y);
        Check(a.Gt(0).LogicalAnd(b.Lt(0)), (x, y) => x > 0 && y < 0);
        Check(a.Gt(0).LogicalXor(b.Gt(0)), (x, y) => x > 0 ^ y > 0);
    }

    [Test]
    public void LogicOps()
    {
        using var scope = Tensor.NewScope();
        var a = Tensor.FromArray<bool>([true, true, false, false], device);
        var b = Tensor.FromArray<bool>([true, false, true, false], device);
        TensorAssert.Close(a.LogicalAnd(b), [1, 0, 0, 0], [4], dtype: DType.Bool);
        TensorAssert.Close(a.LogicalOr(b), [1, 1, 1, 0], [4], dtype: DType.Bool);
        TensorAssert.Close(a.LogicalXor(b), [0, 1, 1, 0], [4], dtype: DType.Bool);
        TensorAssert.Close(a.LogicalNot(), [0, 0, 1, 1], [4], dtype: DType.Bool);
        // Non-bool inputs: non-zero is true (NaN too).
        var f = Tensor.FromArray<float>([0, -2, float.NaN, 0.5f], device);
        var i = Tensor.FromArray<int>([3, 0, 0, 7], device);
        TensorAssert.Close(f.LogicalAnd(i), [0, 0, 0, 1], [4], dtype: DType.Bool);
        TensorAssert.Close(f.LogicalOr(i), [1, 1, 1, 1], [4], dtype: DType.Bool);
        TensorAssert.Close(f.LogicalXor(i), [1, 1, 1, 0], [4], dtype: DType.Bool);
        TensorAssert.Close(f.LogicalNot(), [1, 0, 0, 0], [4], dtype: DType.Bool);
        TensorAssert.Close(i.LogicalNot(), [0, 1, 1, 0], [4], dtype: DType.Bool);
        // Broadcast, and a transposed operand.
        var m = Tensor.FromArray<bool>([true, false, false, true], [2, 2], device);
        TensorAssert.Close(m.T.LogicalAnd(Tensor.FromArray<bool>([true, false], device)), [1, 0, 0, 0], [2, 2], dtype: DType.Bool);
    }

    [Test]
    public void WhereBroadcastsAndPromotes()
    {
        using var scope = Tensor.NewScope();
        var cond = Tensor.FromArray<bool>([true, false, true], [3, 1], device);
        var a = Tensor.FromArray<float>([1, 2, 3, 4], [1, 4], device);
        var b = Tensor.FromArray<float>([-1, -2, -3, -4], [4], device);
        TensorAssert.Close(Tensor.Where(cond, a, b), [1, 2, 3, 4, -1, -2, -3, -4, 1, 2, 3, 4], [3, 4], dtype: DType.Float32);
        // Number branches keep the tensor's dtype; an int tensor with a float number becomes Float32.
        TensorAssert.Close(Tensor.Where(cond, a, 0), [1, 2, 3, 4, 0, 0, 0, 0, 1, 2, 3, 4], [3, 4], dtype: DType.Float32);
        TensorAssert.Close(Tensor.Where(cond, 9.5, a), [9.5, 9.5, 9.5, 9.5, 1, 2, 3, 4, 9.5, 9.5, 9.5, 9.5], [3, 4], dtype: DType.Float32);
        var i = Tensor.FromArray<int>([5, 6, 7], device);
        var c1 = Tensor.FromArray<bool>([true, false, true], device);
        TensorAssert.Close(Tensor.Where(c1, i, 0), [5, 0, 7], [3], dtype: DType.Int32);
        TensorAssert.Close(Tensor.Where(c1, i, 0.5), [5, 0.5, 7], [3], dtype: DType.Float32);
        TensorAssert.Close(Tensor.Where(c1, i, Tensor.FromArray<double>([1, 2, 3], device)), [5, 2, 7], [3], dtype: DType.Float64);
        // A Bool result, and a transposed condition.
        var m = Tensor.FromArray<bool>([true, false, false, true], [2, 2], device);
        var x = Tensor.FromArray<long>([1, 2, 3, 4], [2, 2], device);
        TensorAssert.Close(Tensor.Where(m.T, x, -x), [1, -2, -3, 4], [2, 2], dtype: DType.Int64);
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Where(x, x, x));
        Assert.That(ex!.Message, Does.Contain("Where").And.Contain("Bool"));
    }

    [Test]
    public void WhereOnLargeRandomData([Values] InputLayout layout)
    {
        using var scope = Tensor.NewScope();
        var shape = ElementwiseData.Large;
        var a = ElementwiseData.Make(shape, DType.Float64, layout, device, seed: 31);
        var b = ElementwiseData.Make(shape, DType.Float64, InputLayout.Transposed, device, seed: 32);
        var y = Tensor.Where(a.Gt(b), a, b);
        var av = TensorAssert.ToDoubles(a);
        var bv = TensorAssert.ToDoubles(b);
        var e = new double[av.Length];
        for (int k = 0; k < e.Length; k++) e[k] = Math.Max(av[k], bv[k]);
        ElementwiseData.AssertValues(y, av, e, shape, 0, 0, DType.Float64);
    }

    [Test]
    public void MaskedFillKeepsTheDType()
    {
        using var scope = Tensor.NewScope();
        var i = Tensor.FromArray<int>([1, 2, 3, 4, 5, 6], [2, 3], device);
        var mask = Tensor.FromArray<bool>([true, false, true], device);
        TensorAssert.Close(i.MaskedFill(mask, 2.7), [2, 2, 2, 2, 5, 2], [2, 3], dtype: DType.Int32);
        TensorAssert.Close(i.MaskedFill(mask, -1), [-1, 2, -1, -1, 5, -1], [2, 3], dtype: DType.Int32);
        var f = Tensor.FromArray<double>([1, 2, 3, 4, 5, 6], [2, 3], device);
        TensorAssert.Close(f.MaskedFill(mask, double.NegativeInfinity), [double.NegativeInfinity, 2, double.NegativeInfinity, double.NegativeInfinity, 5, double.NegativeInfinity], [2, 3], dtype: DType.Float64);
        // 0-d tensors keep their dtype too.
        var s = Tensor.Scalar(1.0, DType.Float64, device);
        var r = s.MaskedFill(Tensor.Scalar(true, device: device), 0.25);
        Assert.That(r.DType, Is.EqualTo(DType.Float64));
        Assert.That(r.Item<double>(), Is.EqualTo(0.25));
        // In place, through a transposed view, writes into the base.
        var t = f.T;
        t.MaskedFillInPlace(Tensor.FromArray<bool>([false, true], device), 0);
        TensorAssert.Close(f, [1, 2, 3, 0, 0, 0], [2, 3], dtype: DType.Float64);
        var ex = Assert.Throws<ArgumentException>(() => Tensor.FromArray<float>([1, 2, 3], device).MaskedFillInPlace(Tensor.FromArray<bool>([true, false, true], [3, 1], device), 0));
        Assert.That(ex!.Message, Does.Contain("[3, 1]"));
    }

    [Test]
    public void AllCloseMatchesTorchSemantics()
    {
        using var scope = Tensor.NewScope();
        Tensor T(params double[] v) => Tensor.FromArray(v, device);
        double inf = double.PositiveInfinity, nan = double.NaN;
        Assert.That(T(1, 2).AllClose(T(1 + 1e-6, 2)), Is.True);
        Assert.That(T(1).AllClose(T(1.001)), Is.False);
        Assert.That(T(1).AllClose(T(1.001), rtol: 1e-2), Is.True);
        Assert.That(T(0).AllClose(T(1e-9)), Is.True, "atol 1e-8 covers it");
        Assert.That(T(0).AllClose(T(1e-7)), Is.False);
        Assert.That(T(0).AllClose(T(1e-7), atol: 1e-6), Is.True);
        // rtol scales |other|, not |this|: |100 - 101| <= 0.00995 * 101 but not <= 0.00995 * 100.
        Assert.That(T(100).AllClose(T(101), rtol: 0.00995, atol: 0), Is.True);
        Assert.That(T(101).AllClose(T(100), rtol: 0.00995, atol: 0), Is.False);
        Assert.That(T(nan).AllClose(T(nan)), Is.False);
        Assert.That(T(nan, 1).AllClose(T(nan, 1), equalNan: true), Is.True);
        Assert.That(T(nan).AllClose(T(1), equalNan: true), Is.False);
        Assert.That(T(inf, -inf).AllClose(T(inf, -inf)), Is.True);
        Assert.That(T(inf).AllClose(T(-inf)), Is.False);
        Assert.That(T(1e30).AllClose(T(inf)), Is.False);
        Assert.That(T(inf).AllClose(T(1e30)), Is.False);
        Assert.That(T(1).AllClose(T(inf), rtol: 1), Is.False);
        // Broadcasting and mixed dtypes.
        Assert.That(Tensor.FromArray<float>([1, 1, 1], device).AllClose(T(1)), Is.True);
        Assert.That(Tensor.FromArray<int>([1, 2], device).AllClose(Tensor.FromArray<float>([1, 2.0000001f], device)), Is.True);
    }
}

using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Ops;

/// <summary>Binary arithmetic: values against float64 references, broadcasting, dtype promotion and error messages.</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class ElementwiseBinaryTests(Device device)
{
    /// <summary>One binary op and its float64 definition.</summary>
    public sealed record BinaryCase(string Name, Func<Tensor, Tensor, Tensor> Op, Func<double, double, double> Reference)
    {
        /// <inheritdoc/>
        public override string ToString() => Name;
    }

    // Python's float remainder (CPython float_rem): fmod, then moved into the divisor's sign.
    private static double PyRemainder(double a, double b)
    {
        double r = a % b;
        return r != 0 && (r < 0) != (b < 0) ? r + b : r;
    }

    private static readonly BinaryCase[] Ops =
    [
        new("Add", (a, b) => a + b, (a, b) => a + b),
        new("Sub", (a, b) => a - b, (a, b) => a - b),
        new("Mul", (a, b) => a * b, (a, b) => a * b),
        new("Div", (a, b) => a / b, (a, b) => a / b),
        new("Remainder", (a, b) => a % b, PyRemainder),
        new("FMod", (a, b) => a.FMod(b), (a, b) => a % b), // C#'s % on doubles is C's fmod; both are exact
        new("SubAlpha", (a, b) => a.Sub(b, alpha: 1.5), (a, b) => a - 1.5 * b),
        new("Maximum", Tensor.Maximum, Math.Max),
        new("Minimum", Tensor.Minimum, Math.Min),
        new("AddAlpha", (a, b) => a.Add(b, alpha: 2.5), (a, b) => a + 2.5 * b),
        new("Lerp0.25", (a, b) => Tensor.Lerp(a, b, 0.25), (a, b) => a + 0.25 * (b - a)),
        new("Lerp0.75", (a, b) => Tensor.Lerp(a, b, 0.75), (a, b) => a + 0.75 * (b - a)),
        new("Pow", (a, b) => a.Abs().Pow(b), (a, b) => Math.Pow(Math.Abs(a), b)),
        new("x-2", (a, b) => a - 2, (a, b) => a - 2),
        new("2-x", (a, b) => 2 - a, (a, b) => 2 - a),
        new("1/x", (a, b) => 1 / a, (a, b) => 1 / a),
        new("x*1.5", (a, b) => a * 1.5, (a, b) => a * 1.5),
        new("3*x", (a, b) => 3 * a, (a, b) => 3 * a),
        new("x+0.5", (a, b) => a + 0.5, (a, b) => a + 0.5),
        new("x/4", (a, b) => a / 4, (a, b) => a / 4),
        new("x%1.5", (a, b) => a % 1.5, (a, b) => PyRemainder(a, 1.5)),
    ];

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var op in Ops)
        {
            foreach (var dtype in (DType[])[DType.Float32, DType.Float64])
            {
                foreach (var layout in Enum.GetValues<InputLayout>())
                {
                    foreach (bool large in (bool[])[false, true])
                    {
                        yield return new TestCaseData(op, dtype, layout, large)
                            .SetArgDisplayNames(op.Name, dtype.ToString(), layout.ToString(), large ? "large" : "small");
                    }
                }
            }
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void MatchesFloat64Reference(BinaryCase op, DType dtype, InputLayout layout, bool large)
    {
        ArgumentNullException.ThrowIfNull(op);
        using var scope = Tensor.NewScope();
        var shape = large ? ElementwiseData.Large : ElementwiseData.Small;
        var a = ElementwiseData.Make(shape, dtype, layout, device, seed: 1 + (int)layout, lo: -4, hi: 4);
        // The second operand in another layout; values kept away from 0 so that quotients stay moderate.
        var bLayout = (InputLayout)(((int)layout + 1) % 4);
        var bRaw = ElementwiseData.Make(shape, dtype, bLayout, device, seed: 7 + (int)layout, lo: 0.25, hi: 3);
        var sign = ElementwiseData.Make(shape, dtype, InputLayout.Contiguous, device, seed: 9, lo: -1, hi: 1).Sign();
        var b = bRaw * sign;
        var av = TensorAssert.ToDoubles(a);
        var bv = TensorAssert.ToDoubles(b);
        var expected = new double[av.Length];
        for (int i = 0; i < av.Length; i++) expected[i] = op.Reference(av[i], bv[i]);
        var y = op.Op(a, b);
        double rtol = dtype == DType.Float32 ? 4e-6 : 1e-13;
        double atol = dtype == DType.Float32 ? 4e-6 : 1e-13;
        ElementwiseData.AssertValues(y, av, expected, shape, rtol, atol, dtype);
    }

    [Test]
    public void IntegerArithmeticOnRandomData([Values(DType.Int32, DType.Int64)] DType dtype, [Values] InputLayout layout, [Values] bool large)
    {
        using var scope = Tensor.NewScope();
        var shape = large ? ElementwiseData.Large : ElementwiseData.Small;
        var a = ElementwiseData.Make(shape, dtype, layout, device, seed: 3, lo: -1000, hi: 1000);
        var raw = ElementwiseData.Make(shape, dtype, InputLayout.Transposed, device, seed: 4, lo: -50, hi: 50);
        var b = Tensor.Where(raw.Eq(0), 7, raw); // never zero
        var av = TensorAssert.ToDoubles(a);
        var bv = TensorAssert.ToDoubles(b);
        Assert.That(bv, Has.None.EqualTo(0.0));
        void Check(Tensor y, Func<double, double, double> f, DType expectedType)
        {
            var e = new double[av.Length];
            for (int i = 0; i < e.Length; i++) e[i] = f(av[i], bv[i]);
            ElementwiseData.AssertValues(y, av, e, shape, expectedType == DType.Float32 ? 1e-6 : 0, 0, expectedType);
        }
        Check(a + b, (x, y) => x + y, dtype);
        Check(a - b, (x, y) => x - y, dtype);
        Check(a * b, (x, y) => x * y, dtype);
        Check(a % b, (x, y) => x - y * Math.Floor(x / y), dtype);
        Check(Tensor.Maximum(a, b), Math.Max, dtype);
        Check(Tensor.Minimum(a, b), Math.Min, dtype);
        // True division of integers gives Float32.
        Check(a / b, (x, y) => (float)(x / y), DType.Float32);
    }

    [Test]
    public void BroadcastingShapes()
    {
        using var scope = Tensor.NewScope();
        var col = Tensor.FromArray<float>([1, 2, 3], [3, 1], device);
        var row = Tensor.FromArray<float>([10, 20, 30, 40], [1, 4], device);
        TensorAssert.Close(col + row, [11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43], [3, 4]);
        TensorAssert.Close(row - col, [9, 19, 29, 39, 8, 18, 28, 38, 7, 17, 27, 37], [3, 4]);

        var m = Tensor.FromArray<float>([1, 2, 3, 4, 5, 6], [2, 3], device);
        var v = Tensor.FromArray<float>([10, 100, 1000], [3], device);
        TensorAssert.Close(m * v, [10, 200, 3000, 40, 500, 6000], [2, 3]);
        TensorAssert.Close(v * m, [10, 200, 3000, 40, 500, 6000], [2, 3]);

        // 0-d with anything: [2, 3], [3], 0-d, and 0-d with 0-d.
        var s = Tensor.Scalar(2f, device: device);
        TensorAssert.Close(m - s, [-1, 0, 1, 2, 3, 4], [2, 3]);
        TensorAssert.Close(s - v, [-8, -98, -998], [3]);
        var ss = s * s;
        Assert.That(ss.Dim, Is.EqualTo(0));
        Assert.That(ss.Item<float>(), Is.EqualTo(4f));

        // Zero-size: [0, 3] with [3] is [0, 3]; [0] with 0-d is [0].
        var empty = Tensor.Zeros([0, 3], device: device);
        Assert.That((empty + v).Shape.ToArray(), Is.EqualTo((long[])[0, 3]));
        Assert.That((Tensor.Zeros([0], device: device) * s).Shape.ToArray(), Is.EqualTo((long[])[0]));
        Assert.That((empty + Tensor.Zeros([2, 1, 1], device: device)).Shape.ToArray(), Is.EqualTo((long[])[2, 0, 3]));

        // Expanded operands read their stride-0 dimension correctly.
        var e = Tensor.FromArray<float>([1, 2, 3], [3], device).Expand(2, 3);
        TensorAssert.Close(m + e, [2, 4, 6, 5, 7, 9], [2, 3]);
    }

    [Test]
    public void BroadcastFailureNamesBothShapesAndTheDimension()
    {
        using var scope = Tensor.NewScope();
        var a = Tensor.Zeros([2, 3], device: device);
        var b = Tensor.Zeros([4], device: device);
        var ex = Assert.Throws<ArgumentException>(() => _ = a + b);
        Assert.That(ex!.Message, Does.Contain("[2, 3]").And.Contain("[4]").And.Contain("dimension 1").And.Contain("Add"));
        var c = Tensor.Zeros([5, 1, 3], device: device);
        var d = Tensor.Zeros([2, 4], device: device);
        ex = Assert.Throws<ArgumentException>(() => _ = Tensor.Maximum(c, d));
        Assert.That(ex!.Message, Does.Contain("[5, 1, 3]").And.Contain("[2, 4]").And.Contain("dimension 2").And.Contain("Maximum"));
    }

    [Test]
    public void DTypePromotion()
    {
        using var scope = Tensor.NewScope();
        var i32 = Tensor.FromArray<int>([1, 2, 3], device);
        var i64 = Tensor.FromArray<long>([1, 2, 3], device);
        var f32 = Tensor.FromArray<float>([1, 2, 3], device);
        var f64 = Tensor.FromArray<double>([1, 2, 3], device);
        var b = Tensor.FromArray<bool>([true, false, true], device);

        Assert.That((i32 + f64).DType, Is.EqualTo(DType.Float64));
        Assert.That((i32 + i64).DType, Is.EqualTo(DType.Int64));
        Assert.That((f32 + f64).DType, Is.EqualTo(DType.Float64));
        Assert.That((i64 + f32).DType, Is.EqualTo(DType.Float32));
        Assert.That((b + i32).DType, Is.EqualTo(DType.Int32));
        TensorAssert.Close(i32 / i32, [1, 1, 1], [3], dtype: DType.Float32);
        TensorAssert.Close(i64 / i32, [1, 1, 1], [3], dtype: DType.Float32);
        // C# numbers do not widen within a category, but raise the category.
        TensorAssert.Close(f32 * 2.0, [2, 4, 6], [3], dtype: DType.Float32);
        TensorAssert.Close(i32 + 1, [2, 3, 4], [3], dtype: DType.Int32);
        TensorAssert.Close(i32 + 3_000_000_000L - 3_000_000_000L, [1, 2, 3], [3], dtype: DType.Int32);
        TensorAssert.Close(i32 * 2.5, [2.5, 5, 7.5], [3], dtype: DType.Float32);
        TensorAssert.Close(i64 * 0.5f, [0.5, 1, 1.5], [3], dtype: DType.Float32);
        TensorAssert.Close(f64 + 1, [2, 3, 4], [3], dtype: DType.Float64);
        TensorAssert.Close(b + 1, [2, 1, 2], [3], dtype: DType.Int64);
        TensorAssert.Close(b * 1.5, [1.5, 0, 1.5], [3], dtype: DType.Float32);
        // 0-d tensors rank between dimensioned tensors and numbers (torch.result_type).
        Assert.That((f32 + Tensor.Scalar(1.0, DType.Float64, device)).DType, Is.EqualTo(DType.Float32));
        Assert.That((i32 + Tensor.Scalar(1L, DType.Int64, device)).DType, Is.EqualTo(DType.Int32));
        Assert.That((i32 + Tensor.Scalar(1.0, DType.Float64, device)).DType, Is.EqualTo(DType.Float64));
        Assert.That((Tensor.Scalar(1, DType.Int32, device) + Tensor.Scalar(1.0, DType.Float64, device)).DType, Is.EqualTo(DType.Float64));
        Assert.That((Tensor.Scalar(1, DType.Int32, device) + 1.5).DType, Is.EqualTo(DType.Float32));
        Assert.That((Tensor.Scalar(1.0, DType.Float64, device) * 2f).DType, Is.EqualTo(DType.Float64));
    }

    [Test]
    public void BoolArithmetic()
    {
        using var scope = Tensor.NewScope();
        var a = Tensor.FromArray<bool>([true, true, false, false], device);
        var b = Tensor.FromArray<bool>([true, false, true, false], device);
        TensorAssert.Close(a + b, [1, 1, 1, 0], [4], dtype: DType.Bool);
        TensorAssert.Close(a * b, [1, 0, 0, 0], [4], dtype: DType.Bool);
        var ex = Assert.Throws<ArgumentException>(() => _ = a - b);
        Assert.That(ex!.Message, Does.Contain("Sub").And.Contain("Bool"));
        Assert.Throws<ArgumentException>(() => _ = a % b);
        TensorAssert.Close(Tensor.Maximum(a, b), [1, 1, 1, 0], [4], dtype: DType.Bool);
    }

    [Test]
    public void MaximumAndMinimumPropagateNaN([Values(DType.Float32, DType.Float64)] DType dtype, [Values] bool large)
    {
        using var scope = Tensor.NewScope();
        double nan = double.NaN;
        double[] av = [nan, 1, nan, -2, 3, double.NegativeInfinity];
        double[] bv = [1, nan, nan, 5, -1, 0];
        int reps = large ? 20000 : 1;
        var a = ElementwiseData.FromDoubles([.. Enumerable.Repeat(av, reps).SelectMany(v => v)], [reps, 6], dtype, device);
        var b = ElementwiseData.FromDoubles(bv, [6], dtype, device);
        double[] max = [.. Enumerable.Repeat((double[])[nan, nan, nan, 5, 3, 0], reps).SelectMany(v => v)];
        double[] min = [.. Enumerable.Repeat((double[])[nan, nan, nan, -2, -1, double.NegativeInfinity], reps).SelectMany(v => v)];
        TensorAssert.Close(Tensor.Maximum(a, b), max, [reps, 6], dtype: dtype);
        TensorAssert.Close(Tensor.Maximum(b, a), max, [reps, 6], dtype: dtype);
        TensorAssert.Close(Tensor.Minimum(a, b), min, [reps, 6], dtype: dtype);
        TensorAssert.Close(Tensor.Minimum(b, a), min, [reps, 6], dtype: dtype);
        // A NaN broadcast from a 1-element operand wins everywhere.
        var n = ElementwiseData.FromDoubles([nan], [1], dtype, device);
        Assert.That(TensorAssert.ToDoubles(Tensor.Maximum(a, n)), Has.All.NaN);
        Assert.That(TensorAssert.ToDoubles(Tensor.Minimum(n, a)), Has.All.NaN);
    }

    [Test]
    public void RemainderFollowsPythonSignRules([Values(DType.Float32, DType.Float64, DType.Int32, DType.Int64)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        var a = ElementwiseData.FromDoubles([5, -5, 5, -5, 6, -6, 0], [7], dtype, device);
        var b = ElementwiseData.FromDoubles([3, 3, -3, -3, 3, -3, 3], [7], dtype, device);
        // Python: 5 % 3 = 2, -5 % 3 = 1, 5 % -3 = -1, -5 % -3 = -2; the result takes the divisor's sign.
        TensorAssert.Close(a % b, [2, 1, -1, -2, 0, 0, 0], [7], dtype: dtype);
        TensorAssert.Close(a % 3, [2, 1, 2, 1, 0, 0, 0], [7], dtype: dtype);
        TensorAssert.Close(a.Remainder(b), [2, 1, -1, -2, 0, 0, 0], [7], dtype: dtype);
        if (dtype.IsFloatingPoint())
        {
            var f = ElementwiseData.FromDoubles([5.5, -5.5, 5.5, -5.5], [4], dtype, device);
            TensorAssert.Close(f % 2, [1.5, 0.5, 1.5, 0.5], [4], dtype: dtype);
            TensorAssert.Close(f % -2, [-0.5, -1.5, -0.5, -1.5], [4], dtype: dtype);
        }
    }

    [Test]
    public void IntegerDivisionGivesFloats()
    {
        using var scope = Tensor.NewScope();
        var a = Tensor.FromArray<int>([7, -7, 7, -7, 1, 0], device);
        var b = Tensor.FromArray<int>([2, 2, -2, -2, 0, 0], device);
        TensorAssert.Close(a / b, [3.5, -3.5, -3.5, 3.5, double.PositiveInfinity, double.NaN], [6], dtype: DType.Float32);
        TensorAssert.Close(1 / b, [0.5, 0.5, -0.5, -0.5, double.PositiveInfinity, double.PositiveInfinity], [6], dtype: DType.Float32);
        TensorAssert.Close(a / 2, [3.5, -3.5, 3.5, -3.5, 0.5, 0], [6], dtype: DType.Float32);
        var l = Tensor.FromArray<long>([9_007_199_254_740_993L], device);
        Assert.That((l / 1.0).DType, Is.EqualTo(DType.Float32));
    }

    [Test]
    public void OperatorsWithNumbersOnEitherSide([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        var x = ElementwiseData.FromDoubles([1, 2, 4, -8], [2, 2], dtype, device);
        TensorAssert.Close(x - 2, [-1, 0, 2, -10], [2, 2], dtype: dtype);
        TensorAssert.Close(2 - x, [1, 0, -2, 10], [2, 2], dtype: dtype);
        TensorAssert.Close(1 / x, [1, 0.5, 0.25, -0.125], [2, 2], dtype: dtype);
        TensorAssert.Close(x / 2, [0.5, 1, 2, -4], [2, 2], dtype: dtype);
        TensorAssert.Close(3 * x, [3, 6, 12, -24], [2, 2], dtype: dtype);
        TensorAssert.Close(x * 3, [3, 6, 12, -24], [2, 2], dtype: dtype);
        TensorAssert.Close(0.5 + x, [1.5, 2.5, 4.5, -7.5], [2, 2], dtype: dtype);
        TensorAssert.Close(-x, [-1, -2, -4, 8], [2, 2], dtype: dtype);
        TensorAssert.Close(x.Add(1).Sub(2).Mul(3).Div(4), [0, 0.75, 2.25, -6.75], [2, 2], dtype: dtype);
        // On a transposed view.
        TensorAssert.Close(10 - x.T, [9, 6, 8, 18], [2, 2], dtype: dtype);
    }

    [Test]
    public void LerpHandValues([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        var a = ElementwiseData.FromDoubles([0, 10, -4], [3], dtype, device);
        var b = ElementwiseData.FromDoubles([10, 0, 4], [3], dtype, device);
        TensorAssert.Close(Tensor.Lerp(a, b, 0.25), [2.5, 7.5, -2], [3], dtype: dtype);
        TensorAssert.Close(Tensor.Lerp(a, b, 0.5), [5, 5, 0], [3], dtype: dtype);
        TensorAssert.Close(Tensor.Lerp(a, b, 0), [0, 10, -4], [3], rtol: 0, atol: 0, dtype: dtype);
        // Weight 1 gives the end exactly, even where start + (end - start) would round (1e8 + (1 - 1e8) in float32).
        var big = ElementwiseData.FromDoubles([1e8, 1e20], [2], dtype, device);
        var one = ElementwiseData.FromDoubles([1, -3], [2], dtype, device);
        TensorAssert.Close(Tensor.Lerp(big, one, 1), [1, -3], [2], rtol: 0, atol: 0, dtype: dtype);
        // Tensor weights, broadcast: [3] start/end with a [2, 1] weight.
        var w = ElementwiseData.FromDoubles([0.25, 1], [2, 1], dtype, device);
        TensorAssert.Close(Tensor.Lerp(a, b, w), [2.5, 7.5, -2, 10, 0, 4], [2, 3], rtol: 0, atol: 0, dtype: dtype);
        TensorAssert.Close(Tensor.Lerp(big, one, ElementwiseData.FromDoubles([1], [1], dtype, device)), [1, -3], [2], rtol: 0, atol: 0, dtype: dtype);
    }

    [Test]
    public void AddWithAlpha()
    {
        using var scope = Tensor.NewScope();
        var a = Tensor.FromArray<float>([1, 2], device);
        var b = Tensor.FromArray<float>([10, 20], device);
        TensorAssert.Close(a.Add(b, alpha: -0.5), [-4, -8], [2]);
        TensorAssert.Close(a.Add(b, alpha: 2), [21, 42], [2]);
        var i = Tensor.FromArray<int>([1, 2], device);
        TensorAssert.Close(i.Add(i, alpha: 3), [4, 8], [2], dtype: DType.Int32);
    }

    [Test]
    public void NullOperandsAreRefused()
    {
        using var scope = Tensor.NewScope();
        var a = Tensor.Zeros([2], device: device);
        Assert.Throws<ArgumentNullException>(() => _ = a + (Tensor)null!);
        Assert.Throws<ArgumentNullException>(() => Tensor.Maximum(null!, a));
    }
}

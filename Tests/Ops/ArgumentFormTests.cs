#pragma warning disable CA1861 // test data: literal arrays are read once per test case
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Ops;

/// <summary>
/// PyTorch's argument forms of the elementwise ops: rounding divisions, Python and C remainders (with integer division
/// by zero refused), alpha, instance forms, tensor clamp bounds and the *As views. Values are hand-computed (Python's
/// rules) or PyTorch's documented edge cases; gradients are float64 finite differences.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class ArgumentFormTests(Device device)
{
    private Tensor T(double[] v, DType dtype, params long[] shape) => ElementwiseData.FromDoubles(v, shape.Length == 0 && v.Length != 1 ? [v.Length] : shape, dtype, device);

    private Tensor Leaf(double[] v, params long[] shape)
    {
        var t = ElementwiseData.FromDoubles(v, shape, DType.Float64, device);
        t.RequiresGrad = true;
        return t;
    }

    private Tensor[] Randn(params long[][] shapes)
    {
        var gen = new Generator(5);
        return [.. shapes.Select(s =>
        {
            var t = Tensor.Randn(s, DType.Float64, device, generator: gen);
            t.RequiresGrad = true;
            return t;
        })];
    }

    private static void AssertGrad(Func<Tensor[], Tensor> f, Tensor[] inputs)
    {
        var result = GradCheck.Check(f, inputs);
        Assert.That(result.Passed, Is.True, result.ToString());
    }

    // ------------------------------------------------------------------ remainders

    [Test]
    public void RemainderHasTheDivisorsSignAndFModTheDividends([Values(DType.Float32, DType.Float64, DType.Int32, DType.Int64)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        bool f = dtype.IsFloatingPoint();
        var a = T(f ? [-3, -3, 3, 3, 5.5, -5.5] : [-3, -3, 3, 3, 7, -7], dtype);
        var b = T(f ? [2, -2, 2, -2, 2, 2] : [2, -2, 2, -2, 3, 3], dtype);
        // Python: -3 % 2 = 1, -3 % -2 = -1, 3 % -2 = -1; C: fmod(-3, 2) = -1, fmod(3, -2) = 1.
        TensorAssert.Close(a.Remainder(b), f ? [1, -1, 1, -1, 1.5, 0.5] : [1, -1, 1, -1, 1, 2], [6], dtype: dtype);
        TensorAssert.Close(a % b, f ? [1, -1, 1, -1, 1.5, 0.5] : [1, -1, 1, -1, 1, 2], [6], dtype: dtype);
        TensorAssert.Close(a.FMod(b), f ? [-1, -1, 1, 1, 1.5, -1.5] : [-1, -1, 1, 1, 1, -1], [6], dtype: dtype);
        // Scalar divisors.
        TensorAssert.Close(a.Remainder(-2), f ? [-1, -1, -1, -1, -0.5, -1.5] : [-1, -1, -1, -1, -1, -1], [6], dtype: dtype);
        TensorAssert.Close(a.FMod(-2), f ? [-1, -1, 1, 1, 1.5, -1.5] : [-1, -1, 1, 1, 1, -1], [6], dtype: dtype);
    }

    [Test]
    public void FloatRemaindersByZeroAreNaN([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        var a = T([1, -1, 0], dtype);
        var zero = T([0, 0, 0], dtype);
        TensorAssert.Close(a.Remainder(zero), [double.NaN, double.NaN, double.NaN], [3], dtype: dtype);
        TensorAssert.Close(a.FMod(0.0), [double.NaN, double.NaN, double.NaN], [3], dtype: dtype);
    }

    [Test]
    public void IntegerDivisionByZeroNamesTheOpAndTheFix([Values(DType.Int32, DType.Int64)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        var a = T([5, 6, 7], dtype);
        var b = T([1, 0, 2], dtype);
        var cases = new (string Op, Func<Tensor> Call)[]
        {
            ("Remainder", () => a.Remainder(b)),
            ("Remainder", () => a % b),
            ("Remainder", () => a % 0),
            ("FMod", () => a.FMod(b)),
            ("FMod", () => a.FMod(0)),
            ("Div", () => a.Div(b, roundingMode: "trunc")),
            ("Div", () => a.Div(0, roundingMode: "floor")),
            ("FloorDivide", () => a.FloorDivide(b)),
        };
        foreach (var (op, call) in cases)
        {
            var ex = Assert.Throws<DivideByZeroException>(() => call());
            Assert.That(ex!.Message, Does.StartWith(op + ":"), op);
            Assert.That(ex.Message, Does.Contain("Where").And.Contain("Float32"), op);
        }
        // A zero divisor in a float computation is IEEE arithmetic, not an error; true division of integers is float.
        using var q = a.Div(b);
        TensorAssert.Close(q, [5, double.PositiveInfinity, 3.5], [3], dtype: DType.Float32);
        using var mixed = a.Remainder(0.0);
        TensorAssert.Close(mixed, [double.NaN, double.NaN, double.NaN], [3], dtype: DType.Float32);
    }

    [Test]
    public void IntegerMinValueByMinusOneWrapsInsteadOfTrapping()
    {
        using var scope = Tensor.NewScope();
        var a = Tensor.FromArray(new[] { int.MinValue, 7 }, [2], device);
        var b = Tensor.FromArray(new[] { -1, -1 }, [2], device);
        Assert.That(a.Remainder(b).ToArray<int>(), Is.EqualTo(new[] { 0, 0 }));
        Assert.That(a.FMod(b).ToArray<int>(), Is.EqualTo(new[] { 0, 0 }));
        Assert.That(a.Div(b, "trunc").ToArray<int>(), Is.EqualTo(new[] { int.MinValue, -7 }));
        Assert.That(a.Div(b, "floor").ToArray<int>(), Is.EqualTo(new[] { int.MinValue, -7 }));
    }

    // ------------------------------------------------------------------ rounding division

    [Test]
    public void RoundingModesTruncAndFloor([Values(DType.Float32, DType.Float64, DType.Int32, DType.Int64)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        var a = T([-7, 7, -7, 7, 5, -5, 0], dtype);
        var b = T([2, 2, -2, -2, 5, 5, 3], dtype);
        TensorAssert.Close(a.Div(b, roundingMode: "trunc"), [-3, 3, 3, -3, 1, -1, 0], [7], dtype: dtype);
        TensorAssert.Close(a.Div(b, roundingMode: "floor"), [-4, 3, 3, -4, 1, -1, 0], [7], dtype: dtype);
        TensorAssert.Close(a.FloorDivide(b), [-4, 3, 3, -4, 1, -1, 0], [7], dtype: dtype);
        TensorAssert.Close(a.Div(2, roundingMode: "floor"), [-4, 3, -4, 3, 2, -3, 0], [7], dtype: dtype);
        TensorAssert.Close(a.Div(2, roundingMode: "trunc"), [-3, 3, -3, 3, 2, -2, 0], [7], dtype: dtype);
        // null is true division: integers give Float32, as a / b.
        TensorAssert.Close(a.Div(b), [-3.5, 3.5, 3.5, -3.5, 1, -1, 0], [7], dtype: dtype.IsFloatingPoint() ? dtype : DType.Float32);
    }

    [Test]
    public void FloatFloorDivisionFollowsPython([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        // Python: 1.0 // 0.1 == 9.0 (0.1 is slightly above a tenth), though 1.0 / 0.1 rounds to 10.0.
        TensorAssert.Close(T([1.0], dtype, 1).Div(0.1, "floor"), [9], [1], dtype: dtype);
        // IEEE quotients for a zero divisor; 0.5 // -2 == -1.0; a zero quotient keeps the sign of a / b.
        var a = T([1, -1, 0, 0.5, 0, -0.0], dtype);
        var b = T([0, 0, 0, -2, -3, 3], dtype);
        using var floor = a.Div(b, "floor");
        TensorAssert.Close(floor, [double.PositiveInfinity, double.NegativeInfinity, double.NaN, -1, 0, 0], [6], dtype: dtype);
        var v = TensorAssert.ToDoubles(floor);
        Assert.That(double.IsNegative(v[4]) && double.IsNegative(v[5]), Is.True, $"0 // -3 and -0 // 3 are -0.0, got {v[4]}, {v[5]}");
        using var trunc = a.Div(b, "trunc");
        TensorAssert.Close(trunc, [double.PositiveInfinity, double.NegativeInfinity, double.NaN, -0.0, 0, 0], [6], dtype: dtype);
        // An integer tensor by a float number is float division.
        using var ints = T([7, -7], DType.Int64);
        TensorAssert.Close(ints.Div(2.0, "floor"), [3, -4], [2], dtype: DType.Float32);
    }

    [Test]
    public void RoundingModeValidation()
    {
        using var scope = Tensor.NewScope();
        var a = T([1, 2], DType.Float32);
        var ex = Assert.Throws<ArgumentException>(() => a.Div(a, roundingMode: "round"));
        Assert.That(ex!.Message, Does.StartWith("Div:").And.Contain("\"trunc\"").And.Contain("\"floor\""));
        var bools = Tensor.FromArray(new[] { true, false }, [2], device);
        Assert.Throws<ArgumentException>(() => bools.Div(bools, "floor"));
        Assert.Throws<ArgumentException>(() => bools.FMod(bools));
    }

    [Test]
    public void DivisionFamilyGradients()
    {
        var inputs = Randn([3, 4], [3, 4]);
        // Divisors in [1.5, ...) and away from integer quotients, where these functions jump.
        Tensor Divisor(Tensor b) => b.Abs() + 1.5;
        AssertGrad(x => x[0].FMod(Divisor(x[1])), inputs);
        AssertGrad(x => x[0].Remainder(Divisor(x[1])), inputs);
        AssertGrad(x => x[0] * 3.0 % Divisor(x[1]), inputs);
        AssertGrad(x => x[0].FMod(1.7), inputs[..1]);
        // Rounded quotients are piecewise constant: zero gradient (PyTorch's convention).
        AssertGrad(x => x[0].Div(Divisor(x[1]), "floor") + x[0], inputs);
        var a = Leaf([2.5, -2.5], 2);
        var b = Leaf([2, 2], 2);
        a.Div(b, "trunc").Sum().Backward();
        TensorAssert.Close(a.Grad!, [0, 0], [2]);
        TensorAssert.Close(b.Grad!, [0, 0], [2]);
        // d fmod(a, b) / db = -trunc(a / b); d remainder(a, b) / db = -floor(a / b).
        var a2 = Leaf([2.5, -2.5], 2);
        var b2 = Leaf([2, 2], 2);
        a2.FMod(b2).Sum().Backward();
        TensorAssert.Close(a2.Grad!, [1, 1], [2]);
        TensorAssert.Close(b2.Grad!, [-1, 1], [2]);
        var b3 = Leaf([2, 2], 2);
        a2.Detach().Remainder(b3).Sum().Backward();
        TensorAssert.Close(b3.Grad!, [-1, 2], [2]);
    }

    // ------------------------------------------------------------------ alpha

    [Test]
    public void AddAndSubWithAlpha()
    {
        using var scope = Tensor.NewScope();
        var a = T([5, 6], DType.Float32);
        var b = T([1, 2], DType.Float32);
        TensorAssert.Close(a.Sub(b, alpha: 2), [3, 2], [2]);
        TensorAssert.Close(a.Add(b, alpha: -0.5), [4.5, 5], [2]);
        TensorAssert.Close(a.Sub(b), [4, 4], [2]);
        var ia = T([5, 6], DType.Int64);
        var ib = T([1, 2], DType.Int64);
        TensorAssert.Close(ia.Sub(ib, alpha: 3), [2, 0], [2], dtype: DType.Int64);
        TensorAssert.Close(ia.Add(ib, alpha: 2), [7, 10], [2], dtype: DType.Int64);
        var ex = Assert.Throws<ArgumentException>(() => ia.Sub(ib, alpha: 0.5));
        Assert.That(ex!.Message, Does.StartWith("Sub:").And.Contain("alpha"));
        Assert.Throws<ArgumentException>(() => ia.Add(ib, alpha: true));
        // A float operand makes the result float, where a fractional alpha is fine.
        TensorAssert.Close(ia.Sub(b, alpha: 0.5), [4.5, 5], [2], dtype: DType.Float32);
        var c = a.Clone();
        c.SubInPlace(b, alpha: 2);
        TensorAssert.Close(c, [3, 2], [2]);
        var ic = ia.Clone();
        Assert.Throws<ArgumentException>(() => ic.AddInPlace(ib, alpha: 1.5));
        TensorAssert.Close(ic, [5, 6], [2], dtype: DType.Int64);
    }

    [Test]
    public void AlphaGradients()
    {
        var inputs = Randn([3, 4], [4]);
        AssertGrad(x => x[0].Sub(x[1], alpha: 2.5), inputs);
        AssertGrad(x => x[0].Add(x[1], alpha: -1.5), inputs);
    }

    // ------------------------------------------------------------------ instance forms and clamp bounds

    [Test]
    public void InstanceMaximumMinimumLerp()
    {
        using var scope = Tensor.NewScope();
        var a = T([1, 5, double.NaN], DType.Float32);
        var b = T([3, 2, 0], DType.Float32);
        TensorAssert.Close(a.Maximum(b), [3, 5, double.NaN], [3]);
        TensorAssert.Close(a.Minimum(b), [1, 2, double.NaN], [3]);
        var start = T([0, 10], DType.Float64);
        var end = T([4, 20], DType.Float64);
        TensorAssert.Close(start.Lerp(end, 0.25), [1, 12.5], [2]);
        TensorAssert.Close(start.Lerp(end, 1.0), [4, 20], [2]);
        TensorAssert.Close(start.Lerp(end, T([0.5, 0.75], DType.Float64)), [2, 17.5], [2]);
        var inputs = Randn([3, 4], [3, 4], [4]);
        AssertGrad(x => x[0].Maximum(x[1]), inputs[..2]);
        AssertGrad(x => x[0].Minimum(x[1]), [inputs[0], inputs[2]]);
        AssertGrad(x => x[0].Lerp(x[1], 0.3), inputs[..2]);
        AssertGrad(x => x[0].Lerp(x[1], x[2].Sigmoid()), inputs);
    }

    [Test]
    public void ClampWithTensorBounds()
    {
        using var scope = Tensor.NewScope();
        var x = T([-3, 0, 3, double.NaN, 5], DType.Float32);
        var lo = T([-1, 1, -1, 0, 4], DType.Float32);
        var hi = T([2, 2, 2, 1, 3], DType.Float32);
        // The last element has min > max: the result is max, as torch.clamp.
        TensorAssert.Close(x.Clamp(lo, hi), [-1, 1, 2, double.NaN, 3], [5]);
        TensorAssert.Close(x.Clamp(min: lo), [-1, 1, 3, double.NaN, 5], [5]);
        TensorAssert.Close(x.Clamp(max: hi), [-3, 0, 2, double.NaN, 3], [5]);
        TensorAssert.Close(x.ClampMin(lo), [-1, 1, 3, double.NaN, 5], [5]);
        TensorAssert.Close(x.ClampMax(hi), [-3, 0, 2, double.NaN, 3], [5]);
        TensorAssert.Close(x.ClampMin(0.5), [0.5, 0.5, 3, double.NaN, 5], [5]);
        TensorAssert.Close(x.ClampMax(0.5), [-3, 0, 0.5, double.NaN, 0.5], [5]);
        // A NaN bound gives NaN; a bound broadcasts; an integer tensor with float bounds is float.
        TensorAssert.Close(x.Clamp(T([double.NaN], DType.Float32, 1), null), [double.NaN, double.NaN, double.NaN, double.NaN, double.NaN], [5]);
        var m = T([1, 2, 3, 4, 5, 6], DType.Int64, 2, 3);
        TensorAssert.Close(m.Clamp(T([2, 3, 4], DType.Int64, 3), T([4], DType.Int64, 1)), [2, 3, 4, 4, 4, 4], [2, 3], dtype: DType.Int64);
        TensorAssert.Close(m.ClampMax(T([2.5], DType.Float32, 1)), [1, 2, 2.5, 2.5, 2.5, 2.5], [2, 3], dtype: DType.Float32);
        Assert.Throws<ArgumentException>(() => x.Clamp((Tensor?)null, null));
        var bad = Assert.Throws<ArgumentException>(() => x.Clamp(T([1, 2], DType.Float32), null));
        Assert.That(bad!.Message, Does.StartWith("Clamp:"));
    }

    [Test]
    public void ClampWithTensorBoundsGradients()
    {
        // Bounds well apart from x's values (ties have no derivative); the gradient goes to whichever is selected.
        var x = Leaf([-3, 0.1, 3, -0.4, 5, 0.6], 2, 3);
        var lo = Leaf([-1, 1, -1], 3);
        var hi = Leaf([2, 2, 2, 1, 4, 0.5], 2, 3);
        AssertGrad(t => t[0].Clamp(t[1], t[2]), [x, lo, hi]);
        AssertGrad(t => t[0].ClampMin(t[1]), [x, lo]);
        AssertGrad(t => t[0].ClampMax(t[1]), [x, hi]);
        // By hand, x against [lo, hi] per element: row 0 takes lo, lo, hi; row 1 takes x, hi, hi.
        var x2 = Leaf([-3, 0.1, 3, -0.4, 5, 0.6], 2, 3);
        var lo2 = Leaf([-1, 1, -1], 3);
        var hi2 = Leaf([2, 2, 2, 1, 4, 0.5], 2, 3);
        using (var s = x2.Clamp(lo2, hi2).Sum()) s.Backward();
        TensorAssert.Close(x2.Grad!, [0, 0, 0, 1, 0, 0], [2, 3]);
        TensorAssert.Close(lo2.Grad!, [1, 1, 0], [3]);
        TensorAssert.Close(hi2.Grad!, [0, 0, 1, 0, 1, 1], [2, 3]);
    }

    // ------------------------------------------------------------------ *As views and squeeze

    [Test]
    public void ViewAsReshapeAsExpandAsTypeAs()
    {
        using var scope = Tensor.NewScope();
        var x = T([1, 2, 3, 4, 5, 6], DType.Float32, 2, 3);
        var like = Tensor.Zeros([3, 2], DType.Int64, device);
        var v = x.ViewAs(like);
        Assert.That(v.Shape.ToArray(), Is.EqualTo(new long[] { 3, 2 }));
        v[0, 0].Fill(10);
        Assert.That(x.ToArray<float>()[0], Is.EqualTo(10f), "ViewAs shares storage");
        Assert.Throws<InvalidOperationException>(() => x.T.ViewAs(T([0, 0, 0, 0, 0, 0], DType.Float32)));
        TensorAssert.Close(x.T.ReshapeAs(T([0, 0, 0, 0, 0, 0], DType.Float32)), [10, 4, 2, 5, 3, 6], [6]);
        TensorAssert.Close(T([1, 2], DType.Float32, 2, 1).ExpandAs(x), [1, 1, 1, 2, 2, 2], [2, 3]);
        Assert.Throws<ArgumentException>(() => x.ReshapeAs(T([1, 2], DType.Float32)));
        var typed = x.TypeAs(like);
        Assert.That(typed.DType, Is.EqualTo(DType.Int64));
        Assert.That(typed.Device, Is.EqualTo(device));
        TensorAssert.Close(typed, [10, 2, 3, 4, 5, 6], [2, 3], dtype: DType.Int64);
        // type_as takes the device too (self.type(other.type())).
        var onCpu = Tensor.FromArray(new[] { 1.5f, 2.5f }, [2], Device.Cpu);
        var moved = onCpu.TypeAs(T([0], DType.Float64, 1));
        Assert.That(moved.Device, Is.EqualTo(device));
        TensorAssert.Close(moved, [1.5, 2.5], [2], dtype: DType.Float64);
        var sameType = onCpu.TypeAs(Tensor.Zeros([1], DType.Float32, device));
        Assert.That(sameType.Device, Is.EqualTo(device));
        TensorAssert.Close(sameType, [1.5, 2.5], [2], dtype: DType.Float32);
        var gradInputs = Randn([2, 3]);
        AssertGrad(t => t[0].ViewAs(like) * 2.0, gradInputs);
        AssertGrad(t => t[0].T.ReshapeAs(like).Square(), gradInputs);
        AssertGrad(t => t[0].TypeAs(t[0]).Exp(), gradInputs);
    }

    [Test]
    public void SqueezeSeveralDims()
    {
        using var scope = Tensor.NewScope();
        var x = Tensor.Zeros([2, 1, 3, 1], DType.Float32, device);
        Assert.That(x.Squeeze([1, 3]).Shape.ToArray(), Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(x.Squeeze([-1, 0]).Shape.ToArray(), Is.EqualTo(new long[] { 2, 1, 3 }), "size-2 dim 0 stays");
        // An empty tuple squeezes nothing (PyTorch's squeeze(dim=())); Squeeze() squeezes every size-1 dim.
        Assert.That(x.Squeeze(Array.Empty<int>()).Shape.ToArray(), Is.EqualTo(new long[] { 2, 1, 3, 1 }));
        Assert.That(x.Squeeze().Shape.ToArray(), Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(Tensor.Zeros([], DType.Float32, device).Squeeze([0]).Dim, Is.EqualTo(0));
        var ex = Assert.Throws<ArgumentException>(() => x.Squeeze([1, -3]));
        Assert.That(ex!.Message, Does.StartWith("Squeeze:").And.Contain("more than once"));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Squeeze([4]));
        var squeezed = x.Squeeze([1]);
        squeezed[0, 0, 0].Fill(7);
        Assert.That(x.ToArray<float>()[0], Is.EqualTo(7f), "Squeeze is a view");
        var g = Randn([2, 1, 3, 1]);
        AssertGrad(t => t[0].Squeeze([1, 3]).Square(), g);
    }
}

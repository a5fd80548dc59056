using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Ops;

/// <summary>
/// Every unary elementwise op against a float64 reference computed here with System.Math (or exact decimal series),
/// on seeded random data in every layout, below and above the multithreading threshold, plus hand-checked values.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class ElementwiseUnaryTests(Device device)
{
    private const double Sqrt2 = 1.4142135623730951;

    /// <summary>One op: how to call it, its float64 definition, and a domain where it is well conditioned.</summary>
    public sealed record UnaryCase(string Name, Func<Tensor, Tensor> Op, Func<double, double> Reference, double Lo, double Hi)
    {
        /// <inheritdoc/>
        public override string ToString() => Name;
    }

    // The references of every op come from its row of the op test table (Neg's row also holds unary minus).
    private static readonly UnaryCase[] Ops = [.. OpTestTable.Unary.Values.SelectMany(c => c.References), .. OpTestTable.OtherUnaryCalls];

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var op in Ops)
        {
            foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            {
                foreach (var layout in Enum.GetValues<InputLayout>())
                {
                    foreach (bool large in new[] { false, true })
                    {
                        yield return new TestCaseData(op, dtype, layout, large)
                            .SetArgDisplayNames(op.Name, dtype.ToString(), layout.ToString(), large ? "large" : "small");
                    }
                }
            }
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void MatchesFloat64Reference(UnaryCase op, DType dtype, InputLayout layout, bool large)
    {
        ArgumentNullException.ThrowIfNull(op);
        using var scope = Tensor.NewScope();
        var x = ElementwiseData.Make(large ? ElementwiseData.Large : ElementwiseData.Small, dtype, layout, device,
            seed: op.Name.Length * 131 + (int)layout, op.Lo, op.Hi);
        var y = op.Op(x);
        // Float32: a few ulp of the float result; Float64: a few ulp, with a floor for results that cancel to ~0.
        double rtol = dtype == DType.Float32 ? 4e-6 : 1e-13;
        double atol = dtype == DType.Float32 ? 1e-6 : 1e-14;
        ElementwiseData.AssertUnary(y, x, op.Reference, rtol, atol, dtype);
        Assert.That(y.IsContiguous, Is.True, "results are dense");
    }

    [Test]
    public void IntegerInputsOfFloatingFunctionsGiveFloat32([Values(DType.Int32, DType.Int64)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        var x = ElementwiseData.FromDoubles([1, 4, 9], [3], dtype, device);
        TensorAssert.Close(x.Sqrt(), [1, 2, 3], [3], dtype: DType.Float32);
        TensorAssert.Close(x.Log(), [0, Math.Log(4), Math.Log(9)], [3], dtype: DType.Float32);
        TensorAssert.Close(x.Exp(), [Math.E, Math.Exp(4), Math.Exp(9)], [3], dtype: DType.Float32);
        TensorAssert.Close(x.Sigmoid(), [1 / (1 + Math.Exp(-1)), 1 / (1 + Math.Exp(-4)), 1 / (1 + Math.Exp(-9))], [3], dtype: DType.Float32);
        TensorAssert.Close(x.Reciprocal(), [1, 0.25, 1 / 9.0], [3], dtype: DType.Float32);
        TensorAssert.Close(x.Pow(0.5), [1, 2, 3], [3], dtype: DType.Float32);
        // Integer-valued functions keep the dtype.
        TensorAssert.Close(x.Neg(), [-1, -4, -9], [3], dtype: dtype);
        TensorAssert.Close(x.Square(), [1, 16, 81], [3], dtype: dtype);
        TensorAssert.Close(x.Floor(), [1, 4, 9], [3], dtype: dtype);
        TensorAssert.Close(x.Round(), [1, 4, 9], [3], dtype: dtype);
        TensorAssert.Close(x.Pow(2), [1, 16, 81], [3], dtype: dtype);
    }

    [Test]
    public void IntegerOpsOnIntegers([Values(DType.Int32, DType.Int64)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        var x = ElementwiseData.FromDoubles([-7, -1, 0, 3, 12], [5], dtype, device);
        TensorAssert.Close(x.Abs(), [7, 1, 0, 3, 12], [5], dtype: dtype);
        TensorAssert.Close(x.Sign(), [-1, -1, 0, 1, 1], [5], dtype: dtype);
        TensorAssert.Close(x.Relu(), [0, 0, 0, 3, 12], [5], dtype: dtype);
        TensorAssert.Close(x.Clamp(-2, 5), [-2, -1, 0, 3, 5], [5], dtype: dtype);
        TensorAssert.Close(x.Clamp(min: 1), [1, 1, 1, 3, 12], [5], dtype: dtype);
        TensorAssert.Close(x.Clamp(max: 0), [-7, -1, 0, 0, 0], [5], dtype: dtype);
        TensorAssert.Close(x.Pow(3), [-343, -1, 0, 27, 1728], [5], dtype: dtype);
    }

    [Test]
    public void Exp2AndLog2OnHandValues([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        // torch.exp2 / torch.log2: exact on powers of two; log2(0) = -inf, log2 of a negative number is NaN.
        var x = ElementwiseData.FromDoubles([0, 1, 3, -2, 10, double.NegativeInfinity, double.PositiveInfinity], [7], dtype, device);
        TensorAssert.Close(x.Exp2(), [1, 2, 8, 0.25, 1024, 0, double.PositiveInfinity], [7], rtol: 0, atol: 0, dtype: dtype);
        var p = ElementwiseData.FromDoubles([1, 2, 8, 0.25, 1024, 0, -1, double.PositiveInfinity], [8], dtype, device);
        // CUDA's double log2 is within 1 ulp (log2(8) = 2.9999999999999996 there, as in PyTorch on CUDA); the CPU is exact.
        TensorAssert.Close(p.Log2(), [0, 1, 3, -2, 10, double.NegativeInfinity, double.NaN, double.PositiveInfinity], [8],
            rtol: dtype == DType.Float64 && device.IsCuda ? 2.5e-16 : 0, atol: 0, dtype: dtype);
        // Integer inputs give the default float dtype, as in PyTorch.
        var i = ElementwiseData.FromDoubles([1, 4, 5], [3], DType.Int64, device);
        TensorAssert.Close(i.Exp2(), [2, 16, 32], [3], dtype: DType.Float32);
        TensorAssert.Close(i.Log2(), [0, 2, Math.Log2(5)], [3], dtype: DType.Float32);
    }

    [Test]
    public void RoundingFunctionsOnHandValues([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        var x = ElementwiseData.FromDoubles([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 2.25, -2.75], [9], dtype, device);
        TensorAssert.Close(x.Round(), [-2, -2, 0, 0, 2, 2, 4, 2, -3], [9], dtype: dtype);
        TensorAssert.Close(x.Floor(), [-3, -2, -1, 0, 1, 2, 3, 2, -3], [9], dtype: dtype);
        TensorAssert.Close(x.Ceil(), [-2, -1, 0, 1, 2, 3, 4, 3, -2], [9], dtype: dtype);
        TensorAssert.Close(x.Trunc(), [-2, -1, 0, 0, 1, 2, 3, 2, -2], [9], dtype: dtype);
    }

    [Test]
    public void ErfMatchesTableToFloat64Precision()
    {
        using var scope = Tensor.NewScope();
        double[] x = [0.5, 1, 2, 3, -1, -2, 0, 7, -7, double.PositiveInfinity, double.NegativeInfinity];
        double[] erf = [0.5204998778130465, 0.8427007929497149, 0.9953222650189527, 0.9999779095030014,
            -0.8427007929497149, -0.9953222650189527, 0, 1, -1, 1, -1];
        var t = Tensor.FromArray(x, device).Erf();
        TensorAssert.Close(t, erf, [x.Length], rtol: 1e-15, atol: 0, dtype: DType.Float64);
        Assert.That(Tensor.FromArray<double>([double.NaN], device).Erf().Item<double>(), Is.NaN);
        // The test's own oracle agrees with the table.
        for (int i = 0; i < 7; i++) Assert.That(ElementwiseData.ErfReference(x[i]), Is.EqualTo(erf[i]).Within(1e-16), $"oracle at {x[i]}");
        // Float32 rounds the same values.
        TensorAssert.Close(Tensor.FromArray(Array.ConvertAll(x, v => (float)v), device).Erf(), Array.ConvertAll(erf, v => (double)(float)v),
            [x.Length], rtol: 1.2e-7, atol: 0, dtype: DType.Float32);
    }

    [Test]
    public void ErfIsAccurateAcrossItsRange()
    {
        using var scope = Tensor.NewScope();
        // Dense sweep over the region where the library switches algorithms, against the exact decimal series.
        var x = new double[801];
        for (int i = 0; i < x.Length; i++) x[i] = -4 + i * 0.01;
        var y = Tensor.FromArray(x, device).Erf();
        ElementwiseData.AssertValues(y, x, Array.ConvertAll(x, ElementwiseData.ErfReference), [x.Length], 1e-15, 1e-300, DType.Float64);
        // The right tail of erfc, through Gelu's negative side: x/2 · erfc(-x/√2) keeps its relative accuracy
        // (up to the 2z²ε that rounding z = -x/√2 costs).
        // From x = -2√2 down the continued fraction of erfc is used: a few ulp; above, 1 - erf(z) with erfc(z) ≥ 0.0046
        // costs up to ~7 bits. (1 + erf would lose all digits by x = -8.)
        double[] tail = [-4, -3.7, -3.3, -3, -2.9];
        var g = Tensor.FromArray(tail, device).Gelu();
        ElementwiseData.AssertValues(g, tail, Array.ConvertAll(tail, v => 0.5 * v * ElementwiseData.ErfcReference(-v / Sqrt2)),
            [tail.Length], 5e-15, 1e-300, DType.Float64);
        // Far out, rounding z = x/√2 alone costs 2z²ε (1.5e-13 at x = -37); the values are ~1e-24 ... 1e-299.
        double[] far = [-10, -20, -37];
        ElementwiseData.AssertValues(Tensor.FromArray(far, device).Gelu(), far, Array.ConvertAll(far, GeluFarTail), [far.Length], 1e-12, 0, DType.Float64);
        var all = Tensor.FromArray(x, device).Gelu();
        ElementwiseData.AssertValues(all, x, Array.ConvertAll(x, v => 0.5 * v * ElementwiseData.ErfcReference(-v / Sqrt2)), [x.Length], 3e-13, 1e-300, DType.Float64);
    }

    [Test]
    public void GeluReferenceValues([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        var x = ElementwiseData.FromDoubles([1, -0.5, 0, 2, 3, -3], [6], dtype, device);
        // x·Φ(x), Φ(x) = (1 + erf(x/√2))/2; values from C's erf (Python's math.erf).
        double[] expected = [0.8413447460685429, -0.15426876936299344, 0, 1.9544997361036416, 2.99595030590511, -0.00404969409489031];
        double rtol = dtype == DType.Float32 ? 2e-7 : 1e-14;
        TensorAssert.Close(x.Gelu(), expected, [6], rtol: rtol, atol: dtype == DType.Float32 ? 1e-9 : 1e-16, dtype: dtype);
        // The tanh form is close to, but not the same as, the exact one.
        var approx = x.Gelu(GeluApproximation.Tanh);
        // (In Float32, 1 + tanh(z) cancels for negative x, as in PyTorch's own float kernel: hence the absolute tolerance.)
        TensorAssert.Close(approx, Array.ConvertAll(Values(x), GeluTanhReference), [6], rtol: rtol, atol: dtype == DType.Float32 ? 1e-6 : 1e-16, dtype: dtype);
        Assert.That(approx.ToDouble0(), Is.EqualTo(0.8411919906082768).Within(dtype == DType.Float32 ? 2e-7 : 1e-15));
    }

    [Test]
    public void Log1pAndExpm1AreAccurateForTinyArguments()
    {
        using var scope = Tensor.NewScope();
        double[] x = [1e-10, -1e-10, 1e-17, 1e-300, 3e-8, -3e-8, 0];
        var t = Tensor.FromArray(x, device);
        TensorAssert.Close(t.Log1p(), Array.ConvertAll(x, Log1pReference), [x.Length], rtol: 1e-15, atol: 0, dtype: DType.Float64);
        TensorAssert.Close(t.Expm1(), Array.ConvertAll(x, Expm1Reference), [x.Length], rtol: 1e-15, atol: 0, dtype: DType.Float64);
        // A naive log(1 + x) would give 1.000000082740371e-10 here: check the difference is resolved.
        Assert.That(t.Log1p().ToArray<double>()[0], Is.EqualTo(9.9999999995e-11).Within(1e-25));
        Assert.That(t.Expm1().ToArray<double>()[0], Is.EqualTo(1.00000000005e-10).Within(1e-25));

        float[] xf = [1e-7f, -1e-7f, 1e-20f, 2e-4f];
        var tf = Tensor.FromArray(xf, device);
        var xd = Array.ConvertAll(xf, v => (double)v);
        TensorAssert.Close(tf.Log1p(), Array.ConvertAll(xd, Log1pReference), [xf.Length], rtol: 1.2e-7, atol: 0, dtype: DType.Float32);
        TensorAssert.Close(tf.Expm1(), Array.ConvertAll(xd, Expm1Reference), [xf.Length], rtol: 1.2e-7, atol: 0, dtype: DType.Float32);
    }

    [Test]
    public void Log1pAndExpm1AtTheEdgesOfTheirRange([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        double inf = double.PositiveInfinity;
        var x = ElementwiseData.FromDoubles([inf, -1, -inf, 80], [4], dtype, device);
        TensorAssert.Close(x.Log1p(), [inf, -inf, double.NaN, Math.Log(81)], [4], rtol: 1e-6, dtype: dtype);
        TensorAssert.Close(x.Expm1(), [inf, Math.Exp(-1) - 1, -1, Math.Exp(80)], [4], rtol: 1e-6, dtype: dtype);
        // Near the top of the float32 range, exp(x) - 1 is still finite.
        if (dtype == DType.Float32)
        {
            var big = Tensor.FromArray<float>([88.5f], device);
            TensorAssert.Close(big.Expm1(), [Math.Exp(88.5)], [1], rtol: 2e-6, dtype: DType.Float32);
            TensorAssert.Close(Tensor.FromArray<float>([3e38f], device).Log1p(), [Math.Log(3e38)], [1], rtol: 2e-6, dtype: DType.Float32);
        }
    }

    [Test]
    public void SoftplusThresholdAndBeta([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        var x = ElementwiseData.FromDoubles([0, 1, 30, -30, 100], [5], dtype, device);
        TensorAssert.Close(x.Softplus(), [Math.Log(2), Math.Log(1 + Math.E), 30, Math.Exp(-30), 100], [5], rtol: 2e-6, atol: 0, dtype: dtype);
        // beta = 2: log(1 + e²)/2; threshold 1: above beta·x = 1 the input is returned unchanged.
        var y = ElementwiseData.FromDoubles([1, 0.25, 0.75], [3], dtype, device);
        TensorAssert.Close(y.Softplus(beta: 2, threshold: 1), [1, Math.Log(1 + Math.Exp(0.5)) / 2, 0.75], [3], rtol: 2e-6, atol: 0, dtype: dtype);
        // A large threshold makes softplus evaluate log(1 + e^x) where e^x overflows: the answer is still x.
        TensorAssert.Close(x.Softplus(threshold: 1000), [Math.Log(2), Math.Log(1 + Math.E), 30, Math.Exp(-30), 100], [5], rtol: 2e-6, atol: 0, dtype: dtype);
    }

    [Test]
    public void NaNAndInfinityPropagate([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        double nan = double.NaN, inf = double.PositiveInfinity;
        var x = ElementwiseData.FromDoubles([nan, inf, -inf], [3], dtype, device);
        TensorAssert.Close(x.Relu(), [nan, inf, 0], [3], dtype: dtype);
        TensorAssert.Close(x.Sign(), [nan, 1, -1], [3], dtype: dtype);
        TensorAssert.Close(x.Abs(), [nan, inf, inf], [3], dtype: dtype);
        TensorAssert.Close(x.Clamp(-1, 1), [nan, 1, -1], [3], dtype: dtype);
        TensorAssert.Close(x.Sigmoid(), [nan, 1, 0], [3], dtype: dtype);
        TensorAssert.Close(x.Tanh(), [nan, 1, -1], [3], dtype: dtype);
        TensorAssert.Close(x.Exp(), [nan, inf, 0], [3], dtype: dtype);
        TensorAssert.Close(x.Gelu(), [nan, inf, nan * 0], [3], dtype: dtype);
        TensorAssert.Close(x.Erf(), [nan, 1, -1], [3], dtype: dtype);
        TensorAssert.Close(x.Sqrt(), [nan, inf, nan], [3], dtype: dtype);
        TensorAssert.Close(x.Floor(), [nan, inf, -inf], [3], dtype: dtype);
    }

    [Test]
    public void ClampEdgeCases([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        var x = ElementwiseData.FromDoubles([-3, 0, 3], [3], dtype, device);
        // min > max: every element becomes max, as torch.clamp.
        TensorAssert.Close(x.Clamp(2, 1), [1, 1, 1], [3], dtype: dtype);
        var ex = Assert.Throws<ArgumentException>(() => x.Clamp());
        Assert.That(ex!.Message, Does.Contain("Clamp"));
    }

    [Test]
    public void ZeroDimAndZeroSizeInputs()
    {
        using var scope = Tensor.NewScope();
        var s = Tensor.Scalar(4.0, DType.Float64, device);
        var r = s.Sqrt();
        Assert.That(r.Dim, Is.EqualTo(0));
        Assert.That(r.Item<double>(), Is.EqualTo(2));
        var e = Tensor.Zeros([0, 3], device: device);
        var re = e.Exp();
        Assert.That(re.Shape.ToArray(), Is.EqualTo((long[])[0, 3]));
        Assert.That(re.DType, Is.EqualTo(DType.Float32));
    }

    [Test]
    public void BoolInputsAreRefused()
    {
        using var scope = Tensor.NewScope();
        var b = Tensor.FromArray<bool>([true, false], device);
        var ex = Assert.Throws<ArgumentException>(() => b.Exp());
        Assert.That(ex!.Message, Does.Contain("Exp").And.Contain("Bool"));
        Assert.Throws<ArgumentException>(() => b.Neg());
    }

    [Test]
    public void PredicatesOnHandValues([Values(DType.Float32, DType.Float64)] DType dtype, [Values] InputLayout layout)
    {
        using var scope = Tensor.NewScope();
        double nan = double.NaN, inf = double.PositiveInfinity;
        double[] row = [nan, inf, -inf, 0, -1.5, 1e30];
        var dense = ElementwiseData.FromDoubles(row, [1, 6], dtype, device);
        var x = layout switch
        {
            InputLayout.Contiguous => dense.Expand(2, 6).Contiguous(),
            InputLayout.Transposed => dense.Expand(2, 6).T.Contiguous().T,
            InputLayout.Stepped => ElementwiseData.FromDoubles([.. Interleave(row), .. Interleave(row)], [2, 12], dtype, device).Slice(1, 0, 12, 2),
            _ => dense.Expand(2, 6),
        };
        Assert.That(x.Shape.ToArray(), Is.EqualTo((long[])[2, 6]));
        var expectNan = new double[] { 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0 };
        var expectInf = new double[] { 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0 };
        var expectFinite = new double[] { 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1 };
        TensorAssert.Close(x.IsNan(), expectNan, [2, 6], dtype: DType.Bool);
        TensorAssert.Close(x.IsInf(), expectInf, [2, 6], dtype: DType.Bool);
        TensorAssert.Close(x.IsFinite(), expectFinite, [2, 6], dtype: DType.Bool);
    }

    [Test]
    public void PredicatesOfIntegers([Values(DType.Int32, DType.Int64, DType.Bool)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        var x = ElementwiseData.FromDoubles([0, 1, 5], [3], dtype, device);
        TensorAssert.Close(x.IsNan(), [0, 0, 0], [3], dtype: DType.Bool);
        TensorAssert.Close(x.IsInf(), [0, 0, 0], [3], dtype: DType.Bool);
        TensorAssert.Close(x.IsFinite(), [1, 1, 1], [3], dtype: DType.Bool);
    }

    [Test]
    public void PredicatesOnLargeRandomData([Values] InputLayout layout)
    {
        using var scope = Tensor.NewScope();
        var x = ElementwiseData.Make(ElementwiseData.Large, DType.Float32, layout, device, seed: 5, lo: -1, hi: 1);
        // log of negative numbers is NaN, 1/0 would be inf: build a mix from the data itself.
        var y = x.Log();
        var v = TensorAssert.ToDoubles(x);
        ElementwiseData.AssertValues(y.IsNan(), v, Array.ConvertAll(v, a => a < 0 ? 1.0 : 0.0), x.Shape.ToArray(), 0, 0, DType.Bool);
        ElementwiseData.AssertValues(y.IsInf(), v, Array.ConvertAll(v, a => a == 0 ? 1.0 : 0.0), x.Shape.ToArray(), 0, 0, DType.Bool);
        ElementwiseData.AssertValues(y.IsFinite(), v, Array.ConvertAll(v, a => a > 0 ? 1.0 : 0.0), x.Shape.ToArray(), 0, 0, DType.Bool);
    }

    [Test]
    public void PowOnHandValues([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        using var scope = Tensor.NewScope();
        var x = ElementwiseData.FromDoubles([-3, -0.5, 0, 2, 4], [5], dtype, device);
        TensorAssert.Close(x.Pow(2), [9, 0.25, 0, 4, 16], [5], dtype: dtype);
        TensorAssert.Close(x.Pow(0.5), [double.NaN, double.NaN, 0, Math.Sqrt(2), 2], [5], dtype: dtype);
        TensorAssert.Close(x.Pow(-1), [-1 / 3.0, -2, double.PositiveInfinity, 0.5, 0.25], [5], dtype: dtype);
        TensorAssert.Close(x.Pow(0), [1, 1, 1, 1, 1], [5], dtype: dtype);
        // Tensor exponent, broadcast: [2, 1] ** [5] -> [2, 5].
        var e = ElementwiseData.FromDoubles([2, 3], [2, 1], dtype, device);
        TensorAssert.Close(x.Pow(e), [9, 0.25, 0, 4, 16, -27, -0.125, 0, 8, 64], [2, 5], dtype: dtype);
        // A Float32 tensor raised to a double stays Float32.
        Assert.That(x.Pow(2.5).DType, Is.EqualTo(dtype));
    }

    [Test]
    public void PowOfIntegers()
    {
        using var scope = Tensor.NewScope();
        var b = Tensor.FromArray<int>([2, 3, -2, 5, 1, -1], device);
        var e = Tensor.FromArray<int>([3, 2, 3, 0, 7, 5], device);
        TensorAssert.Close(b.Pow(e), [8, 9, -8, 1, 1, -1], [6], dtype: DType.Int32);
        var l = Tensor.FromArray<long>([2, 3], device);
        Assert.That(l.Pow(39).ToArray<long>(), Is.EqualTo((long[])[549755813888, 4052555153018976267]));
        // A float exponent makes the result floating.
        TensorAssert.Close(b.Pow(2.0), [4, 9, 4, 25, 1, 1], [6], dtype: DType.Float32);
        // An integer tensor exponent with a float base tensor promotes to the float.
        var f = Tensor.FromArray<double>([1.5], device);
        TensorAssert.Close(f.Pow(e), [3.375, 2.25, 3.375, 1, Math.Pow(1.5, 7), Math.Pow(1.5, 5)], [6], dtype: DType.Float64);
    }

    [Test]
    public void PowTensorExponentOnRandomData([Values(DType.Float32, DType.Float64)] DType dtype, [Values] InputLayout layout, [Values] bool large)
    {
        using var scope = Tensor.NewScope();
        var shape = large ? ElementwiseData.Large : ElementwiseData.Small;
        var b = ElementwiseData.Make(shape, dtype, layout, device, seed: 11, lo: 0.1, hi: 3);
        var e = ElementwiseData.Make(shape, dtype, InputLayout.Contiguous, device, seed: 12, lo: -3, hi: 3);
        var y = b.Pow(e);
        var bv = TensorAssert.ToDoubles(b);
        var ev = TensorAssert.ToDoubles(e);
        var expected = new double[bv.Length];
        for (int i = 0; i < bv.Length; i++) expected[i] = Math.Pow(bv[i], ev[i]);
        ElementwiseData.AssertValues(y, bv, expected, shape, dtype == DType.Float32 ? 4e-6 : 1e-14, 0, dtype);
        // A number base, tensor exponent: 2 ** e.
        var two = Tensor.Full([1], 2.0, dtype, device);
        ElementwiseData.AssertValues(two.Pow(e), ev, Array.ConvertAll(ev, v => Math.Pow(2, v)), shape, dtype == DType.Float32 ? 4e-6 : 1e-14, 0, dtype);
    }

    // Each value followed by a finite filler that the stepped slice skips.
    private static double[] Interleave(double[] v) => [.. v.SelectMany(a => new[] { a, 7.0 })];

    private static double[] Values(Tensor x) => TensorAssert.ToDoubles(x);

    // x/2 · erfc(|x|/√2) from the asymptotic series erfc(z) = e^(-z²)/(z√π) Σ (-1)^n (2n-1)!! / (2z²)^n, summed while
    // its terms shrink (to below 1e-19 for z ≥ 7, i.e. x ≤ -10); z² = x²/2 is formed exactly.
    private static double GeluFarTail(double x)
    {
        double x2 = x * x, x2lo = Math.FusedMultiplyAdd(x, x, -x2);
        double z = -x / Sqrt2, u = 1 / x2; // 1/(2z²) = 1/x²
        double term = 1, sum = 1;
        for (int n = 1; n < 60 && Math.Abs(term) > 1e-20; n++)
        {
            term *= -(2 * n - 1) * u;
            sum += term;
        }
        return 0.5 * x * Math.Exp(-x2 / 2) * (1 - x2lo / 2) / (z * Math.Sqrt(Math.PI)) * sum;
    }

    internal static double GeluTanhReference(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

    /// <summary>log(1 + y) without cancellation: the alternating series below |y| = 0.5, Math.Log above.</summary>
    internal static double Log1pReference(double y)
    {
        if (double.IsPositiveInfinity(y)) return y;
        if (Math.Abs(y) >= 0.5) return Math.Log(1 + y);
        double term = y, sum = 0;
        for (int n = 1; n < 80; n++)
        {
            sum += term / n;
            term *= -y;
        }
        return sum;
    }

    /// <summary>e^x - 1 without cancellation: the Taylor series below |x| = 0.5.</summary>
    internal static double Expm1Reference(double x)
    {
        if (Math.Abs(x) >= 0.5) return Math.Exp(x) - 1;
        double term = x, sum = 0;
        for (int n = 2; n < 40; n++)
        {
            sum += term;
            term *= x / n;
        }
        return sum;
    }
}

internal static class TensorTestExtensions
{
    /// <summary>The first element as a double.</summary>
    public static double ToDouble0(this Tensor t) => TensorAssert.ToDoubles(t)[0];
}

#pragma warning disable CA1861 // test data: literal arrays are read once per test case
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Reductions;

/// <summary>
/// PyTorch's argument forms of the reductions: every dimension reduced with keepDim, dims arrays (an empty one reduces
/// everything), and Var/Std with a correction, by hand-computed values and float64 finite differences.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class AllDimsKeepDimTests(Device device)
{
    private static readonly double LogSumExp16 = 6 + Math.Log(Enumerable.Range(1, 6).Sum(k => Math.Exp(k - 6)));

    private Tensor Matrix() => Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 6 }, [2, 3], device);

    private Tensor[] Leaves(params long[][] shapes)
    {
        var gen = new Generator(9);
        return [.. shapes.Select(s =>
        {
            var t = Tensor.Randn(s, DType.Float64, device, generator: gen);
            t.RequiresGrad = true;
            return t;
        })];
    }

    private static void AssertGrad(Func<Tensor[], Tensor> f, Tensor[] inputs, string what)
    {
        var result = GradCheck.Check(f, inputs);
        Assert.That(result.Passed, Is.True, $"{what}: {result}");
    }

    [Test]
    public void EveryAllDimsReductionKeepsEveryDimWithSizeOne()
    {
        using var scope = Tensor.NewScope();
        var x = Matrix();
        var cases = new (string Name, Func<bool, Tensor> Call, double Value)[]
        {
            ("Sum", k => x.Sum(keepDim: k), 21),
            ("Mean", k => x.Mean(keepDim: k), 3.5),
            ("Max", k => x.Max(keepDim: k), 6),
            ("Min", k => x.Min(keepDim: k), 1),
            ("Prod", k => x.Prod(keepDim: k), 720),
            ("Norm", k => x.Norm(keepDim: k), Math.Sqrt(91)),
            ("Norm1", k => x.Norm(1, keepDim: k), 21),
            ("Var", k => x.Var(keepDim: k), 3.5),
            ("Std", k => x.Std(keepDim: k), Math.Sqrt(3.5)),
            ("LogSumExp", k => x.LogSumExp(keepDim: k), LogSumExp16),
            ("Amax", k => x.Amax(keepDim: k), 6),
            ("Amin", k => x.Amin(keepDim: k), 1),
        };
        foreach (var (name, call, value) in cases)
        {
            Assert.That(() => TensorAssert.Close(call(true), [value], [1, 1], rtol: 1e-12), Throws.Nothing, name + " keepDim");
            Assert.That(() => TensorAssert.Close(call(false), [value], [], rtol: 1e-12), Throws.Nothing, name);
        }
        var cube = Tensor.Arange(24, dtype: DType.Float32, device: device).Reshape(2, 3, 4);
        TensorAssert.Close(cube.Sum(keepDim: true), [276], [1, 1, 1]);
        TensorAssert.Close(cube.Amax(keepDim: true), [23], [1, 1, 1]);
        // Integers sum and multiply in Int64, as without keepDim.
        var ints = Tensor.FromArray(new[] { 1, 2, 3, 4 }, [2, 2], device);
        TensorAssert.Close(ints.Sum(keepDim: true), [10], [1, 1], dtype: DType.Int64);
        TensorAssert.Close(ints.Prod(keepDim: true), [24], [1, 1], dtype: DType.Int64);
        TensorAssert.Close(ints.Max(keepDim: true), [4], [1, 1], dtype: DType.Int32);
    }

    [Test]
    public void TheOverloadsMeanWhatPyTorchMeans()
    {
        using var scope = Tensor.NewScope();
        var x = Matrix();
        TensorAssert.Close(x.Sum(), [21], []);
        TensorAssert.Close(x.Sum(1), [6, 15], [2]);
        TensorAssert.Close(x.Sum(keepDim: true), [21], [1, 1]);
        TensorAssert.Close(x.Sum([0, 1], keepDim: true), [21], [1, 1]);
        TensorAssert.Close(x.Sum([1], keepDim: true), [6, 15], [2, 1]);
        TensorAssert.Close(x.Var(0), [4.5, 4.5, 4.5], [3]);
        TensorAssert.Close(x.Var(false), [17.5 / 6], []);
        TensorAssert.Close(x.Norm(1), [21], []);
        TensorAssert.Close(x.Norm(2, 1), [Math.Sqrt(14), Math.Sqrt(77)], [2]);
        TensorAssert.Close(x.Amax(1), [3, 6], [2]);
        TensorAssert.Close(x.Amin(0, keepDim: true), [1, 2, 3], [1, 3]);
    }

    [Test]
    public void DimsArrays()
    {
        using var scope = Tensor.NewScope();
        var x = Matrix();
        TensorAssert.Close(x.Norm(2, [0, 1]), [Math.Sqrt(91)], []);
        TensorAssert.Close(x.Norm(1, [1], keepDim: true), [6, 15], [2, 1]);
        TensorAssert.Close(x.Norm(double.PositiveInfinity, [0]), [4, 5, 6], [3]);
        TensorAssert.Close(x.LogSumExp([0, 1]), [LogSumExp16], [], rtol: 1e-12);
        TensorAssert.Close(x.LogSumExp([-1], keepDim: true),
            [3 + Math.Log(Math.Exp(-2) + Math.Exp(-1) + 1), 6 + Math.Log(Math.Exp(-2) + Math.Exp(-1) + 1)], [2, 1], rtol: 1e-12);
        TensorAssert.Close(x.Amax([1, 0], keepDim: true), [6], [1, 1]);
        TensorAssert.Close(x.Amin([0]), [1, 2, 3], [3]);
        // An empty dims array reduces every dimension (sum(dim=[]), amax(dim=()), ...).
        int[] none = [];
        TensorAssert.Close(x.Sum(none), [21], []);
        TensorAssert.Close(x.Sum(none, keepDim: true), [21], [1, 1]);
        TensorAssert.Close(x.Mean(none), [3.5], []);
        TensorAssert.Close(x.Amax(none), [6], []);
        TensorAssert.Close(x.Amin(none, keepDim: true), [1], [1, 1]);
        TensorAssert.Close(x.Norm(1, none), [21], []);
        TensorAssert.Close(x.LogSumExp(none), [LogSumExp16], [], rtol: 1e-12);
        TensorAssert.Close(x.Var(none), [3.5], []);
        TensorAssert.Close(x.Std(none, keepDim: true), [Math.Sqrt(3.5)], [1, 1]);
        Assert.That(() => x.LogSumExp([0, -2]), Throws.ArgumentException.With.Message.StartsWith("LogSumExp:").And.Message.Contains("more than once"));
        Assert.That(() => x.Norm(2, [2]), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("Norm"));
    }

    [Test]
    public void VarianceCorrection()
    {
        using var scope = Tensor.NewScope();
        var x = Tensor.FromArray(new double[] { 1, 2, 3, 4 }, [4], device); // Σ(x - 2.5)² = 5
        TensorAssert.Close(x.Var(correction: 0), [1.25], []);
        TensorAssert.Close(x.Var(correction: 1), [5.0 / 3], []);
        TensorAssert.Close(x.Var(correction: 2), [2.5], []);
        TensorAssert.Close(x.Var(correction: 0.5), [5 / 3.5], []);
        TensorAssert.Close(x.Std(correction: 0), [Math.Sqrt(1.25)], []);
        TensorAssert.Close(x.Var(unbiased: false), [1.25], []);
        TensorAssert.Close(x.Var(), [5.0 / 3], []);
        // N - correction <= 0: PyTorch divides by max(0, N - correction) = 0, giving inf, or NaN for 0/0.
        TensorAssert.Close(x.Var(correction: 4), [double.PositiveInfinity], []);
        TensorAssert.Close(x.Std(correction: 7.5), [double.PositiveInfinity], []);
        using var one = Tensor.FromArray(new double[] { 3 }, [1], device);
        TensorAssert.Close(one.Var(), [double.NaN], []);
        TensorAssert.Close(one.Std(correction: 0), [0], []);
        // Over dims, with keepDim.
        var m = Matrix();
        TensorAssert.Close(m.Var(1, correction: 0), [2.0 / 3, 2.0 / 3], [2]);
        TensorAssert.Close(m.Var([0], correction: 2, keepDim: true), [double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity], [1, 3]);
        TensorAssert.Close(m.Std([0, 1], correction: 0), [Math.Sqrt(17.5 / 6)], []);
        TensorAssert.Close(m.Var(1, false, true), [2.0 / 3, 2.0 / 3], [2, 1]);
        Assert.That(() => x.Var(unbiased: true, correction: 1), Throws.ArgumentException.With.Message.StartsWith("Var:"));
        Assert.That(() => x.Std(correction: -1), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.StartsWith("Std:"));
        Assert.That(() => x.Var(correction: double.NaN), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void EmptyTensorsKeepDims()
    {
        using var scope = Tensor.NewScope();
        var e = Tensor.Zeros([0, 3], DType.Float32, device);
        TensorAssert.Close(e.Sum(keepDim: true), [0], [1, 1]);
        TensorAssert.Close(e.Prod(keepDim: true), [1], [1, 1]);
        TensorAssert.Close(e.Mean(keepDim: true), [double.NaN], [1, 1]);
        TensorAssert.Close(e.LogSumExp(keepDim: true), [double.NegativeInfinity], [1, 1]);
        TensorAssert.Close(e.LogSumExp([0]), [double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity], [3]);
        Assert.That(() => e.Max(keepDim: true), Throws.ArgumentException.With.Message.StartsWith("Max:"));
        Assert.That(() => e.Amin(keepDim: true), Throws.ArgumentException.With.Message.StartsWith("Amin:"));
        // A 0-d tensor: keepDim has no dimension to keep.
        var s = Tensor.FromArray(new double[] { 2.5 }, [], device);
        TensorAssert.Close(s.Sum(keepDim: true), [2.5], []);
        TensorAssert.Close(s.LogSumExp(keepDim: true), [2.5], []);
        TensorAssert.Close(s.Norm(1, [0]), [2.5], []);
    }

    [Test]
    public void GradientsOfTheNewForms()
    {
        var x = Leaves([3, 4]);
        AssertGrad(t => t[0].Sum(keepDim: true), x, "Sum");
        AssertGrad(t => t[0].Mean(keepDim: true), x, "Mean");
        AssertGrad(t => t[0].Prod(keepDim: true), x, "Prod");
        AssertGrad(t => t[0].Max(keepDim: true), x, "Max");
        AssertGrad(t => t[0].Min(keepDim: true), x, "Min");
        AssertGrad(t => t[0].Amax(keepDim: true), x, "Amax");
        AssertGrad(t => t[0].Amin(1), x, "AminDim");
        AssertGrad(t => t[0].Norm(keepDim: true), x, "Norm");
        AssertGrad(t => t[0].Norm(3, [0, 1], keepDim: true), x, "NormDims");
        AssertGrad(t => t[0].Norm(1, [1]), x, "Norm1Dims");
        AssertGrad(t => t[0].Var(keepDim: true, correction: 0.5), x, "Var");
        AssertGrad(t => t[0].Var([0], correction: 0), x, "VarDims");
        AssertGrad(t => t[0].Std(1, keepDim: true, correction: 2), x, "Std");
        AssertGrad(t => t[0].LogSumExp(keepDim: true), x, "LogSumExp");
        AssertGrad(t => t[0].LogSumExp([0, 1]), x, "LogSumExpDims");
        AssertGrad(t => t[0].LogSumExp([0], keepDim: true), x, "LogSumExpDim0");
        AssertGrad(t => t[0].Sum(Array.Empty<int>()), x, "SumEmptyDims");
    }
}

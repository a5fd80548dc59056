using CudaTensor.Ops;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Gradients;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class GradCheckOpsTests(Device device)
{
    private static IEnumerable<GradCase> AllCases => GradCases.All();
    private static IEnumerable<GradCase> StridedCases => GradCases.StridedCases();
    private static IEnumerable<GradCase> SecondOrderCases => GradCases.SecondOrderCases();

    [TestCaseSource(nameof(AllCases))]
    public void FirstOrderMatchesFiniteDifferences(GradCase c)
    {
        var inputs = c.MakeInputs(device, 7);
        var result = GradCheck.Check(c.Apply, inputs);
        Assert.That(result.Passed, Is.True, result.ToString());
    }

    [TestCaseSource(nameof(StridedCases))]
    public void FirstOrderOnNonContiguousInputs(GradCase c)
    {
        // Same values, laid out transposed in memory: the op must read strides correctly in both directions.
        var dense = c.MakeInputs(device, 11);
        var strided = dense.Select(x =>
        {
            if (x.Dim < 2) return x;
            using var t = x.Detach().Transpose(0, x.Dim - 1).Contiguous();
            var back = t.Transpose(0, x.Dim - 1);
            back.RequiresGrad = true;
            return back;
        }).ToArray();
        // Transposing a matrix with a size-1 dimension does not change its layout; every other one must be strided.
        Assert.That(strided.Where(x => x.Dim >= 2 && x.Shape.ToArray().All(s => s > 1)).All(x => !x.IsContiguous), Is.True);
        var result = GradCheck.Check(c.Apply, strided);
        Assert.That(result.Passed, Is.True, result.ToString());
    }

    [TestCaseSource(nameof(SecondOrderCases))]
    public void SecondOrderMatchesFiniteDifferences(GradCase c)
    {
        var inputs = c.MakeInputs(device, 13);
        var result = GradCheck.CheckSecondOrder(c.Apply, inputs);
        Assert.That(result.Passed, Is.True, result.ToString());
    }

    [Test]
    public void EveryElementwiseOpHasAGradCase()
    {
        var names = GradCases.All().Select(c => c.Name).ToHashSet();
        var missing = Enum.GetValues<UnaryOp>().Select(o => o.ToString())
            .Concat(Enum.GetValues<BinaryOp>().Where(o => !o.IsComparison() && !o.IsLogical()).Select(o => o.ToString()))
            .Concat(Enum.GetValues<ReduceOp>().Select(o => o.ToString()))
            .Where(n => !names.Contains(n))
            .ToList();
        Assert.That(missing, Is.Empty, "ops without a gradcheck case");
    }

    [Test]
    public void GradCheckCatchesAWrongGradient()
    {
        var x = GradCases.Unary().First(c => c.Name == "Exp").MakeInputs(device, 3);
        // A hook that doubles the gradient makes the analytical gradient wrong on purpose.
        Tensor WrongExp(Tensor[] t)
        {
            var y = t[0].Exp();
            y.RegisterHook(g => g * 2.0);
            return y;
        }
        var result = GradCheck.Check(WrongExp, x);
        Assert.That(result.Passed, Is.False);
        Assert.That(result.Analytical, Is.EqualTo(2 * result.Numerical).Within(1e-4 * Math.Abs(result.Numerical) + 1e-6));
    }

    [Test]
    public void GradCheckCatchesAWrongSecondDerivative()
    {
        var x = GradCases.Unary().First(c => c.Name == "Exp").MakeInputs(device, 3);
        // exp(x) computed as exp(detach(x)) * (1 + x - detach(x)): right first derivative, zero second-order term from exp.
        Tensor FirstOrderOnly(Tensor[] t)
        {
            using var d = t[0].Detach();
            return d.Exp() * (t[0] - d + 1.0);
        }
        Assert.That(GradCheck.Check(FirstOrderOnly, x).Passed, Is.True);
        Assert.That(GradCheck.CheckSecondOrder(FirstOrderOnly, x).Passed, Is.False);
    }

    [Test]
    public void GradCheckRejectsFloat32Inputs()
    {
        var x = Tensor.Randn([3], device: device, requiresGrad: true);
        var e = Assert.Throws<ArgumentException>(() => GradCheck.Check(t => t[0].Exp(), [x]));
        Assert.That(e!.Message, Does.Contain("Float64"));
    }
}

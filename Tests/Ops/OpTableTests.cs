using CudaTensor.Backends.Cuda;
using CudaTensor.Ops;
using CudaTensor.Tests.Gradients;
using NUnit.Framework;

namespace CudaTensor.Tests.Ops;

/// <summary>
/// The op rows (Managed/Ops/OpTable.cs) and the op test table: every enum value has both, and the rows give exactly
/// the facts that the enum order and hand-kept lists gave before, so reading the rows changed no behaviour.
/// </summary>
[TestFixture]
public class OpTableTests
{
    // The facts as they were written before the rows existed (order ranges and lists), plus the ops added since.
    private static readonly UnaryOp[] FloatOnly =
    [
        UnaryOp.Sqrt, UnaryOp.Rsqrt, UnaryOp.Reciprocal, UnaryOp.Exp, UnaryOp.Log, UnaryOp.Log1p, UnaryOp.Expm1, UnaryOp.Sin,
        UnaryOp.Cos, UnaryOp.Tanh, UnaryOp.Sigmoid, UnaryOp.Gelu, UnaryOp.GeluTanh, UnaryOp.Silu, UnaryOp.Softplus, UnaryOp.Erf,
        UnaryOp.Floor, UnaryOp.Ceil, UnaryOp.Round, UnaryOp.Trunc, UnaryOp.Exp2, UnaryOp.Log2,
    ];

    private static readonly UnaryOp[] SavesOutput =
        [UnaryOp.Sqrt, UnaryOp.Rsqrt, UnaryOp.Reciprocal, UnaryOp.Exp, UnaryOp.Expm1, UnaryOp.Tanh, UnaryOp.Sigmoid, UnaryOp.Exp2];

    private static readonly UnaryOp[] SavesNothing = [UnaryOp.Neg, UnaryOp.Sign, UnaryOp.Floor, UnaryOp.Ceil, UnaryOp.Round, UnaryOp.Trunc];

    [Test]
    public void EveryOpHasARowDescribingIt()
    {
        foreach (var op in Enum.GetValues<UnaryOp>()) Assert.That(OpTable.Of(op).Op, Is.EqualTo(op));
        foreach (var op in Enum.GetValues<BinaryOp>()) Assert.That(OpTable.Of(op).Op, Is.EqualTo(op));
        foreach (var op in Enum.GetValues<PredicateOp>()) Assert.That(OpTable.Of(op).Op, Is.EqualTo(op));
    }

    [Test]
    public void AMissingRowNamesTheTable()
    {
        var e = Assert.Throws<InvalidOperationException>(() => OpTable.Of((UnaryOp)1000))!;
        Assert.That(e.Message, Does.Contain("UnaryOp.1000").And.Contain("OpTable"));
    }

    [Test]
    public void UnaryRowsGiveThePreviousFacts()
    {
        foreach (var op in Enum.GetValues<UnaryOp>())
        {
            var row = OpTable.Of(op);
            Assert.That(row.NeedsFloat, Is.EqualTo(FloatOnly.Contains(op)), $"{op}: needs float");
            var saves = SavesOutput.Contains(op) ? GradSaves.Output : SavesNothing.Contains(op) ? GradSaves.Nothing : GradSaves.Input;
            Assert.That(row.Saves, Is.EqualTo(saves), $"{op}: what the gradient saves");
            Assert.That(row.CpuWork, Is.GreaterThanOrEqualTo(1), $"{op}: work weight");
        }
        Assert.That(OpTable.Of(UnaryOp.Clamp).P0, Is.EqualTo("min"));
        Assert.That(OpTable.Of(UnaryOp.Softplus).P1, Is.EqualTo("threshold"));
    }

    [Test]
    public void BinaryRowsGiveThePreviousFacts()
    {
        BinaryOp[] comparisons = [BinaryOp.Eq, BinaryOp.Ne, BinaryOp.Lt, BinaryOp.Le, BinaryOp.Gt, BinaryOp.Ge];
        BinaryOp[] logical = [BinaryOp.LogicalAnd, BinaryOp.LogicalOr, BinaryOp.LogicalXor];
        BinaryOp[] division = [BinaryOp.Div, BinaryOp.Remainder, BinaryOp.FMod, BinaryOp.TruncDivide, BinaryOp.FloorDivide];
        foreach (var op in Enum.GetValues<BinaryOp>())
        {
            Assert.That(op.IsComparison(), Is.EqualTo(comparisons.Contains(op)), $"{op}: comparison");
            Assert.That(op.IsLogical(), Is.EqualTo(logical.Contains(op)), $"{op}: logical");
            Assert.That(op.IsDivision(), Is.EqualTo(division.Contains(op)), $"{op}: division");
            Assert.That(OpTable.Of(op).Differentiable, Is.EqualTo(!comparisons.Contains(op) && !logical.Contains(op)), $"{op}: differentiable");
        }
        Assert.That(OpTable.Of(PredicateOp.IsFinite).IntegerAnswer, Is.True);
        Assert.That(OpTable.Of(PredicateOp.IsNan).IntegerAnswer || OpTable.Of(PredicateOp.IsInf).IntegerAnswer, Is.False);
    }

    [Test]
    public void CudaKernelListFollowsTheRows()
    {
        foreach (var op in Enum.GetValues<UnaryOp>())
        {
            Assert.That(CudaKernels.Supports(op, DType.Float32), Is.True, op.ToString());
            Assert.That(CudaKernels.Supports(op, DType.Int32), Is.EqualTo(!OpTable.Of(op).NeedsFloat), op.ToString());
            Assert.That(CudaKernels.Supports(op, DType.Bool), Is.False, op.ToString());
        }
    }

    [Test]
    public void EveryUnaryOpHasACase()
    {
        var missing = Enum.GetValues<UnaryOp>().Where(op => !OpTestTable.Unary.ContainsKey(op)).ToList();
        Assert.That(missing, Is.Empty, "unary ops without a row in Tests/Ops/OpTestTable.cs");
        foreach (var (op, row) in OpTestTable.Unary)
        {
            Assert.That(row.References, Is.Not.Empty, $"{op}: references");
            Assert.That(row.References[0].Name, Does.StartWith(op == UnaryOp.GeluTanh ? "GeluTanh" : op.ToString()), $"{op}: the first reference calls the op");
            Assert.That(row.Grad.Name, Is.EqualTo(op.ToString()), $"{op}: gradient case");
        }
        Assert.That(GradCases.Unary().Select(c => c.Name), Is.EquivalentTo(Enum.GetValues<UnaryOp>().Select(o => o.ToString())));
    }

    [Test]
    public void EveryDifferentiableBinaryOpHasAGradCase()
    {
        var missing = Enum.GetValues<BinaryOp>().Where(op => OpTable.Of(op).Differentiable && !OpTestTable.BinaryGrad.ContainsKey(op)).ToList();
        Assert.That(missing, Is.Empty, "differentiable binary ops without a gradient case in Tests/Ops/OpTestTable.cs");
        Assert.That(OpTestTable.BinaryGrad.Keys.Where(op => !OpTable.Of(op).Differentiable), Is.Empty, "cases for ops without a gradient");
        foreach (var (op, c) in OpTestTable.BinaryGrad) Assert.That(c.Name, Is.EqualTo(op.ToString()));
    }

    [Test]
    public void EveryBinaryAndPredicateOpIsCompared()
    {
        // The CUDA-vs-CPU tables enumerate the enums; each op must have at least one dtype that runs.
        var binary = CudaTensor.Tests.CudaBackend.CudaVsCpuTests.BinaryCases().Select(c => (string)c.Arguments[0]!).ToHashSet();
        Assert.That(Enum.GetValues<BinaryOp>().Where(o => !binary.Contains(o.ToString())), Is.Empty);
        var unary = CudaTensor.Tests.CudaBackend.CudaVsCpuTests.UnaryCases().Select(c => (string)c.Arguments[0]!).ToHashSet();
        Assert.That(Enum.GetValues<UnaryOp>().Where(o => !unary.Contains(o.ToString())), Is.Empty);
        var predicate = CudaTensor.Tests.CudaBackend.CudaVsCpuTests.PredicateCases().Select(c => (string)c.Arguments[0]!).ToHashSet();
        Assert.That(Enum.GetValues<PredicateOp>().Where(o => !predicate.Contains(o.ToString())), Is.Empty);
    }
}

using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Gradients;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class GraphSemanticsTests(Device device)
{
    private Tensor Leaf(double[] values, long[] shape) => Tensor.FromArray(values, shape, device, requiresGrad: true);

    [Test]
    public void AcceptanceExampleFromTheIssue()
    {
        Tensor.ManualSeed(1);
        var a = Tensor.Randn([3, 4], device: device, requiresGrad: true);
        var b = Tensor.Randn([4, 2], device: device, requiresGrad: true);
        var loss = Tensor.MatMul(a, b).Tanh().Sum();
        loss.Backward();
        using (Autograd.NoGrad())
        {
            var t = Tensor.MatMul(a, b).Tanh();
            var d = 1.0 - t * t;
            TensorAssert.Close(a.Grad!, TensorAssert.ToDoubles(Tensor.MatMul(d, b.T)), [3, 4], 1e-5, 1e-5);
            TensorAssert.Close(b.Grad!, TensorAssert.ToDoubles(Tensor.MatMul(a.T, d)), [4, 2], 1e-5, 1e-5);
        }
        Assert.That(loss.GradFn!.Name, Is.EqualTo("SumBackward"));

        var x = Leaf([0.5, -1.0, 2.0], [3]);
        var y = (x * x * x).Sum();
        var g = Autograd.Grad([y], [x], createGraph: true)[0]!;
        TensorAssert.Close(g, [0.75, 3, 12], [3]);
        var h = Autograd.Grad([g.Sum()], [x])[0]!;
        Assert.That(h.ToArray<double>(), Is.EqualTo(new double[] { 3, -6, 12 }));

        using (Autograd.NoGrad()) Assert.That((a * 2).RequiresGrad, Is.False);
    }

    [Test]
    public void GradientsAccumulateAcrossBackwardCallsUntilCleared()
    {
        var x = Leaf([1, 2], [2]);
        (x * 3.0).Sum().Backward();
        (x * x).Sum().Backward();
        TensorAssert.Close(x.Grad!, [3 + 2, 3 + 4], [2]);
        x.Grad = null;
        (x * 3.0).Sum().Backward();
        TensorAssert.Close(x.Grad!, [3, 3], [2]);
    }

    [Test]
    public void BroadcastInputsGetGradientsOfTheirOwnShape()
    {
        var a = Leaf([1, 2, 3], [3, 1]);
        var b = Leaf([10, 20], [2]);
        (a * b).Sum().Backward();
        TensorAssert.Close(a.Grad!, [30, 30, 30], [3, 1]);
        TensorAssert.Close(b.Grad!, [6, 6], [2]);
    }

    [Test]
    public void SecondBackwardThroughAFreedGraphSaysToRetainIt()
    {
        var x = Leaf([1, 2], [2]);
        var y = (x.Exp() * x).Sum();
        y.Backward();
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.That(e!.Message, Does.Contain("retainGraph"));
    }

    [Test]
    public void RetainGraphAllowsASecondBackward()
    {
        var x = Leaf([1, 2], [2]);
        var y = (x.Exp() * x).Sum();
        y.Backward(retainGraph: true);
        y.Backward();
        double e1 = Math.Exp(1) * 2, e2 = Math.Exp(2) * 3;
        TensorAssert.Close(x.Grad!, [2 * e1, 2 * e2], [2], 1e-12);
    }

    [Test]
    public void NonScalarBackwardNeedsAGradient()
    {
        var x = Leaf([1, 2], [2]);
        var y = x * 2.0;
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.That(e!.Message, Does.Contain("scalar"));
        y.Backward(Tensor.FromArray(new double[] { 1, 10 }, [2], device));
        TensorAssert.Close(x.Grad!, [2, 20], [2]);
    }

    [Test]
    public void NoGradScopesNestAndRestore()
    {
        var x = Leaf([1], [1]);
        using (Autograd.NoGrad())
        {
            Assert.That((x * 2.0).RequiresGrad, Is.False);
            using (Autograd.EnableGrad()) Assert.That((x * 2.0).RequiresGrad, Is.True);
            Assert.That(Autograd.IsGradEnabled, Is.False);
        }
        Assert.That(Autograd.IsGradEnabled, Is.True);
        Assert.That((x * 2.0).RequiresGrad, Is.True);
    }

    [Test]
    public async Task NoGradFollowsAsyncCode()
    {
        var x = Leaf([1], [1]);
        using (Autograd.NoGrad())
        {
            await Task.Yield();
            Assert.That((x * 2.0).RequiresGrad, Is.False);
        }
        Assert.That(Autograd.IsGradEnabled, Is.True);
    }

    [Test]
    public void DetachCutsTheGraphButSharesData()
    {
        var x = Leaf([1, 2], [2]);
        var d = x.Detach();
        Assert.That(d.RequiresGrad, Is.False);
        Assert.That(ReferenceEquals(d.Storage, x.Storage), Is.True);
        (x * d).Sum().Backward();
        TensorAssert.Close(x.Grad!, [1, 2], [2]);
    }

    [Test]
    public void LeafAndNonLeafRules()
    {
        var x = Leaf([1, 2], [2]);
        var y = x * 2.0;
        Assert.That(x.IsLeaf, Is.True);
        Assert.That(y.IsLeaf, Is.False);
        Assert.That(y.GradFn!.Name, Is.EqualTo("MulBackward"));
        Assert.That(y.GradFn.Inputs, Has.Count.EqualTo(2));
        y.Sum().Backward();
        Assert.That(y.Grad, Is.Null, "non-leaves keep no gradient unless RetainGrad was called");
    }

    [Test]
    public void RetainGradKeepsANonLeafGradient()
    {
        var x = Leaf([1, 2], [2]);
        var y = x * 3.0;
        y.RetainGrad();
        (y * y).Sum().Backward();
        TensorAssert.Close(y.Grad!, [6, 12], [2]);
    }

    [Test]
    public void HooksSeeAndCanReplaceGradients()
    {
        var x = Leaf([1, 2], [2]);
        Tensor? seen = null;
        x.RegisterHook(g => { seen = g.Clone(); return null; });
        var y = x * 2.0;
        y.RegisterHook(g => g * 10.0);
        y.Sum().Backward();
        TensorAssert.Close(seen!, [20, 20], [2]);
        TensorAssert.Close(x.Grad!, [20, 20], [2]);
    }

    [Test]
    public void InPlaceChangeOfASavedTensorIsReported()
    {
        var x = Leaf([1, 2], [2]);
        var y = x * 1.0;
        var z = y * y;
        y.MulInPlace(2.0);
        var e = Assert.Throws<InvalidOperationException>(() => z.Sum().Backward());
        Assert.That(e!.Message, Does.Contain("MulBackward").And.Contain("version 1").And.Contain("expected version 0"));
    }

    [Test]
    public void InPlaceOnALeafThatRequiresGradIsRefused()
    {
        var x = Leaf([1, 2], [2]);
        var e = Assert.Throws<InvalidOperationException>(() => x.AddInPlace(1.0));
        Assert.That(e!.Message, Does.Contain("leaf"));
        using (Autograd.NoGrad()) x.AddInPlace(1.0);
        TensorAssert.Close(x, [2, 3], [2]);
    }

    [Test]
    public void InPlaceOnANonLeafIsDifferentiated()
    {
        var x = Leaf([1, 2], [2]);
        var y = x * 3.0;
        y.MulInPlace(x).AddInPlace(1.0); // y = 3x·x + 1
        y.Sum().Backward();
        TensorAssert.Close(x.Grad!, [6, 12], [2]);
        Assert.That(y.GradFn!.Name, Is.EqualTo("AddBackward"));
    }

    [Test]
    public void InPlaceOnAViewOfATensorThatRequiresGradIsRefused()
    {
        var x = Leaf([1, 2, 3, 4], [2, 2]);
        var y = x * 1.0;
        var row = y[0];
        var e = Assert.Throws<InvalidOperationException>(() => row.MulInPlace(2.0));
        Assert.That(e!.Message, Does.Contain("view").And.Contain("Clone"));
    }

    [Test]
    public void AnomalyModeNamesTheNodeAndTheForwardCall()
    {
        var x = Leaf([0, 1], [2]);
        using (Autograd.DetectAnomaly())
        {
            var y = x.Sqrt().Sum(); // d sqrt(x)/dx at 0 is infinite
            var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
            Assert.That(e!.Message, Does.Contain("SqrtBackward").And.Contain(nameof(AnomalyModeNamesTheNodeAndTheForwardCall)));
        }
    }

    [Test]
    public void IntegerTensorsCannotRequireGrad()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2], DType.Int64, device, requiresGrad: true));
        Assert.That(e!.Message, Does.Contain("floating"));
        var x = Leaf([1, 2], [2]);
        Assert.That(x.ArgMax().RequiresGrad, Is.False);
        Assert.That(x.Gt(1.0).RequiresGrad, Is.False);
        Assert.That(x.Max(0).Indices.RequiresGrad, Is.False);
    }

    [Test]
    public void FunctionalGradDoesNotTouchLeafGrads()
    {
        var x = Leaf([1, 2], [2]);
        var w = Leaf([3, 4], [2]);
        var y = (x * w).Sum();
        var grads = Autograd.Grad([y], [x]);
        TensorAssert.Close(grads[0]!, [3, 4], [2]);
        Assert.That(x.Grad, Is.Null);
        Assert.That(w.Grad, Is.Null);
    }

    [Test]
    public void FunctionalGradReportsUnusedInputs()
    {
        var x = Leaf([1, 2], [2]);
        var unused = Leaf([1], [1]);
        var y = (x * 2.0).Sum();
        var e = Assert.Throws<InvalidOperationException>(() => Autograd.Grad([y], [x, unused], retainGraph: true));
        Assert.That(e!.Message, Does.Contain("allowUnused"));
        var grads = Autograd.Grad([y], [x, unused], allowUnused: true);
        Assert.That(grads[1], Is.Null);
    }

    [Test]
    public void GradientFlowsThroughViewsIntoTheBase()
    {
        var x = Leaf([1, 2, 3, 4, 5, 6], [2, 3]);
        var y = x[.., 1..].T;      // [2, 2] view of columns 1 and 2, transposed
        (y * Tensor.FromArray(new double[] { 1, 2, 3, 4 }, [2, 2], device)).Sum().Backward();
        TensorAssert.Close(x.Grad!, [0, 1, 3, 0, 2, 4], [2, 3]);
    }

    [Test]
    public void LeafGradientsOutliveTheScopeOfTheStepThatComputedThem()
    {
        var x = Leaf([1, 2], [2]);
        using (Tensor.NewScope()) (x * 2.0).Sum().Backward();
        TensorAssert.Close(x.Grad!, [2, 2], [2]);
        using (Tensor.NewScope()) (x * 3.0).Sum().Backward();
        TensorAssert.Close(x.Grad!, [5, 5], [2]);
    }

    [Test]
    public void ReplaceDataKeepsTheLeafObjectAndItsGradientPath()
    {
        var w = Leaf([1, 2], [2]);
        using var moved = Tensor.FromArray(new double[] { 5, 7 }, [2], device);
        w.ReplaceData(moved);
        Assert.That(w.RequiresGrad, Is.True);
        (w * w).Sum().Backward();
        TensorAssert.Close(w.Grad!, [10, 14], [2]);
    }

    [Test]
    public void DiamondGraphsSumBothPaths()
    {
        var x = Leaf([2], [1]);
        var a = x * 3.0;
        var b = x.Square();
        (a + b).Sum().Backward();
        TensorAssert.Close(x.Grad!, [3 + 4], [1]);
    }
}

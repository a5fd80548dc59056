using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Gradients;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class HookTests(Device device)
{
    private Tensor Leaf(params double[] values) => Tensor.FromArray(values, [values.Length], device, requiresGrad: true);

    [Test]
    public void PostAccumulateGradHookSeesTheAccumulatedGradientOncePerBackward()
    {
        var w = Leaf(0.5, -1, 2);
        var seen = new List<double[]>();
        w.RegisterPostAccumulateGradHook(p =>
        {
            Assert.That(p, Is.SameAs(w));
            seen.Add(p.Grad!.ToArray<double>());
        });

        // w feeds the loss twice: the engine sums both paths, so the leaf accumulates (and the hook runs) once.
        ((w * 2.0) + (w * w)).Sum().Backward();
        Assert.That(seen, Has.Count.EqualTo(1));
        Assert.That(seen[0], Is.EqualTo(new[] { 3.0, 0.0, 6.0 }));    // 2 + 2w

        (w * 3.0).Sum().Backward();                                     // accumulates into the existing gradient
        Assert.That(seen, Has.Count.EqualTo(2));
        Assert.That(seen[1], Is.EqualTo(new[] { 6.0, 3.0, 9.0 }));
    }

    [Test]
    public void RemovedHooksAreNotCalled()
    {
        var w = Leaf(1, 2);
        int post = 0, pre = 0;
        var postHandle = w.RegisterPostAccumulateGradHook(_ => post++);
        var preHandle = w.RegisterHook(g => { pre++; return null; });
        (w * w).Sum().Backward();
        Assert.That((post, pre), Is.EqualTo((1, 1)));

        postHandle.Remove();
        preHandle.Dispose();
        postHandle.Remove();                                            // twice: nothing happens
        (w * w).Sum().Backward();
        Assert.That((post, pre), Is.EqualTo((1, 1)));
        Assert.That(w.Grad!.ToArray<double>(), Is.EqualTo(new[] { 4.0, 8.0 }));
    }

    [Test]
    public void PreHookReplacesTheGradientBeforeThePostHookSeesIt()
    {
        var w = Leaf(1, -1);
        double[]? seen = null;
        w.RegisterHook(g => g * 10.0);
        w.RegisterPostAccumulateGradHook(p => seen = p.Grad!.ToArray<double>());
        (w * 3.0).Sum().Backward();
        Assert.That(seen, Is.EqualTo(new[] { 30.0, 30.0 }));
    }

    [Test]
    public void AutogradGradAccumulatesNothingAndCallsNoPostHook()
    {
        var w = Leaf(1, 2);
        int calls = 0;
        w.RegisterPostAccumulateGradHook(_ => calls++);
        var g = Autograd.Grad([(w * w).Sum()], [w])[0]!;
        Assert.That(g.ToArray<double>(), Is.EqualTo(new[] { 2.0, 4.0 }));
        Assert.That(calls, Is.Zero);
        Assert.That(w.Grad, Is.Null);
    }

    [Test]
    public void PostAccumulateGradHookNeedsALeafThatRequiresGrad()
    {
        var w = Leaf(1, 2);
        var y = w * 2.0;
        var e = Assert.Throws<InvalidOperationException>(() => y.RegisterPostAccumulateGradHook(_ => { }))!;
        Assert.That(e.Message, Does.Contain("RegisterPostAccumulateGradHook").And.Contain("not a leaf"));
        var plain = Tensor.Zeros([2], device: device);
        e = Assert.Throws<InvalidOperationException>(() => plain.RegisterPostAccumulateGradHook(_ => { }))!;
        Assert.That(e.Message, Does.Contain("does not require grad"));
    }
}

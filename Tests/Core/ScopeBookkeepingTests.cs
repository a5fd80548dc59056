using NUnit.Framework;

namespace CudaTensor.Tests.Core;

/// <summary>
/// <see cref="TensorScope"/> with many tensors: <see cref="TensorScope.Keep"/> and <see cref="TensorScope.MoveToOuter"/>
/// in any order (each tensor remembers its slot), and what each scope disposes.
/// </summary>
[TestFixture]
public class ScopeBookkeepingTests
{
    [Test]
    public void KeepAndMoveToOuterInAnyOrderOverManyTensors()
    {
        const int n = 20_000;
        var created = new List<Tensor>(n);
        var outer = Tensor.NewScope();
        using (var inner = Tensor.NewScope())
        {
            for (int i = 0; i < n; i++) created.Add(Tensor.Full([1], (float)i));
            // From the back, every third kept, every third moved out, the rest left to the scope.
            for (int i = n - 1; i >= 0; i--)
            {
                if (i % 3 == 0) Assert.That(inner.Keep(created[i]), Is.SameAs(created[i]));
                else if (i % 3 == 1) Assert.That(inner.MoveToOuter(created[i]), Is.SameAs(created[i]));
            }
            // Twice is harmless: the scope no longer owns them.
            inner.Keep(created[0]);
            inner.MoveToOuter(created[3]);
        }
        for (int i = 0; i < n; i++) Assert.That(created[i].IsDisposed, Is.EqualTo(i % 3 == 2), $"tensor {i} after the inner scope");
        outer.Dispose();
        for (int i = 0; i < n; i++) Assert.That(created[i].IsDisposed, Is.EqualTo(i % 3 != 0), $"tensor {i} after the outer scope");
        Assert.That(created[3].ToArray<float>(), Is.EqualTo(new[] { 3f }), "a kept tensor stays usable");
        foreach (var t in created) t.Dispose();
    }

    [Test]
    public void AKeptTensorMovedAgainIsLeftAlone()
    {
        using var outer = Tensor.NewScope();
        Tensor kept;
        using (var inner = Tensor.NewScope())
        {
            kept = inner.Keep(Tensor.Ones([2]));
            inner.MoveToOuter(kept); // not owned any more: stays with the caller, not the outer scope
        }
        outer.Dispose();
        Assert.That(kept.IsDisposed, Is.False);
        kept.Dispose();
    }

    [Test]
    public void ATensorMovedOutCanBeKeptByTheOuterScope()
    {
        Tensor t;
        using (var outer = Tensor.NewScope())
        {
            using (var inner = Tensor.NewScope())
            {
                t = inner.MoveToOuter(Tensor.Ones([3]));
            }
            Assert.That(t.IsDisposed, Is.False);
            outer.Keep(t);
        }
        Assert.That(t.IsDisposed, Is.False);
        t.Dispose();
    }

    [Test]
    public void GradientsCreatedInAScopeBelongToTheirLeaves()
    {
        // Autograd takes the gradient back from the scope it was created in (the scope's O(1) removal).
        var w = Tensor.Ones([4], requiresGrad: true);
        using (Tensor.NewScope())
        {
            (w * 3f).Sum().Backward();
        }
        Assert.That(w.Grad!.ToArray<float>(), Is.EqualTo(new[] { 3f, 3f, 3f, 3f }));
        w.Dispose();
    }
}

using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Core;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public class LifetimeTests(Device device)
{
    [Test]
    public void UseAfterDisposeThrowsNamingTheTensor()
    {
        var t = Tensor.Zeros([2, 3], DType.Float64, device);
        t.Dispose();
        Assert.That(t.IsDisposed, Is.True);
        var uses = new (string Name, Action Use)[]
        {
            ("ToArray", () => t.ToArray<double>()),
            ("Item", () => t.Item<double>()),
            ("Add", () => (t + 1.0).Dispose()),
            ("View", () => t.View(6).Dispose()),
            ("Indexer", () => t[0].Dispose()),
            ("Fill", () => t.Fill(1)),
            ("Clone", () => t.Clone().Dispose()),
            ("To", () => t.To(DType.Float32).Dispose()),
            ("Storage", () => _ = t.Storage),
            ("Device", () => _ = t.Device),
            ("Transpose", () => t.T.Dispose()),
        };
        foreach (var (name, use) in uses)
        {
            var ex = Assert.Throws<ObjectDisposedException>(() => use(), name);
            Assert.That(ex!.Message, Does.Contain("[2, 3]").And.Contain("float64"), name);
        }
        t.Dispose(); // a second Dispose is harmless
        Assert.That(t.ToString(), Does.Contain("disposed"));
    }

    [Test]
    public void NamedTensorIsNamedInDisposedError()
    {
        var t = Tensor.Ones([4], device: device);
        t.Name = "weights";
        t.Dispose();
        var ex = Assert.Throws<ObjectDisposedException>(() => t.ToArray<float>());
        Assert.That(ex!.Message, Does.Contain("'weights'"));
    }

    [Test]
    public void DisposingViewKeepsBaseAlive()
    {
        using var x = Tensor.Arange(6, DType.Float32, device).Reshape(2, 3);
        var v = x[1];
        v.Dispose();
        Assert.That(x.Storage.IsReleased, Is.False);
        TensorAssert.Close(x, [0, 1, 2, 3, 4, 5], [2, 3]);
    }

    [Test]
    public void DisposingBaseKeepsViewAlive()
    {
        var x = Tensor.FromArray(new float[] { 0, 1, 2, 3, 4, 5 }, [2, 3], device);
        using var v = x.T;
        var storage = x.Storage;
        x.Dispose();
        Assert.That(storage.IsReleased, Is.False);
        TensorAssert.Close(v, [0, 3, 1, 4, 2, 5], [3, 2]);
        v.Fill(1f);
        Assert.That(v.ToArray<float>(), Is.All.EqualTo(1f));
        v.Dispose();
        Assert.That(storage.IsReleased, Is.True, "the last reference frees the storage");
    }

    [Test]
    public void ScopeDisposesWhatWasCreatedInside()
    {
        Tensor a, b, kept, moved;
        using var outer = Tensor.NewScope();
        using (var scope = Tensor.NewScope())
        {
            Assert.That(TensorScope.Current, Is.SameAs(scope));
            a = Tensor.Ones([2], device: device);
            b = a * 3f;
            kept = scope.Keep(a + 1f);
            moved = scope.MoveToOuter(b.Clone());
        }
        Assert.That(TensorScope.Current, Is.SameAs(outer));
        Assert.That(a.IsDisposed, Is.True);
        Assert.That(b.IsDisposed, Is.True);
        Assert.That(kept.IsDisposed, Is.False);
        Assert.That(moved.IsDisposed, Is.False);
        TensorAssert.Close(moved, [3, 3], [2]);
        outer.Dispose();
        Assert.That(moved.IsDisposed, Is.True, "moved to the outer scope, disposed with it");
        Assert.That(kept.IsDisposed, Is.False, "kept: the caller owns it");
        TensorAssert.Close(kept, [2, 2], [2]);
        kept.Dispose();
    }

    [Test]
    public void MoveToOuterLeavesATensorTheScopeDoesNotOwnAlone()
    {
        using var outside = Tensor.Ones([2], device: device);
        using var outer = Tensor.NewScope();
        using (var scope = Tensor.NewScope())
        {
            Assert.That(scope.MoveToOuter(outside), Is.SameAs(outside));
        }
        outer.Dispose();
        Assert.That(outside.IsDisposed, Is.False, "created outside both scopes: neither may dispose it");
    }

    [Test]
    public void GradInsideAScopeLeavesTheCallersGradOutputAlive()
    {
        // Add's backward passes the incoming gradient straight through to its inputs.
        using var a = Tensor.Ones([3], device: device);
        a.RequiresGrad = true;
        using var b = Tensor.Ones([3], device: device);
        b.RequiresGrad = true;
        using var y = a + b;
        using var gradOutput = Tensor.FromArray(new float[] { 1, 2, 3 }, [3], device);
        using (var scope = Tensor.NewScope())
        {
            var grads = Autograd.Grad([y], [a, b], [gradOutput]);
            TensorAssert.Close(grads[0]!, [1, 2, 3], [3]);
        }
        Assert.That(gradOutput.IsDisposed, Is.False);
        TensorAssert.Close(gradOutput, [1, 2, 3], [3]);
    }

    [Test]
    public void NestedScopes()
    {
        Tensor outerT, innerT;
        Assert.That(TensorScope.Current, Is.Null);
        using (Tensor.NewScope())
        {
            outerT = Tensor.Zeros([1], device: device);
            using (Tensor.NewScope())
            {
                innerT = Tensor.Zeros([1], device: device);
            }
            Assert.That(innerT.IsDisposed, Is.True);
            Assert.That(outerT.IsDisposed, Is.False);
        }
        Assert.That(outerT.IsDisposed, Is.True);
        Assert.That(TensorScope.Current, Is.Null);
    }

    [Test]
    public void ScopeOutsideKeepsTensorsAlive()
    {
        using var t = Tensor.Zeros([1], device: device);
        using (Tensor.NewScope())
        {
            using var v = t + 1f;
        }
        Assert.That(t.IsDisposed, Is.False, "a scope owns only what was created inside it");
    }

    [Test]
    public async Task ScopeFollowsAsyncCode()
    {
        Tensor a, b;
        using (var scope = Tensor.NewScope())
        {
            await Task.Yield();
            a = Tensor.Ones([3], device: device);
            await Task.Delay(1).ConfigureAwait(false);      // resumes on another thread
            Assert.That(TensorScope.Current, Is.SameAs(scope));
            b = await MakeAsync().ConfigureAwait(false);
        }
        Assert.That(a.IsDisposed, Is.True);
        Assert.That(b.IsDisposed, Is.True);

        async Task<Tensor> MakeAsync()
        {
            await Task.Yield();
            return Tensor.Zeros([2], device: device);
        }
    }

    [Test]
    public async Task ScopeInOneFlowDoesNotCaptureAnother()
    {
        using var gate = new SemaphoreSlim(0);
        Tensor? other = null;
        var otherFlow = Task.Run(async () =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            other = Tensor.Zeros([1], device: device);
        });
        using (Tensor.NewScope())
        {
            gate.Release();
            await otherFlow.ConfigureAwait(false);
        }
        Assert.That(other!.IsDisposed, Is.False, "created in a flow that did not enter the scope");
        other.Dispose();
    }

    [Test]
    public void ScopeCollectsTensorsCreatedConcurrently()
    {
        // Parallel work inside a scope inherits it (AsyncLocal flows into tasks); none may be lost.
        const int n = 2000;
        var made = new Tensor[n];
        using (Tensor.NewScope())
        {
            Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => made[i] = Tensor.Zeros([1], device: device));
        }
        Assert.That(made.Count(t => !t.IsDisposed), Is.Zero);
    }
}

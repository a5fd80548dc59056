using CudaTensor.Backends.Cuda;
using CudaTensor.CudaRuntime;
using CudaTensor.NN;
using CudaTensor.Optim;
using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.CudaBackend;

/// <summary>
/// <see cref="CudaGraph"/>: captured work replayed against eager results on fresh random inputs, a captured SGD training
/// step against eager steps, the operations a capture refuses, the graph-private memory pool, and the deferred
/// device-side index checks (eager and inside a graph). Small tensors: CI runs this on the virtual device.
/// </summary>
public sealed class CudaGraphTests : GpuFixture
{
    private static Tensor Rand(Generator g, params long[] shape) => Tensor.Randn(shape, DType.Float32, Device.Cuda(), generator: g);

    private static void AssertClose(Tensor expected, Tensor actual, double tol, string what)
    {
        var e = expected.ToArray<float>();
        var a = actual.ToArray<float>();
        Assert.That(a, Has.Length.EqualTo(e.Length), what);
        for (int i = 0; i < e.Length; i++)
            Assert.That(a[i], Is.EqualTo(e[i]).Within(tol + tol * Math.Abs(e[i])), $"{what}: element {i}");
    }

    private static ulong Address(Tensor t) => ((CudaStorage)t.Storage).Address;

    private CudaDeviceContext Context => CudaDeviceContext.For(Gpu.Index);

    [Test]
    public void ReplayFollowsInputsChangedInPlace()
    {
        var gen = new Generator(7);
        using var x = Rand(gen, 4, 8);
        using var w = Rand(gen, 8, 3);
        using var b = Rand(gen, 3);
        using (var warm = (x.MatMul(w) + b).Relu()) { } // compiles the kernels outside the capture
        using var graph = new CudaGraph(Gpu);
        Tensor y, s;
        using (graph.Capture())
        {
            y = (x.MatMul(w) + b).Relu();
            using var sq = y * y;
            s = sq.Sum(1);
        }
        Assert.That(graph.IsReady, Is.True);
        using (y)
        using (s)
        {
            for (int round = 0; round < 3; round++)
            {
                using var fresh = Tensor.Randn([4, 8], DType.Float32, generator: new Generator(100 + (ulong)round));
                using var xe = fresh.To(Gpu);
                x.CopyFrom(xe);
                graph.Replay();
                using var ye = (xe.MatMul(w) + b).Relu();
                using var se = (ye * ye).Sum(1);
                AssertClose(ye, y, 1e-5, $"round {round}: relu(xW + b)");
                AssertClose(se, s, 1e-5, $"round {round}: row sums of squares");
            }
        }
    }

    [Test]
    public void ReplayManyTimesAccumulates()
    {
        using var acc = Tensor.Zeros([5], DType.Float32, Gpu);
        using var step = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5 }, [5], Gpu);
        acc.AddInPlace(step); // warm-up: compiles the kernel
        using var graph = CudaGraph.Capture(() => acc.AddInPlace(step), Gpu);
        for (int i = 0; i < 40; i++) graph.Replay();
        Assert.That(acc.ToArray<float>(), Is.EqualTo(new float[] { 41, 82, 123, 164, 205 }));
    }

    [Test]
    public void CapturedSgdTrainingStepMatchesEagerSteps()
    {
        const int Steps = 4;
        using var eagerModel = Mlp();
        using var graphModel = Mlp();
        using var eagerOpt = new SGD(eagerModel.Parameters(), lr: 0.1);
        using var graphOpt = new SGD(graphModel.Parameters(), lr: 0.1);
        using var lossFn = new CrossEntropyLoss();
        using var x = Tensor.Zeros([8, 6], DType.Float32, Gpu);
        using var y = Tensor.Zeros([8], DType.Int64, Gpu);
        Tensor? StepOf(Module model, Optimizer opt)
        {
            opt.ZeroGrad();
            using var logits = model.Forward(x);
            var loss = lossFn.Forward(logits, y);
            loss.Backward();
            opt.Step();
            return loss;
        }
        void Batch(int i)
        {
            using var xs = Tensor.Randn([8, 6], DType.Float32, generator: new Generator(50 + (ulong)i));
            using var ys = Tensor.FromArray(Enumerable.Range(0, 8).Select(k => (long)((k * 7 + i) % 3)).ToArray(), [8], Gpu);
            using var xg = xs.To(Gpu);
            x.CopyFrom(xg);
            y.CopyFrom(ys);
        }
        // One eager step on both (warm-up: kernels compiled, gradients exist), then N eager steps vs N replays.
        Batch(0);
        StepOf(eagerModel, eagerOpt)!.Dispose();
        StepOf(graphModel, graphOpt)!.Dispose();
        using var graph = new CudaGraph(Gpu);
        Tensor capturedLoss;
        using (graph.Capture()) capturedLoss = StepOf(graphModel, graphOpt)!;
        using (capturedLoss)
        {
            for (int i = 1; i <= Steps; i++)
            {
                Batch(i);
                using var eagerLoss = StepOf(eagerModel, eagerOpt)!;
                graph.Replay();
                Assert.That(capturedLoss.Item<float>(), Is.EqualTo(eagerLoss.Item<float>()).Within(1e-5), $"loss of step {i}");
            }
        }
        foreach (var (e, g) in eagerModel.Parameters().Zip(graphModel.Parameters())) AssertClose(e, g, 1e-5, "parameters after the steps");

        Sequential Mlp() => new(new Linear(6, 16, device: Gpu, generator: new Generator(3)), new ReLU(), new Linear(16, 3, device: Gpu, generator: new Generator(4)));
    }

    [Test]
    public void EagerTrainingStepSynchronizesOnlyWhenTheLossIsRead()
    {
        using var model = new Sequential(new Linear(6, 16, device: Gpu, generator: new Generator(3)), new ReLU(), new Linear(16, 3, device: Gpu, generator: new Generator(4)));
        using var opt = new SGD(model.Parameters(), lr: 0.1);
        using var x = Tensor.Randn([8, 6], DType.Float32, Gpu, generator: new Generator(5));
        using var y = Tensor.FromArray(new long[] { 0, 1, 2, 0, 1, 2, 0, 1 }, [8], Gpu);
        for (int i = 0; i < 2; i++)
        {
            long before = Context.HostSynchronizations;
            opt.ZeroGrad();
            using var logits = model.Forward(x);
            using var loss = F.CrossEntropy(logits, y);
            loss.Backward();
            opt.Step();
            Assert.That(Context.HostSynchronizations - before, Is.Zero, "host synchronizations of a cross-entropy training step");
            Assert.That(loss.Item<float>(), Is.GreaterThan(0));
            Assert.That(Context.HostSynchronizations - before, Is.EqualTo(1), "reading the loss synchronizes once");
        }
    }

    [Test]
    public void RefusedOperationsThrowAndLeaveTheLibraryUsable()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3 }, [3], Gpu);
        using (var warm = x * 2) { }
        var refused = new (string Name, Action<Tensor> Op, string Expected)[]
        {
            ("ToArray", t => t.ToArray<float>(), "Reading tensor values on the host"),
            ("Item", t => t.Sum().Item<float>(), "Reading tensor values on the host"),
            ("Cuda.Synchronize", _ => Cuda.Synchronize(Gpu), "Cuda.Synchronize"),
            ("stream synchronize", _ => Cuda.CurrentStream(Gpu).Synchronize(), "CudaStream.Synchronize"),
            ("host copy", _ => Tensor.FromArray(new float[] { 4, 5, 6 }, [3], Gpu).Dispose(), "Copying host data to the device"),
        };
        foreach (var (name, op, expected) in refused)
        {
            using var graph = new CudaGraph(Gpu);
            Tensor? y = null;
            var e = Assert.Throws<CudaGraphCaptureException>(() =>
            {
                using (graph.Capture())
                {
                    y = x * 2;
                    op(y);
                }
            }, name)!;
            Assert.That(e.Message, Does.StartWith(expected).And.Contain("cannot run inside CudaGraph.Capture"), name);
            Assert.That(graph.IsReady, Is.False, name);
            Assert.That(() => graph.Replay(), Throws.InvalidOperationException.With.Message.Contains(expected), name);
            y?.Dispose();
            // The stream and the device work as before, and a new capture succeeds.
            using (var z = x * 3) Assert.That(z.ToArray<float>(), Is.EqualTo(new float[] { 3, 6, 9 }), name);
            Tensor? w = null;
            using (var again = CudaGraph.Capture(() => w = x + 1, Gpu))
            {
                again.Replay();
                Assert.That(w!.ToArray<float>(), Is.EqualTo(new float[] { 2, 3, 4 }), name);
            }
            w.Dispose();
        }
    }

    [Test]
    public void CaptureOnTheSameDeviceTwiceAtOnceIsRefused()
    {
        using var a = new CudaGraph(Gpu);
        using var b = new CudaGraph(Gpu);
        using (a.Capture())
        {
            Assert.That(() => b.Capture(), Throws.InvalidOperationException.With.Message.Contains("another capture"));
        }
        Assert.That(() => a.Capture(), Throws.InvalidOperationException.With.Message.Contains("already captured"));
    }

    [Test]
    public void EagerIndexErrorsAreReportedAtTheNextSynchronization()
    {
        using var src = Tensor.FromArray(new float[] { 10, 20, 30, 40 }, [4], Gpu);
        using var bad = Tensor.FromArray(new long[] { 1, 9 }, [2], Gpu);
        using var good = Tensor.FromArray(new long[] { 3, 0 }, [2], Gpu);
        using var r = src.Gather(0, bad); // queued; the kernel skips index 9
        Assert.That(Context.ErrorLog.PendingCount, Is.GreaterThan(0));
        Assert.That(() => r.ToArray<float>(), Throws.InstanceOf<ArgumentOutOfRangeException>()
            .With.Message.EqualTo("Gather: index 9 is out of bounds for dimension 0 with size 4; valid indices are 0..3. (Parameter 'index')"));
        using var ok = src.Gather(0, good);
        Assert.That(ok.ToArray<float>(), Is.EqualTo(new float[] { 40, 10 }), "reported once; later work is unaffected");
    }

    [Test]
    public void IndexErrorsOfAReplayAreReportedAtTheNextSynchronization()
    {
        using var src = Tensor.FromArray(new float[] { 10, 20, 30, 40 }, [4], Gpu);
        using var index = Tensor.FromArray(new long[] { 3, 0 }, [2], Gpu);
        using (var warm = src.Gather(0, index)) { }
        Tensor r = null!;
        using var graph = CudaGraph.Capture(() => r = src.Gather(0, index), Gpu);
        using (r)
        {
            graph.Replay();
            Assert.That(r.ToArray<float>(), Is.EqualTo(new float[] { 40, 10 }));
            using (var bad = Tensor.FromArray(new long[] { 2, -7 }, [2], Gpu)) index.CopyFrom(bad);
            graph.Replay();
            Assert.That(() => Cuda.Synchronize(Gpu), Throws.InstanceOf<ArgumentOutOfRangeException>()
                .With.Message.StartsWith("Gather: index -7 is out of bounds for dimension 0 with size 4"));
            using (var fixedIndex = Tensor.FromArray(new long[] { 1, 2 }, [2], Gpu)) index.CopyFrom(fixedIndex);
            graph.Replay();
            Assert.That(r.ToArray<float>(), Is.EqualTo(new float[] { 20, 30 }), "the replay re-arms its slots");
        }
    }

    [Test]
    public void CrossEntropyTargetErrorInsideAGraphIsReportedAfterTheReplay()
    {
        using var logits = Tensor.Randn([4, 3], DType.Float32, Gpu, generator: new Generator(2));
        using var target = Tensor.FromArray(new long[] { 0, 1, 2, 1 }, [4], Gpu);
        using (var warm = F.CrossEntropy(logits, target)) { }
        Tensor loss = null!;
        using var graph = CudaGraph.Capture(() => loss = F.CrossEntropy(logits, target), Gpu);
        using (loss)
        {
            using (var bad = Tensor.FromArray(new long[] { 0, 5, 2, 1 }, [4], Gpu)) target.CopyFrom(bad);
            graph.Replay();
            Assert.That(() => loss.Item<float>(), Throws.InstanceOf<ArgumentOutOfRangeException>()
                .With.Message.StartsWith("CrossEntropy: target 5 is out of bounds for 3 classes"));
        }
    }

    [Test]
    public void PrivatePoolMemoryIsNotReusedWhileTheGraphLivesAndIsReleasedOnDispose()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, [4], Gpu);
        using (var warm = x * 2) { }
        Cuda.EmptyCache(Gpu);
        var before = Cuda.MemoryStats(Gpu);
        var graph = new CudaGraph(Gpu);
        Tensor kept;
        ulong freedInside;
        using (graph.Capture())
        {
            var temp = x * 2;
            freedInside = Address(temp);
            temp.Dispose(); // back to the graph's pool only
            kept = x + 1;
        }
        var during = Cuda.MemoryStats(Gpu);
        Assert.That(during.ReservedBytes, Is.GreaterThan(before.ReservedBytes), "the graph reserved its own segment");
        var others = new List<Tensor>();
        for (int i = 0; i < 8; i++) others.Add(x * (i + 3));
        Assert.That(others.Select(Address), Has.None.EqualTo(freedInside).And.None.EqualTo(Address(kept)),
            "blocks of the graph's pool are not handed to other tensors");
        graph.Replay();
        Assert.That(kept.ToArray<float>(), Is.EqualTo(new float[] { 2, 3, 4, 5 }));
        foreach (var t in others) t.Dispose();
        graph.Dispose();
        Assert.That(Cuda.MemoryStats(Gpu).ReservedBytes, Is.GreaterThan(before.ReservedBytes), "a live tensor of the graph keeps its segment");
        kept.Dispose();
        Cuda.EmptyCache(Gpu);
        var after = Cuda.MemoryStats(Gpu);
        Assert.That(after.ReservedBytes, Is.EqualTo(before.ReservedBytes), "the graph's memory is released");
        Assert.That(after.AllocatedBytes, Is.EqualTo(before.AllocatedBytes));
    }

    [Test]
    public void AnAllocationThePoolCannotServeWithoutTheDriverIsRefused()
    {
        using var x = Tensor.Zeros([4], DType.Float32, Gpu);
        using (var warm = x + 1) { }
        Cuda.EmptyCache(Gpu); // no cached segment the capture could claim
        using var graph = new CudaGraph(Gpu);
        var e = Assert.Throws<CudaGraphCaptureException>(() =>
        {
            using (graph.Capture())
            {
                using var big = Tensor.Zeros([1 << 20], DType.Float32, Gpu); // 4 MiB: no reservation, no cached segment
            }
        })!;
        Assert.That(e.Message, Does.Contain("cuMemAlloc").And.Contain("reserveBytes"));
        using var reserved = new CudaGraph(Gpu, reserveBytes: 4 << 20);
        Tensor big = null!;
        using (reserved.Capture()) big = Tensor.Zeros([1 << 20], DType.Float32, Gpu);
        using (big)
        {
            reserved.Replay();
            using var s = big.Sum();
            Assert.That(s.Item<float>(), Is.Zero);
        }
    }
}

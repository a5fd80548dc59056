using CudaTensor.Compilation;
using CudaTensor.Native;
using CudaTensor.NN;
using CudaTensor.Optim;
using CudaTensor.Tests.CudaBackend;
using CudaTensor.Tests.Optim;
using NUnit.Framework;

namespace CudaTensor.Tests.Compilation;

/// <summary>
/// A compiled CUDA function replayed as one CUDA graph (<see cref="CompileOptions.CudaGraphs"/>): a training step
/// with capturable Adam against eager steps (parameters, gradients, optimizer state), launches per step, the reasons
/// that keep a signature on node-by-node replay, and guards that still retrace. cuda:0 (the virtual device in CI).
/// </summary>
public sealed class CudaGraphCompileTests : GpuFixture
{
    private sealed class Trainer : IDisposable
    {
        public Trainer(Device device, bool capturable, bool compile, bool dropout = false)
        {
            Model = dropout
                ? new Sequential(new Linear(6, 16, device: device, generator: new Generator(3)), new ReLU(), new Dropout(0.25), new Linear(16, 3, device: device, generator: new Generator(4)))
                : new Sequential(new Linear(6, 16, device: device, generator: new Generator(3)), new ReLU(), new Linear(16, 3, device: device, generator: new Generator(4)));
            Optimizer = new Adam(Model.Parameters(), lr: 0.01, capturable: capturable);
            Func<Tensor, Tensor, Tensor> body = (x, y) =>
            {
                Optimizer.ZeroGrad();
                var loss = LossFn.Forward(Model.Forward(x), y);
                loss.Backward();
                Optimizer.Step();
                return loss;
            };
            Step = compile ? Compile.Function(body) : body;
        }

        public Sequential Model { get; }

        public Optimizer Optimizer { get; }

        public CrossEntropyLoss LossFn { get; } = new();

        public Func<Tensor, Tensor, Tensor> Step { get; }

        public void Dispose()
        {
            Optimizer.Dispose();
            Model.Dispose();
        }
    }

    private (Tensor X, Tensor Y) Batch(int i, int rows = 8)
    {
        var x = Tensor.Randn([rows, 6], DType.Float32, generator: new Generator(100 + (ulong)i)).To(Gpu);
        var y = Tensor.FromArray(Enumerable.Range(0, rows).Select(k => (long)((k * 7 + i) % 3)).ToArray(), [rows], Gpu);
        return (x, y);
    }

    private static GraphExecutor Executor(Delegate compiled, int entry = 0) => Compile.Find(compiled)!.Entries[entry].Executor!;

    [Test]
    public void TrainingStepWithCapturableAdamReplaysAsOneGraphAndMatchesEager()
    {
        const int Steps = 8;
        using var scope = Tensor.NewScope();
        using var eager = new Trainer(Gpu, capturable: false, compile: false);
        using var compiled = new Trainer(Gpu, capturable: true, compile: true);
        long eagerKernels = 0, compiledKernels = 0, compiledGraphs = 0;
        for (int i = 0; i < Steps; i++)
        {
            var (x, y) = Batch(i);
            long k0 = Driver.KernelLaunches;
            using var le = eager.Step(x, y);
            long k1 = Driver.KernelLaunches, g1 = Driver.GraphLaunches;
            using var lc = compiled.Step(x, y);
            if (i == Steps - 1)
            {
                eagerKernels = k1 - k0;
                compiledKernels = Driver.KernelLaunches - k1;
                compiledGraphs = Driver.GraphLaunches - g1;
            }
            Assert.That(lc.Item<float>(), Is.EqualTo(le.Item<float>()).Within(1e-5), $"loss of step {i}");
        }
        foreach (var (e, c) in eager.Model.Parameters().Zip(compiled.Model.Parameters()))
        {
            CapturableAdam.Close(e, c, 1e-5, "parameters");
            CapturableAdam.Close(e.Grad!, c.Grad!, 1e-5, "gradients");
            CapturableAdam.Close(eager.Optimizer.State[e].Tensors["exp_avg"], compiled.Optimizer.State[c].Tensors["exp_avg"], 1e-5, "exp_avg");
            CapturableAdam.Close(eager.Optimizer.State[e].Tensors["exp_avg_sq"], compiled.Optimizer.State[c].Tensors["exp_avg_sq"], 1e-5, "exp_avg_sq");
            Assert.That(compiled.Optimizer.State[c].Tensors["step"].ToDouble(), Is.EqualTo(Steps), "the device step count");
        }
        var graph = Executor(compiled.Step).CudaGraph!;
        Assert.That(graph.GaveUp, Is.Null);
        Assert.That(graph.Captures, Is.EqualTo(1), "captured once");
        Assert.That(graph.GraphLaunches, Is.EqualTo(Steps - 3), "every call after warm-up, trace and the first replay is one graph launch");
        Assert.That(compiledGraphs, Is.EqualTo(1), "one graph launch per compiled step");
        Assert.That(compiledKernels, Is.EqualTo(0), "no kernel launched outside the graph (arguments and outputs are copies)");
        Assert.That(eagerKernels, Is.GreaterThan(20));
        TestContext.Out.WriteLine($"launches per step: eager {eagerKernels} kernels; compiled 1 graph launch holding {graph.KernelsPerGraph} kernels, {compiledKernels} kernels outside it");
        var (bx, by) = Batch(Steps);
        Assert.That(Compile.Explain(compiled.Step, bx, by), Does.Contain("cuda graph: one CUDA graph launch per call"));
    }

    [Test]
    public void HostStepCountsAndRandomDrawsKeepNodeReplayWithAReason()
    {
        using var scope = Tensor.NewScope();
        using var eager = new Trainer(Gpu, capturable: false, compile: false);
        using var plain = new Trainer(Gpu, capturable: false, compile: true);
        using var dropout = new Trainer(Gpu, capturable: true, compile: true, dropout: true);
        for (int i = 0; i < 4; i++)
        {
            var (x, y) = Batch(i);
            using var le = eager.Step(x, y);
            using var lp = plain.Step(x, y);
            dropout.Step(x, y).Dispose();
            Assert.That(lp.Item<float>(), Is.EqualTo(le.Item<float>()).Within(1e-5), $"loss of step {i}");
        }
        var (bx, by) = Batch(9);
        Assert.That(Compile.Explain(plain.Step, bx, by), Does.Contain("not as a CUDA graph: AdamStep").And.Contain("capturable: true"));
        Assert.That(Compile.Explain(dropout.Step, bx, by), Does.Contain("not as a CUDA graph: Random."));
        Assert.That(Executor(plain.Step).CudaGraph, Is.Null);
    }

    [Test]
    public void SchedulerChangesRecaptureAndGuardsRetrace()
    {
        using var scope = Tensor.NewScope();
        using var eager = new Trainer(Gpu, capturable: false, compile: false);
        using var compiled = new Trainer(Gpu, capturable: true, compile: true);
        var s1 = new StepLR(eager.Optimizer, stepSize: 2, gamma: 0.5);
        var s2 = new StepLR(compiled.Optimizer, stepSize: 2, gamma: 0.5);
        for (int i = 0; i < 9; i++)
        {
            // A new batch size at step 6: a new signature, traced again (and graph-replayed from its second replay).
            var (x, y) = Batch(i, rows: i < 6 ? 8 : 5);
            using var le = eager.Step(x, y);
            using var lc = compiled.Step(x, y);
            Assert.That(lc.Item<float>(), Is.EqualTo(le.Item<float>()).Within(1e-5), $"loss of step {i}");
            s1.Step();
            s2.Step();
        }
        foreach (var (e, c) in eager.Model.Parameters().Zip(compiled.Model.Parameters())) CapturableAdam.Close(e, c, 1e-5, "parameters");
        var entries = Compile.Find(compiled.Step)!.Entries;
        Assert.That(entries, Has.Count.EqualTo(2), "the batch-size change retraced");
        var first = entries.Select(e => e.Executor!).Single(e => e.Graph.Buffers.Any(b => b.Kind == BufferKind.Input && b.ByteLength == 8 * 6 * 4));
        Assert.That(first.CudaGraph!.GaveUp, Is.Null);
        Assert.That(first.CudaGraph.Captures, Is.EqualTo(2), "the learning rate changed during graph replay (before call 4): one new capture");
    }
}

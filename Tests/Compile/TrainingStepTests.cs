using CudaTensor.Compilation;
using CudaTensor.NN;
using CudaTensor.Optim;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Compilation;

/// <summary>A whole training step (zero grad, forward, loss, backward, optimizer step) compiled against the same steps run eagerly.</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class TrainingStepTests(Device device)
{
    private sealed class Trainer : IDisposable
    {
        public Trainer(Device device, DType dtype, Func<IEnumerable<Tensor>, Optimizer> optimizer, Loss loss, bool compile)
        {
            Model = new Sequential(
                new Linear(8, 16, dtype: dtype, generator: new Generator(1)), new ReLU(),
                new Linear(16, 4, dtype: dtype, generator: new Generator(2))).To(device);
            Optimizer = optimizer(Model.Parameters());
            Scheduler = new StepLR(Optimizer, stepSize: 2, gamma: 0.5);
            Func<Tensor, Tensor, Tensor> body = (x, y) =>
            {
                Optimizer.ZeroGrad();
                var l = loss.Forward(Model.Forward(x), y);
                l.Backward();
                Optimizer.Step();
                return l;
            };
            Step = compile ? Compile.Function(body) : body;
        }

        public Sequential Model { get; }

        public Optimizer Optimizer { get; }

        public StepLR Scheduler { get; }

        public Func<Tensor, Tensor, Tensor> Step { get; }

        public void Dispose()
        {
            Optimizer.Dispose();
            Model.Dispose();
        }
    }

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            yield return new TestCaseData("Adam", dtype);
            yield return new TestCaseData("AdamW", dtype);
            yield return new TestCaseData("SGD", dtype);
            yield return new TestCaseData("RMSprop", dtype);
        }
    }

    private static Func<IEnumerable<Tensor>, Optimizer> Optimizer(string name) => name switch
    {
        "Adam" => ps => new Adam(ps, lr: 0.05, weightDecay: 0.01),
        "AdamW" => ps => new AdamW(ps, lr: 0.05, weightDecay: 0.1, amsgrad: true),
        "SGD" => ps => new SGD(ps, lr: 0.1, momentum: 0.9, weightDecay: 0.01),
        _ => ps => new RMSprop(ps, lr: 0.01, momentum: 0.5, weightDecay: 0.01),
    };

    [TestCaseSource(nameof(Cases))]
    public void StepsMatchEagerWithScheduledLearningRate(string optimizer, DType dtype)
    {
        using var eager = new Trainer(device, dtype, Optimizer(optimizer), new CrossEntropyLoss(), compile: false);
        using var compiled = new Trainer(device, dtype, Optimizer(optimizer), new CrossEntropyLoss(), compile: true);
        double rtol = dtype == DType.Float64 ? 0 : 1e-5;
        for (ulong step = 0; step < 6; step++)
        {
            using var x = Tensor.Randn([6, 8], dtype, generator: new Generator(100 + step)).To(device);
            using var y = Tensor.RandInt(0, 4, [6], generator: new Generator(200 + step)).To(device);
            using var expected = eager.Step(x, y);
            using var actual = compiled.Step(x, y);
            CompileAssert.Same(expected, actual, rtol, $"loss of step {step}");
            eager.Scheduler.Step();
            compiled.Scheduler.Step();
        }
        var pe = eager.Model.Parameters().ToList();
        var pc = compiled.Model.Parameters().ToList();
        for (int i = 0; i < pe.Count; i++)
        {
            CompileAssert.Same(pe[i], pc[i], rtol, $"parameter {i}");
            CompileAssert.Same(pe[i].Grad!, pc[i].Grad!, rtol, $"gradient {i}");
            var se = eager.Optimizer.State[pe[i]];
            var sc = compiled.Optimizer.State[pc[i]];
            Assert.That(sc.Step, Is.EqualTo(se.Step), $"step count {i}");
            Assert.That(sc.Tensors.Keys, Is.EquivalentTo(se.Tensors.Keys));
            foreach (var (key, t) in se.Tensors) CompileAssert.Same(t, sc.Tensors[key], rtol, $"{key} {i}");
        }
        var entry = Compile.Find(compiled.Step)!.Entries.Single();
        Assert.That(entry.Stage, Is.EqualTo(CompiledFunction.Stage.Traced), entry.Reason);
        Assert.That(entry.Executor!.Replays, Is.EqualTo(4));
    }

    [Test]
    public void ReplayAllocatesOnlyTheReturnedLoss()
    {
        using var trainer = new Trainer(device, DType.Float32, ps => new Adam(ps, lr: 0.01), new MSELoss(), compile: true);
        using var x = Tensor.Randn([6, 8], generator: new Generator(1)).To(device);
        using var y = Tensor.Randn([6, 4], generator: new Generator(2)).To(device);
        for (int call = 0; call < 3; call++) trainer.Step(x, y).Dispose();
        var executor = Compile.Find(trainer.Step)!.Entries.Single().Executor!;
        long before = executor.Allocations;
        var stats = global::CudaTensor.Cpu.MemoryStats();
        trainer.Step(x, y).Dispose();
        var after = global::CudaTensor.Cpu.MemoryStats();
        Assert.That(executor.Allocations - before, Is.EqualTo(1));
        if (device.IsCpu) Assert.That(after.Allocations - stats.Allocations, Is.EqualTo(1), "CPU pool blocks handed out by one replay");
        Assert.That(executor.Graph.Slots, Is.Not.Empty, "the temporaries live in the arena");
    }

    [Test]
    public void GradientsSetToNullBetweenCallsRetraceAndStayCorrect()
    {
        using var eager = new Trainer(device, DType.Float64, ps => new SGD(ps, lr: 0.1), new MSELoss(), compile: false);
        using var compiled = new Trainer(device, DType.Float64, ps => new SGD(ps, lr: 0.1), new MSELoss(), compile: true);
        using var x = Tensor.Randn([6, 8], DType.Float64, generator: new Generator(1)).To(device);
        using var y = Tensor.Randn([6, 4], DType.Float64, generator: new Generator(2)).To(device);
        for (int call = 0; call < 4; call++)
        {
            eager.Step(x, y).Dispose();
            compiled.Step(x, y).Dispose();
        }
        // Outside the step: the graph's .Grad buffers are no longer anyone's, so the capture is stale.
        eager.Optimizer.ZeroGrad();
        compiled.Optimizer.ZeroGrad();
        for (int call = 0; call < 2; call++)
        {
            eager.Step(x, y).Dispose();
            compiled.Step(x, y).Dispose();
        }
        var pe = eager.Model.Parameters().ToList();
        var pc = compiled.Model.Parameters().ToList();
        for (int i = 0; i < pe.Count; i++)
        {
            CompileAssert.Same(pe[i], pc[i], 0, $"parameter {i}");
            CompileAssert.Same(pe[i].Grad!, pc[i].Grad!, 0, $"gradient {i}");
        }
        Assert.That(Compile.Find(compiled.Step)!.Entries.Single().Events, Has.Some.StartsWith("retraced"));
    }

    [Test]
    public void ExplainReportsTheCapturedTrainingStep()
    {
        using var trainer = new Trainer(device, DType.Float32, ps => new Adam(ps, lr: 0.01), new CrossEntropyLoss(), compile: true);
        using var x = Tensor.Randn([6, 8], generator: new Generator(1)).To(device);
        using var y = Tensor.RandInt(0, 4, [6], generator: new Generator(2)).To(device);
        string report = Compile.Explain(trainer.Step, x, y);
        TestContext.Out.WriteLine(report);
        Assert.That(report, Does.Contain("CrossEntropyForward").And.Contain("CrossEntropyBackward"));
        Assert.That(report, Does.Contain("AdamStep").And.Contain("[live arguments]"));
        Assert.That(report, Does.Contain("MatMul"));
        Assert.That(report, Does.Contain("State:").And.Contain("Persistent:"));
        // Explain ran the warm-up and the trace: the third call replays.
        trainer.Step(x, y).Dispose();
        Assert.That(Compile.Find(trainer.Step)!.Entries.Single().Executor!.Replays, Is.EqualTo(1));
    }
}

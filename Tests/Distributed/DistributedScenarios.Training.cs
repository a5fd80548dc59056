using CudaTensor.Distributed;
using CudaTensor.NN;
using CudaTensor.Optim;

namespace CudaTensor.Tests.Distributed;

// Data, tensor and pipeline parallel training against the same model trained in one process on the whole batch.
// Every rank computes the single-process reference itself (same seeds), so each rank checks its own results.
public static partial class DistributedScenarios
{
    private const int Batch = 8;

    private static void RegisterTraining()
    {
        Scenarios["ddp-float64"] = g => DdpMatchesOneProcess(g, DType.Float64, accumulate: false, 1e-6);
        Scenarios["ddp-float32"] = g => DdpMatchesOneProcess(g, DType.Float32, accumulate: false, 1e-5);
        Scenarios["ddp-nosync"] = g => DdpMatchesOneProcess(g, DType.Float64, accumulate: true, 1e-6);
        Scenarios["ddp-unused"] = DdpWithUnusedParameters;
        Scenarios["ddp-unused-error"] = DdpUnusedParameterError;
        Scenarios["tp-linear"] = TensorParallelLinears;
        Scenarios["tp-mlp"] = TensorParallelMlpBlock;
        Scenarios["tp-embedding"] = VocabParallelEmbeddingLookup;
        Scenarios["pipeline-gpipe"] = g => PipelineMatchesOneProcess(g, PipelineSchedule.GPipe);
        Scenarios["pipeline-1f1b"] = g => PipelineMatchesOneProcess(g, PipelineSchedule.OneFOneB);
    }

    private static Sequential Mlp(DType dtype, ulong seed)
    {
        Tensor.ManualSeed(seed);
        return new Sequential(new Linear(6, 32, dtype: dtype), new Tanh(), new Linear(32, 24, dtype: dtype), new Tanh(), new Linear(24, 3, dtype: dtype));
    }

    private static (Tensor X, Tensor Y) Data(DType dtype, int step)
    {
        Tensor.ManualSeed(1000 + (ulong)step);
        return (Tensor.Randn([Batch, 6], dtype), Tensor.Randn([Batch, 3], dtype));
    }

    private static Tensor Mse(Tensor output, Tensor target)
    {
        var d = output - target;
        return (d * d).Mean();
    }

    private static Tensor Rows(Tensor t, long start, long count) => t.Narrow(0, start, count);

    private static void ExpectClose(string what, Tensor? actual, Tensor? expected, double tolerance)
    {
        Expect(actual is not null && expected is not null, $"{what}: gradient missing (actual {(actual is null ? "null" : "set")}, expected {(expected is null ? "null" : "set")})");
        using var e = expected!.To(DType.Float64).Contiguous();
        Expect(what, actual!, e.ToArray<double>(), tolerance);
    }

    // N steps of SGD with momentum: each rank runs DDP on its half of the batch, the reference the whole batch.
    private static void DdpMatchesOneProcess(ProcessGroup g, DType dtype, bool accumulate, double tolerance)
    {
        const int steps = 3;
        var reference = Mlp(dtype, 1);
        // Rank 1 starts from other weights: the constructor must copy rank 0's.
        // Buckets of ~512 bytes in float64 (~256 in float32): the last layer, the middle one, the first one.
        var ddp = new DistributedDataParallel(Mlp(dtype, 1 + (100 * (ulong)g.Rank)), g, bucketCapMiB: 0.0005 * dtype.ElementSize() / 8);
        Expect(ddp.Buckets.Count == 3, $"expected 3 buckets, got {ddp.Buckets.Count}: {Describe(ddp.Buckets)}");
        Expect(ddp.Buckets[0].SequenceEqual(["4.bias", "4.weight"]), $"the first bucket holds the last layer: {Describe(ddp.Buckets)}");
        var optRef = new SGD(reference.Parameters(), lr: 0.1, momentum: 0.9);
        var opt = new SGD(ddp.Parameters(), lr: 0.1, momentum: 0.9);
        long per = Batch / g.WorldSize;
        var named = ddp.Module.NamedParameters().ToList();
        var namedRef = reference.NamedParameters().ToList();
        for (int step = 0; step < steps; step++)
        {
            using var scope = Tensor.NewScope();
            var (x, y) = Data(dtype, step);
            var xs = Rows(x, g.Rank * per, per);
            var ys = Rows(y, g.Rank * per, per);
            opt.ZeroGrad();
            if (accumulate)
            {
                // Two micro-batches: the first accumulates locally, the second's backward averages the sum.
                long half = per / 2;
                using (ddp.NoSync()) (Mse(ddp.Forward(Rows(xs, 0, half)), Rows(ys, 0, half)) * 0.5).Backward();
                // Inside NoSync nothing was averaged: the gradient is this rank's own micro-batch's.
                var local = Autograd.Grad([Mse(reference.Forward(Rows(xs, 0, half)), Rows(ys, 0, half)) * 0.5], [namedRef[0].Parameter])[0];
                ExpectClose($"step {step}: gradient after the NoSync backward", named[0].Parameter.Grad, local, tolerance);
                (Mse(ddp.Forward(Rows(xs, half, half)), Rows(ys, half, half)) * 0.5).Backward();
            }
            else
            {
                Mse(ddp.Forward(xs), ys).Backward();
            }
            optRef.ZeroGrad();
            Mse(reference.Forward(x), y).Backward();
            for (int i = 0; i < named.Count; i++)
                ExpectClose($"step {step}: gradient of {named[i].Name}", named[i].Parameter.Grad, namedRef[i].Parameter.Grad, tolerance);
            // Gradients are views of the buckets: the last layer's weight and bias share one buffer.
            Expect(ReferenceEquals(named[^1].Parameter.Grad!.Storage, named[^2].Parameter.Grad!.Storage), $"step {step}: 4.weight and 4.bias gradients are not views of one bucket");
            opt.Step();
            optRef.Step();
            for (int i = 0; i < named.Count; i++)
                ExpectClose($"step {step}: {named[i].Name} after the update", named[i].Parameter, namedRef[i].Parameter, tolerance);
        }
        var all = ddp.Buckets.SelectMany(b => b).Order().ToList();
        Expect(all.SequenceEqual(named.Select(p => p.Name).Order()), $"after rebuilding, the buckets hold every parameter once: {Describe(ddp.Buckets)}");
    }

    private static string Describe(IReadOnlyList<IReadOnlyList<string>> buckets) => string.Join(" | ", buckets.Select(b => string.Join(",", b)));

    /// <summary>Two layers on the main path, an extra one used when <see cref="UseExtra"/>, and one never used.</summary>
    private sealed class Branchy : Module
    {
        private readonly Linear _a, _b, _extra;

        public Branchy(DType dtype)
        {
            _a = RegisterModule("a", new Linear(6, 16, dtype: dtype));
            _b = RegisterModule("b", new Linear(16, 3, dtype: dtype));
            _extra = RegisterModule("extra", new Linear(6, 3, dtype: dtype));
            RegisterModule("never", new Linear(3, 3, dtype: dtype));
        }

        public bool UseExtra { get; set; }

        public override Tensor Forward(Tensor input)
        {
            var y = _b.Forward(_a.Forward(input).Tanh());
            return UseExtra ? y + _extra.Forward(input) : y;
        }
    }

    // Rank 0 does not use 'extra' (rank 1 does), nobody uses 'never'.
    private static void DdpWithUnusedParameters(ProcessGroup g)
    {
        Expect(g.WorldSize == 2, "this scenario runs on 2 ranks");
        Tensor.ManualSeed(4);
        var reference = new Branchy(DType.Float64);
        Tensor.ManualSeed(4);
        var model = new Branchy(DType.Float64) { UseExtra = g.Rank == 1 };
        var ddp = new DistributedDataParallel(model, g, bucketCapMiB: 0.0005, findUnusedParameters: true);
        var opt = new SGD(ddp.Parameters(), lr: 0.1);
        var optRef = new SGD(reference.Parameters(), lr: 0.1);
        var named = model.NamedParameters().ToList();
        var namedRef = reference.NamedParameters().ToList();
        for (int step = 0; step < 2; step++)
        {
            using var scope = Tensor.NewScope();
            var (x, y) = Data(DType.Float64, step);
            opt.ZeroGrad();
            Mse(ddp.Forward(Rows(x, g.Rank * 4, 4)), Rows(y, g.Rank * 4, 4)).Backward();
            optRef.ZeroGrad();
            reference.UseExtra = false;
            var l0 = Mse(reference.Forward(Rows(x, 0, 4)), Rows(y, 0, 4));
            reference.UseExtra = true;
            var l1 = Mse(reference.Forward(Rows(x, 4, 4)), Rows(y, 4, 4));
            ((l0 + l1) * 0.5).Backward();
            for (int i = 0; i < named.Count; i++)
            {
                if (named[i].Name.StartsWith("never", StringComparison.Ordinal))
                    Expect(named[i].Parameter.Grad is null, $"step {step}: {named[i].Name} is unused on every rank, so its gradient stays null");
                else
                    ExpectClose($"step {step}: gradient of {named[i].Name}", named[i].Parameter.Grad, namedRef[i].Parameter.Grad, 1e-6);
            }
            opt.Step();
            optRef.Step();
        }
    }

    private static void DdpUnusedParameterError(ProcessGroup g)
    {
        Tensor.ManualSeed(4);
        var ddp = new DistributedDataParallel(new Branchy(DType.Float64), g);
        var (x, y) = Data(DType.Float64, 0);
        var loss = Mse(ddp.Forward(x), y);
        try
        {
            loss.Backward();
        }
        catch (InvalidOperationException e)
        {
            Expect(e.Message.Contains("'extra.weight'", StringComparison.Ordinal) && e.Message.Contains("'never.bias'", StringComparison.Ordinal)
                && e.Message.Contains("findUnusedParameters", StringComparison.Ordinal), $"the error names the parameters and the option: {e.Message}");
            return;
        }
        throw new InvalidOperationException("backward with unused parameters did not throw");
    }

    // A loss that weighs every output element differently, so every gradient element is checked.
    private static Tensor WeightedSum(Tensor output)
    {
        using var w = Tensor.Arange(output.NumElements, DType.Float64).View(output.Shape);
        return (output * (w * 0.1 + 0.5)).Sum();
    }

    private static Tensor InputBatch(long features)
    {
        Tensor.ManualSeed(77);
        var x = Tensor.Randn([4, features], DType.Float64);
        x.RequiresGrad = true;
        return x;
    }

    private static void TensorParallelLinears(ProcessGroup g)
    {
        foreach (bool gather in new[] { true, false })
        {
            Tensor.ManualSeed(5);
            var dense = new Linear(6, 8, dtype: DType.Float64);
            Tensor.ManualSeed(5);
            var column = new ColumnParallelLinear(6, 8, g, gatherOutput: gather, dtype: DType.Float64);
            long part = 8 / g.WorldSize;
            var x = InputBatch(6);
            var xd = InputBatch(6);
            var y = column.Forward(x);
            var yd = dense.Forward(xd);
            var expected = gather ? yd : yd.Narrow(1, g.Rank * part, part);
            ExpectClose($"ColumnParallelLinear(gatherOutput: {gather}) output", y, expected, 1e-12);
            WeightedSum(y).Backward();
            WeightedSum(expected).Backward();
            ExpectClose("ColumnParallelLinear weight gradient", column.Weight.Grad, dense.Weight.Grad!.Narrow(0, g.Rank * part, part), 1e-12);
            ExpectClose("ColumnParallelLinear bias gradient", column.Bias!.Grad, dense.Bias!.Grad!.Narrow(0, g.Rank * part, part), 1e-12);
            // Without gathering, each rank's loss covers its own columns only; the input gradient is their sum.
            if (gather) ExpectClose("ColumnParallelLinear input gradient", x.Grad, xd.Grad, 1e-12);
        }
        foreach (bool parallelInput in new[] { false, true })
        {
            Tensor.ManualSeed(6);
            var dense = new Linear(8, 6, dtype: DType.Float64);
            Tensor.ManualSeed(6);
            var row = new RowParallelLinear(8, 6, g, inputIsParallel: parallelInput, dtype: DType.Float64);
            long part = 8 / g.WorldSize;
            var xd = InputBatch(8);
            var full = InputBatch(8);
            Tensor x = full;
            if (parallelInput)
            {
                x = full.Detach().Narrow(1, g.Rank * part, part).Contiguous();
                x.RequiresGrad = true;
            }
            var y = row.Forward(x);
            var yd = dense.Forward(xd);
            ExpectClose($"RowParallelLinear(inputIsParallel: {parallelInput}) output", y, yd, 1e-12);
            WeightedSum(y).Backward();
            WeightedSum(yd).Backward();
            ExpectClose("RowParallelLinear weight gradient", row.Weight.Grad, dense.Weight.Grad!.Narrow(1, g.Rank * part, part), 1e-12);
            ExpectClose("RowParallelLinear bias gradient", row.Bias!.Grad, dense.Bias!.Grad, 1e-12);
            var expectedInputGrad = parallelInput ? xd.Grad!.Narrow(1, g.Rank * part, part) : xd.Grad;
            ExpectClose("RowParallelLinear input gradient", x.Grad, expectedInputGrad, 1e-12);
        }
    }

    private static void TensorParallelMlpBlock(ProcessGroup g)
    {
        Tensor.ManualSeed(8);
        var d1 = new Linear(6, 16, dtype: DType.Float64);
        var d2 = new Linear(16, 6, dtype: DType.Float64);
        Tensor.ManualSeed(8);
        var block = new TensorParallelMlp(6, 16, g, dtype: DType.Float64);
        var x = InputBatch(6);
        var xd = InputBatch(6);
        var y = block.Forward(x);
        var yd = d2.Forward(d1.Forward(xd).Gelu());
        ExpectClose("TensorParallelMlp output", y, yd, 1e-12);
        WeightedSum(y).Backward();
        WeightedSum(yd).Backward();
        long part = 16 / g.WorldSize;
        ExpectClose("fc1 weight gradient", block.Fc1.Weight.Grad, d1.Weight.Grad!.Narrow(0, g.Rank * part, part), 1e-12);
        ExpectClose("fc1 bias gradient", block.Fc1.Bias!.Grad, d1.Bias!.Grad!.Narrow(0, g.Rank * part, part), 1e-12);
        ExpectClose("fc2 weight gradient", block.Fc2.Weight.Grad, d2.Weight.Grad!.Narrow(1, g.Rank * part, part), 1e-12);
        ExpectClose("fc2 bias gradient", block.Fc2.Bias!.Grad, d2.Bias!.Grad, 1e-12);
        ExpectClose("input gradient", x.Grad, xd.Grad, 1e-12);
    }

    private static void VocabParallelEmbeddingLookup(ProcessGroup g)
    {
        Tensor.ManualSeed(9);
        var dense = new Embedding(10, 4, dtype: DType.Float64);
        Tensor.ManualSeed(9);
        var sharded = new VocabParallelEmbedding(10, 4, g, dtype: DType.Float64);
        using var ids = Tensor.FromArray(new long[] { 1, 7, 3, 9, 0, 5, 7 }, [7]);
        var y = sharded.Forward(ids);
        var yd = dense.Forward(ids);
        ExpectClose("VocabParallelEmbedding output", y, yd, 0);
        WeightedSum(y).Backward();
        WeightedSum(yd).Backward();
        long part = 10 / g.WorldSize;
        ExpectClose("VocabParallelEmbedding weight gradient", sharded.Weight.Grad, dense.Weight.Grad!.Narrow(0, g.Rank * part, part), 1e-12);
    }

    private static Module[] PipelineStages(int count)
    {
        Tensor.ManualSeed(3);
        var first = new Sequential(new Linear(6, 16, dtype: DType.Float64), new Tanh());
        var middle = Enumerable.Range(0, count - 2).Select(_ => (Module)new Sequential(new Linear(16, 16, dtype: DType.Float64), new Tanh()));
        var last = new Sequential(new Linear(16, 3, dtype: DType.Float64));
        return [first, .. middle, last];
    }

    private static void PipelineMatchesOneProcess(ProcessGroup g, PipelineSchedule schedule)
    {
        var stages = PipelineStages(g.WorldSize);
        var reference = PipelineStages(g.WorldSize);
        var pipe = new Pipeline(stages, g, microBatches: 4, schedule);
        var (x, y) = Data(DType.Float64, 0);
        var loss = pipe.Step(g.Rank == 0 ? x : null, y, Mse);
        Tensor h = x;
        foreach (var s in reference) h = s.Forward(h);
        var lossRef = Mse(h, y);
        lossRef.Backward();
        if (g.Rank == g.WorldSize - 1) ExpectClose($"{schedule}: loss", loss, lossRef, 1e-12);
        else Expect(loss is null, $"{schedule}: only the last stage returns the loss");
        var mine = stages[g.Rank].NamedParameters().ToList();
        var refs = reference[g.Rank].NamedParameters().ToList();
        for (int i = 0; i < mine.Count; i++)
            ExpectClose($"{schedule}: stage {g.Rank} gradient of {mine[i].Name}", mine[i].Parameter.Grad, refs[i].Parameter.Grad, 1e-12);
    }
}

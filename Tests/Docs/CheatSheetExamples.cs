using CudaTensor.Data;
using CudaTensor.NN;
using CudaTensor.Optim;
using CudaTensor.Serialization;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.Docs;

/// <summary>
/// The C# calls of docs/pytorch-to-cudatensor.md whose argument forms reflection cannot judge (indexers, tuples,
/// lambdas, collection expressions), written out so the compiler checks them; and README's data and checkpoint example,
/// run on small data.
/// </summary>
public sealed class CheatSheetExamples
{
    [Test]
    public void SheetCallsCompileAndRun()
    {
        using var scope = Tensor.NewScope();
        var x = Tensor.Randn([4, 3]);
        var y = Tensor.Randn([4, 3]);
        var a = Tensor.Randn([3]);
        var b = Tensor.Randn([3]);
        var grid = Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 } });
        var shaped = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        Assert.That(grid.Shape.ToArray(), Is.EqualTo(new long[] { 2, 2 }));
        Assert.That(shaped.Shape.ToArray(), Is.EqualTo(new long[] { 2, 3 }));
        var range = Tensor.Arange(0, 1, 0.1);
        Assert.That(range.NumElements, Is.EqualTo(10));
        var rows = x[1..3];
        var column = x[.., 0];
        var last = x[TensorIndex.Ellipsis, ^1];
        var strided = x.Slice(0, step: 2);
        Assert.That(rows.Shape.ToArray(), Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(column.Shape.ToArray(), Is.EqualTo(new long[] { 4 }));
        Assert.That(last.Shape.ToArray(), Is.EqualTo(new long[] { 4 }));
        Assert.That(strided.Shape.ToArray(), Is.EqualTo(new long[] { 2, 3 }));
        var (values, indices) = x.Max(1);
        Assert.That(values.Shape.ToArray(), Is.EqualTo(indices.Shape.ToArray()));
        _ = x.Norm(1, 1);
        _ = x.Pow(y.Abs());
        _ = x.Sum([0, 1]);
        _ = x.Amax([0, 1]);
        _ = x.Var(0, unbiased: false);
        _ = x.BroadcastTo([4, 3]);
        _ = Tensor.Cat([x, y], 1);
        _ = Tensor.Stack([x, y]);
        _ = Tensor.Lerp(a, b, 0.5);
        _ = a.Add(b, alpha: 2);
        var hot = Tensor.FromArray(new long[] { 0, 2 }).OneHot(3);
        Assert.That(hot.Shape.ToArray(), Is.EqualTo(new long[] { 2, 3 }));

        var w = Tensor.Randn([3], requiresGrad: true);
        w.RegisterHook(g => g * 2);
        using (Autograd.NoGrad()) _ = w * 2;
        var grads = Autograd.Grad([(w * w).Sum()], [w], createGraph: true);
        Assert.That(grads[0], Is.Not.Null);

        using var model = new Sequential(new Conv2d(1, 4, 3, padding: "same"), new ReLU(), new MaxPool2d(2, returnIndices: true), new Flatten(), new Linear(16, 2));
        using var opt = new Adam(model.Parameters(), lr: 1e-3, betas: (0.9, 0.999), amsgrad: true);
        var sched = new SequentialLR(opt, [new LinearLR(opt, startFactor: 0.1), new LambdaLR(opt, epoch => 0.95)], [5]);
        var group = new ParamGroup(model.Parameters()) { ["lr"] = 0.1 };
        Assert.That(group.Lr, Is.EqualTo(0.1));
        var output = model.Forward(Tensor.Randn([2, 1, 4, 4]));
        var loss = F.CrossEntropy(output, Tensor.FromArray(new long[] { 0, 1 }));
        loss.Backward();
        GradientClipping.ClipGradNorm(model.Parameters(), 1.0);
        opt.Step();
        sched.Step();
        Assert.That(opt.ParamGroups[0].Lr, Is.GreaterThan(0));
        Assert.That(Init.CalculateGain(Nonlinearity.Relu), Is.EqualTo(Math.Sqrt(2)).Within(1e-15));
        _ = new Unflatten(1, 1, 8, 8);
        _ = new MSELoss(Reduction.Sum);
        _ = new BCEWithLogitsLoss(posWeight: Tensor.Ones([1]));
        _ = F.Dropout(x, 0.1, training: model.IsTraining);
        _ = F.LayerNorm(x, [3]);
        _ = F.Pad(Tensor.Randn([1, 2, 3, 4]), [1, 1, 2, 2], mode: "reflect");
    }

    [Test]
    public void ReadmeDataAndCheckpointExampleRuns()
    {
        using var scope = Tensor.NewScope();
        Tensor.ManualSeed(0);
        var path = Path.Combine(Path.GetTempPath(), $"cheatsheet-{Environment.ProcessId}.safetensors");
        try
        {
            var features = Tensor.Randn([100, 64]);
            var labels = Tensor.RandInt(0, 10, [100]);
            var loader = new DataLoader(new TensorDataset(features, labels), batchSize: 32, shuffle: true);
            using var model = new Sequential(new Linear(64, 128), new ReLU(), new Linear(128, 10));
            using var optimizer = new AdamW(model.Parameters(), lr: 1e-3, betas: (0.9, 0.999), weightDecay: 0.01);
            int batches = 0;
            foreach (var batch in loader)
            {
                var loss = F.CrossEntropy(model.Forward(batch[0]), batch[1]);
                optimizer.ZeroGrad();
                loss.Backward();
                optimizer.Step();
                batches++;
            }
            Assert.That(batches, Is.EqualTo(4));
            SafeTensors.Save(model.StateDict(), path);
            Assert.That(model.LoadStateDict(SafeTensors.Load(path)).ToString(), Is.EqualTo("<All keys matched successfully>"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

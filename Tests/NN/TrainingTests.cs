using CudaTensor.NN;
using CudaTensor.Optim;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.NN;

/// <summary>End-to-end use: forward, loss, backward and a plain SGD update through <see cref="Module.Parameters"/>.</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class TrainingTests(Device device)
{
    private static void SgdStep(IEnumerable<Tensor> parameters, double lr)
    {
        using (global::CudaTensor.Autograd.NoGrad())
        {
            foreach (var p in parameters)
            {
                if (p.Grad is not { } g) continue;
                using var step = g * lr;
                p.SubInPlace(step);
            }
        }
    }

    [Test]
    public void LinearModelSumDecreasesAfterOneStep()
    {
        using var model = new Linear(1000, 10, generator: new Generator(0)).To(device);
        var parameters = model.Parameters().ToList();
        using var x = Tensor.Randn([64, 1000], generator: new Generator(1)).To(device);
        using var y = model.Forward(x);
        using var loss = y.Sum();
        loss.Backward();
        SgdStep(parameters, 1e-3);
        using var y2 = model.Forward(x);
        using var loss2 = y2.Sum();
        Assert.That(loss2.Item<float>(), Is.LessThan(loss.Item<float>()));
    }

    [Test]
    public void SmallClassifierLearnsXorInsideStepScopes()
    {
        using var model = new Sequential(
            new Linear(2, 16, device: device, generator: new Generator(3)),
            new Tanh(),
            new Linear(16, 2, device: device, generator: new Generator(4)));
        var lossFn = new CrossEntropyLoss();
        using var x = Tensor.FromArray(new float[] { 0, 0, 0, 1, 1, 0, 1, 1 }, [4, 2], device);
        using var labels = Tensor.FromArray(new long[] { 0, 1, 1, 0 }, [4], device);
        var parameters = model.Parameters().ToList();
        double last = double.NaN;
        for (int step = 0; step < 300; step++)
        {
            using var scope = Tensor.NewScope();
            var loss = lossFn.Forward(model.Forward(x), labels);
            loss.Backward();
            SgdStep(parameters, 0.5);
            model.ZeroGrad();
            last = loss.ToDouble();
        }
        Assert.That(last, Is.LessThan(0.05));
        using var logits = model.Eval().Forward(x);
        using var predicted = logits.ArgMax(1);
        Assert.That(predicted.ToArray<long>(), Is.EqualTo(new long[] { 0, 1, 1, 0 }));
    }

    [Test]
    public void TrainingContinuesAfterConvertingTheModelWithTheSameParameterList()
    {
        using var model = new Linear(3, 1, device: device, generator: new Generator(5));
        var parameters = model.Parameters().ToList(); // built before the move, like an optimizer
        model.To(DType.Float64);
        using var x = Tensor.Randn([8, 3], DType.Float64, device, generator: new Generator(6));
        using var target = Tensor.Zeros([8, 1], DType.Float64, device);
        double first = double.NaN, last = double.NaN;
        for (int step = 0; step < 50; step++)
        {
            using var scope = Tensor.NewScope();
            var loss = new MSELoss().Forward(model.Forward(x), target);
            loss.Backward();
            SgdStep(parameters, 0.1);
            model.ZeroGrad();
            if (step == 0) first = loss.ToDouble();
            last = loss.ToDouble();
        }
        Assert.That(last, Is.LessThan(first * 0.1));
    }

    /// <summary>One optimizer step on an MSE loss towards zero; returns the loss before the step.</summary>
    private static double OptimizerStep(Module model, Optimizer optimizer, Tensor x, Tensor target)
    {
        using var scope = Tensor.NewScope();
        optimizer.ZeroGrad();
        var loss = new MSELoss().Forward(model.Forward(x), target);
        loss.Backward();
        optimizer.Step();
        return loss.ToDouble();
    }

    private static IEnumerable<TestCaseData> OptimizerFactories()
    {
        yield return new TestCaseData(new Func<IEnumerable<Tensor>, Optimizer>(ps => new Adam(ps, lr: 0.05))).SetArgDisplayNames("Adam");
        yield return new TestCaseData(new Func<IEnumerable<Tensor>, Optimizer>(ps => new SGD(ps, lr: 0.1, momentum: 0.9))).SetArgDisplayNames("SGD");
    }

    [TestCaseSource(nameof(OptimizerFactories))]
    public void OptimizerBuiltBeforeToFloat64UpdatesTheMovedParameters(Func<IEnumerable<Tensor>, Optimizer> create)
    {
        using var model = new Sequential(
            new Linear(3, 4, device: device, generator: new Generator(7)),
            new Tanh(),
            new Linear(4, 1, device: device, generator: new Generator(8)));
        using var optimizer = create(model.Parameters());
        model.To(DType.Float64);
        foreach (var p in model.Parameters()) Assert.That(p.DType, Is.EqualTo(DType.Float64));
        var before = model.Parameters().Select(TensorAssert.ToDoubles).ToList();

        using var x = Tensor.Randn([16, 3], DType.Float64, device, generator: new Generator(9));
        using var target = Tensor.Zeros([16, 1], DType.Float64, device);
        double first = OptimizerStep(model, optimizer, x, target);
        var after = model.Parameters().Select(TensorAssert.ToDoubles).ToList();
        for (int i = 0; i < before.Count; i++)
            Assert.That(after[i], Is.Not.EqualTo(before[i]), $"parameter {i} was not updated by the optimizer built before the move");
        // The optimizer holds the very tensors the model computes with, now in float64.
        Assert.That(optimizer.ParamGroups.SelectMany(g => g.Params).ToArray(), Is.EqualTo(model.Parameters().ToArray()).Using<Tensor>(ReferenceEquals));
        foreach (var p in model.Parameters()) Assert.That(p.DType == DType.Float64 && p.IsLeaf && p.RequiresGrad, Is.True);

        double last = first;
        for (int step = 0; step < 60; step++) last = OptimizerStep(model, optimizer, x, target);
        Assert.That(last, Is.LessThan(first * 0.1));
    }

    [Test]
    public void OptimizerBuiltAfterToDeviceUpdatesTheModel()
    {
        using var model = new Linear(4, 2, generator: new Generator(10)).To(device);
        using var optimizer = new SGD(model.Parameters(), lr: 0.1);
        using var x = Tensor.Randn([8, 4], device: device, generator: new Generator(11));
        using var target = Tensor.Zeros([8, 2], device: device);
        double first = OptimizerStep(model, optimizer, x, target);
        double last = first;
        for (int step = 0; step < 30; step++) last = OptimizerStep(model, optimizer, x, target);
        Assert.That(last, Is.LessThan(first * 0.5));
    }
}

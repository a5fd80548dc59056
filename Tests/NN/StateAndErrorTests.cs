using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.NN;

/// <summary>
/// LoadStateDict's all-or-nothing checks and its printed result, and errors that name the layer the user called
/// (not the op it runs inside) with the dtypes and the fix.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class StateAndErrorTests(Device device)
{
    private sealed class Counter : Module
    {
        public Counter(Device device)
        {
            Scale = RegisterParameter("scale", Tensor.Ones([2], device: device));
            RegisterBuffer("count", Tensor.Zeros([1], DType.Int64, device));
        }

        public Tensor Scale { get; }

        public override Tensor Forward(Tensor input) => input * Scale;
    }

    [Test]
    public void LoadStateDictResultPrintsLikePyTorch()
    {
        Assert.That(new LoadStateDictResult([], []).ToString(), Is.EqualTo("<All keys matched successfully>"));
        Assert.That(new LoadStateDictResult(["fc.bias"], ["head.weight", "head.bias"]).ToString(),
            Is.EqualTo("IncompatibleKeys(MissingKeys: [\"fc.bias\"], UnexpectedKeys: [\"head.weight\", \"head.bias\"])"));
        using var lin = new Linear(2, 1, device: device);
        var state = new Dictionary<string, Tensor> { ["weight"] = Tensor.Zeros([1, 2], device: device) };
        Assert.That(lin.LoadStateDict(state, strict: false).ToString(), Is.EqualTo("IncompatibleKeys(MissingKeys: [\"bias\"], UnexpectedKeys: [])"));
        foreach (var t in state.Values) t.Dispose();
    }

    private static double[][] Snapshot(Module m) => m.StateDict().Values.Select(TensorAssert.ToDoubles).ToArray();

    [Test]
    public void AFailedLoadLeavesTheModelUnchanged([Values("shape", "dtype", "disposed")] string defect)
    {
        using var model = new Sequential(new Linear(2, 3, device: device), new Counter(device));
        var before = Snapshot(model);
        var state = new Dictionary<string, Tensor>
        {
            // The first entries are valid (and differ from the model), so a load that copied as it went would change them.
            ["0.weight"] = Tensor.Full([3, 2], 7.0, device: device),
            ["0.bias"] = Tensor.Full([3], 7.0, device: device),
            ["1.scale"] = defect == "shape" ? Tensor.Full([3], 7.0, device: device) : Tensor.Full([2], 7.0, device: device),
            ["1.count"] = defect == "dtype" ? Tensor.Full([1], 7.5, device: device) : Tensor.Full([1], 7, DType.Int64, device),
        };
        if (defect == "disposed") state["1.scale"].Dispose();
        var thrown = Assert.Catch(() => model.LoadStateDict(state))!;
        Assert.That(thrown, defect == "disposed" ? Is.InstanceOf<ObjectDisposedException>() : Is.InstanceOf<ArgumentException>());
        Assert.That(thrown.Message, Does.Contain(defect == "dtype" ? "1.count" : "1.scale"));
        if (defect == "dtype") Assert.That(thrown.Message, Does.Contain("float32").And.Contain("int64"));
        if (defect == "shape") Assert.That(thrown.Message, Does.Contain("[3]").And.Contain("[2]"));
        Assert.That(Snapshot(model), Is.EqualTo(before));
        foreach (var t in state.Values) t.Dispose();
    }

    [Test]
    public void LinearNamesItselfForAnInputOfAnotherDType([Values(DType.Float64, DType.Int64)] DType inputType)
    {
        using var lin = new Linear(3, 2, device: device);
        using var x = Tensor.Ones([4, 3], inputType, device);
        var e = Assert.Throws<ArgumentException>(() => lin.Forward(x))!;
        Assert.That(e.Message, Does.StartWith("Linear:"));
        Assert.That(e.Message, Does.Contain(inputType.Name()).And.Contain("float32").And.Contain(".To(DType.Float32)"));
        Assert.That(e.Message, Does.Not.Contain("MatMul"));
        using var x32 = x.To(DType.Float32);
        using var y = lin.Forward(x32);
        Assert.That(y.Shape.ToArray(), Is.EqualTo(new long[] { 4, 2 }));
    }

    [Test]
    public void CrossEntropyLossNamesItselfForIntegerLogits()
    {
        using var logits = Tensor.Ones([4, 3], DType.Int64, device);
        using var target = Tensor.Zeros([4], DType.Int64, device);
        using var loss = new CrossEntropyLoss();
        var e = Assert.Throws<ArgumentException>(() => loss.Forward(logits, target))!;
        Assert.That(e.Message, Does.StartWith("CrossEntropyLoss:").And.Contain("int64").And.Not.Contain("LogSoftmax"));
        var f = Assert.Throws<ArgumentException>(() => F.CrossEntropy(logits, target))!;
        Assert.That(f.Message, Does.StartWith("CrossEntropy:").And.Not.Contain("LogSoftmax"));
    }
}

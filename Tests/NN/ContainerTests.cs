using CudaTensor.NN;
using CudaTensor.Optim;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.NN;

/// <summary>ModuleList, ModuleDict, ParameterList and ParameterDict: PyTorch's child and parameter names, moves, state dicts.</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class ContainerTests(Device device)
{
    private sealed class Holder : Module
    {
        public Holder(Device device)
        {
            Layers = RegisterModule("layers", new ModuleList(new Linear(3, 4, device: device), new ReLU(), new Linear(4, 2, device: device)));
            Heads = RegisterModule("heads", new ModuleDict([new("cls", new Linear(2, 5, bias: false, device: device)), new("reg", new Linear(2, 1, device: device))]));
            Scales = RegisterModule("scales", new ParameterList(Tensor.Ones([2], device: device), Tensor.Zeros([3], device: device)));
            Extra = RegisterModule("extra", new ParameterDict([new("alpha", Tensor.Full([1], 0.5, device: device))]));
        }

        public ModuleList Layers { get; }
        public ModuleDict Heads { get; }
        public ParameterList Scales { get; }
        public ParameterDict Extra { get; }
    }

    [Test]
    public void NamesFollowPyTorch()
    {
        using var m = new Holder(device);
        Assert.That(m.NamedParameters().Select(p => p.Name), Is.EqualTo(new[]
        {
            "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias", "heads.cls.weight", "heads.reg.weight", "heads.reg.bias",
            "scales.0", "scales.1", "extra.alpha",
        }));
        Assert.That(m.Layers.Count, Is.EqualTo(3));
        Assert.That(m.Layers[-1], Is.SameAs(m.Layers[2]));
        Assert.That(m.Heads.Keys, Is.EqualTo(new[] { "cls", "reg" }));
        Assert.That(m.Scales[1].Shape.ToArray(), Is.EqualTo(new long[] { 3 }));
        Assert.That(m.Extra["alpha"].ToDouble(), Is.EqualTo(0.5));
        Assert.That(Assert.Throws<KeyNotFoundException>(() => _ = m.Heads["box"])!.Message, Does.Contain("'cls', 'reg'"));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = m.Layers[3]);
        Assert.Throws<ArgumentException>(() => m.Heads.Add("cls", new ReLU()));
    }

    [Test]
    public void StateDictRoundTripsAndTheParametersTrain()
    {
        using var a = new Holder(device);
        using var b = new Holder(device);
        using var state = new DisposableDict(a.StateDict());
        b.LoadStateDict(state.Value);
        foreach (var ((na, pa), (nb, pb)) in a.NamedParameters().Zip(b.NamedParameters()))
        {
            Assert.That(nb, Is.EqualTo(na));
            TensorAssert.Close(pb, TensorAssert.ToDoubles(pa), pa.Shape.ToArray(), 0, 0);
        }
        using var sgd = new SGD(b.Parameters(), lr: 0.1);
        using var x = Tensor.Ones([2, 3], device: device);
        var h = x;
        foreach (var layer in b.Layers) h = layer.Forward(h);
        using var loss = (b.Heads["reg"].Forward(h * b.Scales[0]).Sum() + b.Extra["alpha"].Sum() * 2 + b.Scales[1].Sum());
        loss.Backward();
        sgd.Step();
        Assert.That(b.Extra["alpha"].ToDouble(), Is.EqualTo(0.5 - 0.2).Within(1e-6));
        TensorAssert.Close(b.Scales[1], [-0.1, -0.1, -0.1], [3], 1e-6, 1e-7);
    }

    private sealed class DisposableDict(OrderedDictionary<string, Tensor> value) : IDisposable
    {
        public OrderedDictionary<string, Tensor> Value { get; } = value;

        public void Dispose()
        {
            foreach (var t in Value.Values) t.Dispose();
        }
    }

    [Test]
    public void ParametersToVectorAndBack()
    {
        using var m = new Holder(device);
        var ps = m.Parameters().ToList();
        using var v = ParameterVector.ParametersToVector(ps);
        Assert.That(v.Shape.ToArray(), Is.EqualTo(new[] { ps.Sum(p => p.NumElements) }));
        TensorAssert.Close(v.Narrow(0, 0, 12), TensorAssert.ToDoubles(m.Layers[0].Parameters().First()), [12], 0, 0);
        using var doubled = v * 2;
        ParameterVector.VectorToParameters(doubled, ps);
        Assert.That(m.Extra["alpha"].ToDouble(), Is.EqualTo(1.0));
        TensorAssert.Close(m.Scales[0], [2, 2], [2], 0, 0);
        using var wrong = Tensor.Zeros([3], device: device);
        Assert.That(Assert.Throws<ArgumentException>(() => ParameterVector.VectorToParameters(wrong, ps))!.Message, Does.Contain("VectorToParameters").And.Contain("[3]"));
    }
}

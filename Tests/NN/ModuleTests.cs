using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.NN;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class ModuleTests(Device device)
{
    /// <summary>A two-level model like the ones users write: named children, a Sequential, a buffer.</summary>
    private sealed class Net : Module
    {
        public Net(Device device)
        {
            Encoder = RegisterModule("encoder", new Linear(4, 3, device: device, generator: new Generator(1)));
            Layers = RegisterModule("layers", new Sequential(
                new Linear(3, 5, device: device, generator: new Generator(2)),
                new ReLU(),
                new Dropout(0.5),
                new Linear(5, 2, bias: false, device: device, generator: new Generator(3))));
            Scale = RegisterParameter("scale", Tensor.Ones([2], device: device));
            RegisterBuffer("steps", Tensor.Zeros([], DType.Int64, device));
            RegisterBuffer("running", Tensor.Zeros([2], device: device));
            RegisterBuffer("scratch", Tensor.Zeros([1], device: device), persistent: false);
        }

        public Linear Encoder { get; }
        public Sequential Layers { get; }
        public Tensor Scale { get; }
        public Tensor Running => GetBuffer("running");

        public override Tensor Forward(Tensor input)
        {
            using var h = Encoder.Forward(input);
            using var y = Layers.Forward(h);
            return y * Scale;
        }
    }

    [Test]
    public void NamedParametersAreDottedAndInRegistrationOrder()
    {
        using var net = new Net(device);
        var names = net.NamedParameters().Select(p => p.Name).ToArray();
        Assert.That(names, Is.EqualTo(new[] { "scale", "encoder.weight", "encoder.bias", "layers.0.weight", "layers.0.bias", "layers.3.weight" }));
        Assert.That(net.Parameters().Count(), Is.EqualTo(6));
        Assert.That(net.Parameters(recurse: false).Single(), Is.SameAs(net.Scale));
        Assert.That(net.NamedParameters().First(p => p.Name == "layers.0.weight").Parameter, Is.SameAs(((Linear)net.Layers[0]).Weight));
        // The order is stable from call to call.
        var again = net.Parameters().ToArray();
        Assert.That(net.Parameters().ToArray(), Is.EqualTo(again));
    }

    [Test]
    public void ChildrenModulesAndBuffersAreListedInOrder()
    {
        using var net = new Net(device);
        Assert.That(net.NamedChildren().Select(c => c.Name), Is.EqualTo(new[] { "encoder", "layers" }));
        Assert.That(net.Children().ToArray(), Is.EqualTo(new Module[] { net.Encoder, net.Layers }));
        Assert.That(net.NamedModules().Select(m => m.Name), Is.EqualTo(new[] { "", "encoder", "layers", "layers.0", "layers.1", "layers.2", "layers.3" }));
        Assert.That(net.Modules().First(), Is.SameAs(net));
        Assert.That(net.NamedBuffers().Select(b => b.Name), Is.EqualTo(new[] { "steps", "running", "scratch" }));
        Assert.That(net.Layers, Has.Count.EqualTo(4));
        Assert.That(net.Layers[-1], Is.InstanceOf<Linear>());
        Assert.That(() => net.Layers[4], Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void SharedParametersAndModulesAreListedOnce()
    {
        var shared = new Linear(2, 2, device: device);
        using var seq = new Sequential(shared, new ReLU(), shared);
        Assert.That(seq.Parameters().Count(), Is.EqualTo(2));
        Assert.That(seq.Modules().Count(), Is.EqualTo(3)); // the Sequential, the Linear once, the ReLU
        // The state dict names every slot, as PyTorch does.
        Assert.That(seq.StateDict().Keys, Is.EqualTo(new[] { "0.weight", "0.bias", "2.weight", "2.bias" }));
    }

    [Test]
    public void RegistrationRejectsBadAndDuplicateNames()
    {
        var m = new Registrar();
        m.Add("w", Tensor.Zeros([1], device: device));
        Assert.That(() => m.Add("w", Tensor.Zeros([1], device: device)), Throws.ArgumentException.With.Message.Contains("already has"));
        Assert.That(() => m.Add("a.b", Tensor.Zeros([1], device: device)), Throws.ArgumentException.With.Message.Contains("'.'"));
        Assert.That(() => m.Add("", Tensor.Zeros([1], device: device)), Throws.ArgumentException);
        Assert.That(() => m.AddChild("w", new ReLU()), Throws.ArgumentException);
        Assert.That(() => m.AddChild("self", m), Throws.ArgumentException);
    }

    private sealed class Registrar : Module
    {
        public void Add(string name, Tensor t) => RegisterParameter(name, t);
        public void AddChild(string name, Module m) => RegisterModule(name, m);
    }

    [Test]
    public void ForwardOfAModuleWithoutOneSaysSo()
    {
        using var loss = new MSELoss();
        using var x = Tensor.Zeros([2], device: device);
        Assert.That(() => loss.Forward(x), Throws.InstanceOf<NotSupportedException>().With.Message.Contains("MSELoss"));
    }

    [Test]
    public void TrainAndEvalReachEverySubModule()
    {
        using var net = new Net(device);
        Assert.That(net.Modules().All(m => m.IsTraining), Is.True);
        var same = net.Eval();
        Assert.That(same, Is.SameAs(net));
        Assert.That(net.Modules().All(m => !m.IsTraining), Is.True);
        net.Train();
        Assert.That(net.Modules().All(m => m.IsTraining), Is.True);
        net.Train(false);
        Assert.That(net.Layers[2].IsTraining, Is.False);
    }

    [Test]
    public void ParametersRequireGradAndAreNotOwnedByTheCurrentScope()
    {
        Linear lin;
        using (Tensor.NewScope())
        {
            lin = new Linear(3, 2, device: device);
        }
        // Created inside a scope, the parameters must survive it.
        Assert.That(lin.Weight.IsDisposed, Is.False);
        Assert.That(lin.Weight.RequiresGrad && lin.Weight.IsLeaf && lin.Weight.GradFn is null, Is.True);
        Assert.That(lin.Bias!.RequiresGrad && lin.Bias.IsLeaf, Is.True);
        lin.Weight.RequiresGrad = false; // freezing is the tensor's own flag
        using (var x = Tensor.Ones([1, 3], device: device))
        using (var y = lin.Forward(x))
        using (var s = y.Sum()) s.Backward();
        Assert.That(lin.Weight.Grad, Is.Null);
        Assert.That(lin.Bias.Grad, Is.Not.Null);
        var grad = lin.Bias.Grad!;
        lin.Dispose();
        Assert.That(lin.Weight.IsDisposed && lin.Bias.IsDisposed, Is.True);
        Assert.That(grad.IsDisposed, Is.True);
        Assert.That(lin.Bias.Grad, Is.Null);
    }

    private sealed class Holder : Module
    {
        public Tensor Add(string name, Tensor t, bool requiresGrad = true) => RegisterParameter(name, t, requiresGrad);
        public Tensor AddBuffer(string name, Tensor t) => RegisterBuffer(name, t);
    }

    [Test]
    public void RegisterParameterKeepsALeafAndDetachesATensorWithHistory()
    {
        using var m = new Holder();
        Tensor leaf, computed, source;
        using (Tensor.NewScope())
        {
            leaf = Tensor.Zeros([2], device: device);
            Assert.That(m.Add("leaf", leaf), Is.SameAs(leaf));
            source = Tensor.Ones([2], device: device, requiresGrad: true);
            var product = source * 3.0;
            Assert.That(product.IsLeaf, Is.False);
            computed = m.Add("computed", product);
            Assert.That(computed, Is.Not.SameAs(product));
            Assert.That(computed.IsLeaf && computed.RequiresGrad, Is.True);
            Assert.That(computed.Storage, Is.SameAs(product.Storage));
            TensorScope.Current!.Keep(source);
        }
        // The scope freed what it owned, but the module's parameters are not among them.
        Assert.That(leaf.IsDisposed || computed.IsDisposed, Is.False);
        Assert.That(leaf.RequiresGrad && leaf.IsLeaf, Is.True);
        Assert.That(TensorAssert.ToDoubles(computed), Is.EqualTo(new[] { 3.0, 3.0 }));
        Assert.That(m.Parameters().ToArray(), Is.EqualTo(new[] { leaf, computed }).Using<Tensor>(ReferenceEquals));
        source.Dispose();

        var frozen = m.Add("frozen", Tensor.Zeros([1], device: device), requiresGrad: false);
        Assert.That(frozen.RequiresGrad, Is.False);
        Assert.That(m.Parameters().Last(), Is.SameAs(frozen));
        using var counts = Tensor.Zeros([1], DType.Int64, device);
        Assert.That(() => m.Add("counts", counts), Throws.ArgumentException.With.Message.Contains("requiresGrad: false"));
        Assert.That(m.Add("counts", counts, requiresGrad: false), Is.SameAs(counts));
    }

    [Test]
    public void ABufferIsRegisteredAsTheSameTensorAndKeepsItThroughMoves()
    {
        using var m = new Holder();
        var running = m.AddBuffer("running", Tensor.Zeros([3], device: device));
        var steps = m.AddBuffer("steps", Tensor.Zeros([], DType.Int64, device));
        Assert.That(m.Buffers().ToArray(), Is.EqualTo(new[] { running, steps }).Using<Tensor>(ReferenceEquals));
        m.To(DType.Float64).To(device);
        Assert.That(m.Buffers().ToArray(), Is.EqualTo(new[] { running, steps }).Using<Tensor>(ReferenceEquals));
        Assert.That(running.DType, Is.EqualTo(DType.Float64));
        Assert.That(running.Device, Is.EqualTo(device));
        Assert.That(steps.DType, Is.EqualTo(DType.Int64));
        Assert.That(m.StateDict()["running"].DType, Is.EqualTo(DType.Float64));
    }

    [Test]
    public void ToDTypeKeepsParameterObjectsAndAHolderSeesTheNewData()
    {
        using var net = new Net(device);
        var holder = net.Parameters().ToList(); // what an optimizer keeps
        var before = net.Encoder.Weight.ToArray<float>();
        var running = net.Running;
        var returned = net.To(DType.Float64);
        Assert.That(returned, Is.SameAs(net));
        Assert.That(net.Parameters().ToList(), Is.EqualTo(holder).Using<Tensor>(ReferenceEquals));
        foreach (var p in holder)
        {
            Assert.That(p.DType, Is.EqualTo(DType.Float64));
            Assert.That(p.RequiresGrad && p.IsLeaf, Is.True);
        }
        Assert.That(TensorAssert.ToDoubles(net.Encoder.Weight), Is.EqualTo(before.Select(v => (double)v).ToArray()));
        // Integer buffers keep their dtype; floating ones convert.
        Assert.That(net.NamedBuffers().First(b => b.Name == "steps").Buffer.DType, Is.EqualTo(DType.Int64));
        Assert.That(net.Running.DType, Is.EqualTo(DType.Float64));
        Assert.That(net.Running, Is.SameAs(running)); // buffers keep their identity too

        // An optimizer-like update through the old references reaches the module's forward.
        using var x = Tensor.Ones([1, 4], DType.Float64, device);
        using var y0 = net.Eval().Forward(x);
        using (global::CudaTensor.Autograd.NoGrad())
        {
            foreach (var p in holder) p.Fill(0);
        }
        using var y1 = net.Forward(x);
        Assert.That(TensorAssert.ToDoubles(y1), Is.All.EqualTo(0.0));
        Assert.That(() => net.To(DType.Int32), Throws.ArgumentException);
    }

    [Test]
    public void ToConvertsExistingGradients()
    {
        using var lin = new Linear(2, 1, device: device);
        using var x = Tensor.Ones([3, 2], device: device);
        using (var y = lin.Forward(x))
        using (var s = y.Sum()) s.Backward();
        Assert.That(lin.Weight.Grad, Is.Not.Null);
        var weight = lin.Weight;
        var oldGrad = lin.Weight.Grad!;
        lin.To(DType.Float64);
        Assert.That(lin.Weight, Is.SameAs(weight));
        Assert.That(lin.Weight.Grad!.DType, Is.EqualTo(DType.Float64));
        Assert.That(oldGrad.IsDisposed, Is.True); // the float32 gradient was replaced, not leaked
        TensorAssert.Close(lin.Weight.Grad, [3, 3], [1, 2]);
        TensorAssert.Close(lin.Bias!.Grad!, [3], [1]);
    }

    [Test]
    public void ToDeviceKeepsIdentity()
    {
        using var lin = new Linear(2, 2, device: Device.Cpu);
        var w = lin.Weight;
        var moved = lin.To(device);
        Assert.That(moved.Weight, Is.SameAs(w));
        Assert.That(w.Device, Is.EqualTo(device));
    }

    [Test]
    public void ZeroGradClearsOrZeroesGradients()
    {
        using var lin = new Linear(2, 1, device: device);
        using var x = Tensor.Ones([1, 2], device: device);
        void Step()
        {
            using var y = lin.Forward(x);
            using var s = y.Sum();
            s.Backward();
        }
        Step();
        Step();
        TensorAssert.Close(lin.Weight.Grad!, [2, 2], [1, 2]); // accumulated twice
        lin.ZeroGrad(setToNull: false);
        TensorAssert.Close(lin.Weight.Grad!, [0, 0], [1, 2]);
        lin.ZeroGrad();
        Assert.That(lin.Weight.Grad, Is.Null);
        Assert.That(lin.Bias!.Grad, Is.Null);
    }

    [Test]
    public void StateDictRoundTripsIntoAFreshModel()
    {
        using var a = new Net(device);
        using (global::CudaTensor.Autograd.NoGrad()) a.Running.Fill(7);
        var state = a.StateDict();
        Assert.That(state.Keys, Is.EqualTo(new[] { "scale", "steps", "running", "encoder.weight", "encoder.bias", "layers.0.weight", "layers.0.bias", "layers.3.weight" }));
        Assert.That(state["scale"].RequiresGrad, Is.False);

        using var b = new Net(device);
        var result = b.LoadStateDict(state);
        Assert.That(result.MissingKeys, Is.Empty);
        Assert.That(result.UnexpectedKeys, Is.Empty);
        foreach (var (name, p) in a.NamedParameters())
        {
            var q = b.NamedParameters().Single(n => n.Name == name).Parameter;
            Assert.That(TensorAssert.ToDoubles(q), Is.EqualTo(TensorAssert.ToDoubles(p)), name);
        }
        Assert.That(TensorAssert.ToDoubles(b.Running), Is.All.EqualTo(7.0));
        using var x = Tensor.Randn([3, 4], device: device, generator: new Generator(9));
        using var ya = a.Eval().Forward(x);
        using var yb = b.Eval().Forward(x);
        Assert.That(TensorAssert.ToDoubles(yb), Is.EqualTo(TensorAssert.ToDoubles(ya)));
    }

    [Test]
    public void StateDictValuesShareStorageWithTheModule()
    {
        using var lin = new Linear(2, 2, device: device);
        var state = lin.StateDict();
        using (global::CudaTensor.Autograd.NoGrad()) lin.Weight.Fill(3);
        Assert.That(TensorAssert.ToDoubles(state["weight"]), Is.All.EqualTo(3.0));
    }

    [Test]
    public void LoadStateDictConvertsDtype()
    {
        using var a = new Linear(3, 2, device: device);
        using var b = new Linear(3, 2, device: device).To(DType.Float64);
        b.LoadStateDict(a.StateDict());
        Assert.That(b.Weight.DType, Is.EqualTo(DType.Float64));
        Assert.That(TensorAssert.ToDoubles(b.Weight), Is.EqualTo(TensorAssert.ToDoubles(a.Weight)));
    }

    [Test]
    public void StrictLoadListsMissingAndUnexpectedKeysAndChangesNothing()
    {
        using var lin = new Linear(3, 2, device: device);
        var before = TensorAssert.ToDoubles(lin.Weight);
        var state = new Dictionary<string, Tensor>
        {
            ["weight"] = Tensor.Zeros([2, 3], device: device),
            ["extra"] = Tensor.Zeros([1], device: device),
        };
        var e = Assert.Throws<ArgumentException>(() => lin.LoadStateDict(state))!;
        Assert.That(e.Message, Does.Contain("Missing key(s): \"bias\""));
        Assert.That(e.Message, Does.Contain("Unexpected key(s): \"extra\""));
        Assert.That(TensorAssert.ToDoubles(lin.Weight), Is.EqualTo(before));

        var result = lin.LoadStateDict(state, strict: false);
        Assert.That(result.MissingKeys, Is.EqualTo(new[] { "bias" }));
        Assert.That(result.UnexpectedKeys, Is.EqualTo(new[] { "extra" }));
        Assert.That(TensorAssert.ToDoubles(lin.Weight), Is.All.EqualTo(0.0));
    }

    [Test]
    public void ShapeMismatchIsAnErrorEvenWhenNotStrict()
    {
        using var lin = new Linear(3, 2, device: device);
        var state = new Dictionary<string, Tensor>
        {
            ["weight"] = Tensor.Zeros([3, 2], device: device),
            ["bias"] = Tensor.Zeros([2], device: device),
        };
        var e = Assert.Throws<ArgumentException>(() => lin.LoadStateDict(state, strict: false))!;
        Assert.That(e.Message, Does.Contain("Size mismatch for weight"));
        Assert.That(e.Message, Does.Contain("[3, 2]"));
        Assert.That(e.Message, Does.Contain("[2, 3]"));
    }

    [Test]
    public void ToStringShowsTheTree()
    {
        using var seq = new Sequential(new Linear(4, 2, device: device), new ReLU());
        Assert.That(seq.ToString(), Is.EqualTo("Sequential(\n  (0): Linear(in_features=4, out_features=2, bias=True)\n  (1): ReLU()\n)"));
    }

    [Test]
    public void ParametersAreTheTensorsTheLayerComputesWith()
    {
        using var lin = new Linear(2, 2, device: device);
        Assert.That(lin.Parameters().ToArray(), Is.EqualTo(new[] { lin.Weight, lin.Bias! }).Using<Tensor>(ReferenceEquals));
        using (global::CudaTensor.Autograd.NoGrad())
        {
            lin.Weight.Fill(2);
            lin.Bias!.Fill(1);
        }
        using var x = Tensor.Ones([1, 2], device: device);
        using var y = lin.Forward(x);
        TensorAssert.Close(y, [5, 5], [1, 2]);
        using var z = x * lin.Weight; // a parameter is an ordinary tensor operand
        Assert.That(z.Shape.ToArray(), Is.EqualTo(new long[] { 2, 2 }));
    }

    [Test]
    public void FrozenParametersStayFrozenAfterAMove()
    {
        using var lin = new Linear(2, 1, device: device);
        lin.Weight.RequiresGrad = false;
        lin.To(DType.Float64);
        Assert.That(lin.Weight.RequiresGrad, Is.False);
        Assert.That(lin.Bias!.RequiresGrad, Is.True);
        Assert.That(lin.Weight.DType, Is.EqualTo(DType.Float64));
    }
}

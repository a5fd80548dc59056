using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;
using F = CudaTensor.NN.Functional;

namespace CudaTensor.Tests.NN;

/// <summary>
/// RNN, LSTM, GRU and their cells: float64 gradient checks, the fused sequence node against the composed per-step
/// definition (values and all gradients), CUDA against the CPU, dropout between layers in train and eval mode, state
/// dicts under PyTorch's names, and the errors for wrong shapes. PyTorch's own values are checked in
/// Tests/PyTorchReference/RecurrentReferenceTests.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class RecurrentTests(Device device)
{
    private Tensor Randn(ulong seed, params long[] shape) => Tensor.Randn(shape, DType.Float64, device, requiresGrad: true, generator: new Generator(seed));

    private static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        var r = GradCheck.Check(f, inputs);
        Assert.That(r.Passed, Is.True, r.ToString());
    }

    private T Make<T>(Func<Generator, T> create) where T : Module => create(new Generator(7)).To(device).To(DType.Float64);

    // Sums the output and the final states so one scalar depends on all of them.
    private static Tensor All(Tensor output, Tensor hN, Tensor? cN = null)
    {
        using var a = output.Sum();
        using var b = (hN * 0.7).Sum();
        if (cN is null) return a + b;
        using var ab = a + b;
        using var c = (cN * 1.3).Sum();
        return ab + c;
    }

    [Test]
    public void LstmGradCheckBidirectionalWithStates()
    {
        using var lstm = Make(g => new LSTM(2, 2, bidirectional: true, generator: g));
        var inputs = new[] { Randn(1, 3, 2, 2), Randn(2, 2, 2, 2), Randn(3, 2, 2, 2) }.Concat(lstm.Parameters()).ToArray();
        Check(xs =>
        {
            var (output, (hN, cN)) = lstm.Forward(xs[0], (xs[1], xs[2]));
            return All(output, hN, cN);
        }, inputs);
    }

    [Test]
    public void GruGradCheckTwoLayersBatchFirst()
    {
        using var gru = Make(g => new GRU(2, 2, numLayers: 2, batchFirst: true, generator: g));
        var inputs = new[] { Randn(1, 2, 3, 2), Randn(2, 2, 2, 2) }.Concat(gru.Parameters()).ToArray();
        Check(xs =>
        {
            var (output, hN) = gru.Forward(xs[0], xs[1]);
            return All(output, hN);
        }, inputs);
    }

    [TestCase("tanh")]
    [TestCase("relu")]
    public void RnnGradCheckBidirectionalUnbatched(string nonlinearity)
    {
        using var rnn = Make(g => new RNN(2, 3, nonlinearity: nonlinearity, bidirectional: true, generator: g));
        var inputs = new[] { Randn(1, 3, 2), Randn(2, 2, 3) }.Concat(rnn.Parameters()).ToArray();
        Check(xs =>
        {
            var (output, hN) = rnn.Forward(xs[0], xs[1]);
            return All(output, hN);
        }, inputs);
    }

    [Test]
    public void LstmSecondOrderGradCheck()
    {
        // A recorded backward pass (createGraph) differentiates the composed definition: gradients of gradients work.
        using var lstm = Make(g => new LSTM(2, 2, bias: false, generator: g));
        var inputs = new[] { Randn(1, 2, 1, 2) }.Concat(lstm.Parameters()).ToArray();
        var r = GradCheck.CheckSecondOrder(xs => lstm.Forward(xs[0]), inputs);
        Assert.That(r.Passed, Is.True, r.ToString());
    }

    [Test]
    public void LstmCellGradCheck()
    {
        using var cell = Make(g => new LSTMCell(3, 2, generator: g));
        var inputs = new[] { Randn(1, 2, 3), Randn(2, 2, 2), Randn(3, 2, 2) }.Concat(cell.Parameters()).ToArray();
        Check(xs =>
        {
            var (h, c) = cell.Forward(xs[0], (xs[1], xs[2]));
            return All(h, c);
        }, inputs);
    }

    [Test]
    public void GruCellGradCheckUnbatched()
    {
        using var cell = Make(g => new GRUCell(3, 2, generator: g));
        var inputs = new[] { Randn(1, 3), Randn(2, 2) }.Concat(cell.Parameters()).ToArray();
        Check(xs => cell.Forward(xs[0], xs[1]), inputs);
    }

    [TestCase("tanh")]
    [TestCase("relu")]
    public void RnnCellGradCheck(string nonlinearity)
    {
        using var cell = Make(g => new RNNCell(3, 2, nonlinearity: nonlinearity, generator: g));
        var inputs = new[] { Randn(1, 2, 3), Randn(2, 2, 2) }.Concat(cell.Parameters()).ToArray();
        Check(xs => cell.Forward(xs[0], xs[1]), inputs);
    }

    private static IEnumerable<TestCaseData> SequenceCases()
    {
        foreach (var mode in new[] { RecurrentMode.Lstm, RecurrentMode.Gru, RecurrentMode.RnnTanh, RecurrentMode.RnnRelu })
        {
            foreach (bool reverse in new[] { false, true })
            {
                foreach (bool bias in new[] { true, false })
                {
                    foreach (bool fusedCell in new[] { true, false })
                        yield return new TestCaseData(mode.ToString(), reverse, bias, fusedCell).SetName($"Sequence {mode} reverse={reverse} bias={bias} fusedCell={fusedCell}");
                }
            }
        }
    }

    [TestCaseSource(nameof(SequenceCases))]
    public void FusedSequenceMatchesTheComposedSteps(string modeName, bool reverse, bool bias, bool fusedCell)
    {
        var mode = Enum.Parse<RecurrentMode>(modeName);
        long steps = 5, batch = 3, inputs = 4, hidden = 3, gates = mode.Gates() * hidden;
        var args = new List<Tensor> { Randn(1, steps, batch, inputs), Randn(2, batch, hidden), Randn(3, gates, inputs), Randn(4, gates, hidden) };
        if (mode == RecurrentMode.Lstm) args.Add(Randn(5, batch, hidden));
        if (bias)
        {
            args.Add(Randn(6, gates));
            args.Add(Randn(7, gates));
        }
        bool lstm = mode == RecurrentMode.Lstm;
        Tensor? C(Tensor[] xs) => lstm ? xs[4] : null;
        Tensor? BI(Tensor[] xs) => bias ? xs[lstm ? 5 : 4] : null;
        Tensor? BH(Tensor[] xs) => bias ? xs[lstm ? 6 : 5] : null;
        var fused = FusedTestSupport.ValueAndGrads(xs => RecurrentSequence.Forward(mode, xs[0], xs[1], C(xs), xs[2], xs[3], BI(xs), BH(xs), reverse, fusedCell), [.. args]);
        var composed = FusedTestSupport.ValueAndGrads(xs => RecurrentComposed.Layer(mode, xs[0], xs[1], C(xs), xs[2], xs[3], BI(xs), BH(xs), reverse), [.. args]);
        FusedTestSupport.AssertSame(fused, composed, 1e-11, 1e-12, mode.ToString());
        foreach (var a in args) a.Dispose();
    }

    [TestCase(false, true)]
    [TestCase(true, true)]
    [TestCase(false, false)]
    public void FusedProjectedLstmMatchesTheComposedSteps(bool reverse, bool fusedCell)
    {
        // LSTM with projections (P = 2 < H = 3): h0 [B, P], weight_hh [4H, P], weight_hr [P, H].
        long steps = 4, batch = 3, inputs = 4, hidden = 3, proj = 2;
        Tensor[] args = [Randn(1, steps, batch, inputs), Randn(2, batch, proj), Randn(3, 4 * hidden, inputs), Randn(4, 4 * hidden, proj), Randn(5, batch, hidden),
            Randn(6, 4 * hidden), Randn(7, 4 * hidden), Randn(8, proj, hidden)];
        var fused = FusedTestSupport.ValueAndGrads(xs => RecurrentSequence.Forward(RecurrentMode.Lstm, xs[0], xs[1], xs[4], xs[2], xs[3], xs[5], xs[6], reverse, fusedCell, xs[7]), args);
        var composed = FusedTestSupport.ValueAndGrads(xs => RecurrentComposed.Layer(RecurrentMode.Lstm, xs[0], xs[1], xs[4], xs[2], xs[3], xs[5], xs[6], reverse, xs[7]), args);
        FusedTestSupport.AssertSame(fused, composed, 1e-11, 1e-12, "projected LSTM");
        foreach (var a in args) a.Dispose();
    }

    [Test]
    public void ProjectedLstmShapesAndGradCheck()
    {
        using var lstm = new LSTM(3, 4, numLayers: 2, bidirectional: true, projSize: 2, device: device, dtype: DType.Float64);
        Assert.That(lstm.WeightHh(1, reverse: true).ShapeArray, Is.EqualTo(new long[] { 16, 2 }));
        Assert.That(lstm.WeightIh(1).ShapeArray, Is.EqualTo(new long[] { 16, 4 }));
        Assert.That(lstm.WeightHr(0)!.ShapeArray, Is.EqualTo(new long[] { 2, 4 }));
        Assert.That(lstm.StateDict().Keys, Does.Contain("weight_hr_l1_reverse"));
        using var x = Tensor.Randn([5, 2, 3], DType.Float64, device);
        var (y, (hN, cN)) = lstm.Forward(x, null);
        using (y)
        using (hN)
        using (cN)
        {
            Assert.That(y.ShapeArray, Is.EqualTo(new long[] { 5, 2, 4 }));
            Assert.That(hN.ShapeArray, Is.EqualTo(new long[] { 4, 2, 2 }));
            Assert.That(cN.ShapeArray, Is.EqualTo(new long[] { 4, 2, 4 }));
        }
        var ex = Assert.Throws<ArgumentException>(() => lstm.Forward(x, (Tensor.Zeros([4, 2, 4], DType.Float64, device), Tensor.Zeros([4, 2, 4], DType.Float64, device))));
        Assert.That(ex!.Message, Does.Contain("[4, 2, 2]").And.Contain("proj_size"));
        using var small = Make(g => new LSTM(2, 3, projSize: 2, generator: g));
        using var xs = Randn(1, 3, 2, 2);
        using var h0 = Randn(2, 1, 2, 2);
        using var c0 = Randn(3, 1, 2, 3);
        Check(t =>
        {
            var (o, (h, c)) = small.Forward(t[0], (t[1], t[2]));
            return All(o, h, c);
        }, xs, h0, c0, small.WeightHr(0)!, small.WeightHh(0));
    }

    [TestCase("Lstm")]
    [TestCase("Gru")]
    public void WideRecurrentProductMatchesTheComposedSteps(string modeName)
    {
        // Hidden 136 in float64: on the CPU, h·W_hhᵀ (depth 136, 3·136 or 4·136 columns) is computed in column blocks
        // that the GEMM reads in place (RecurrentProductColumns); values and gradients must not change.
        var mode = Enum.Parse<RecurrentMode>(modeName);
        long hidden = 136, gates = mode.Gates() * hidden;
        bool lstm = mode == RecurrentMode.Lstm;
        Tensor[] args = [Randn(1, 3, 2, 4), Randn(2, 2, hidden), Randn(3, gates, 4), Randn(4, gates, hidden), Randn(5, 2, hidden), Randn(6, gates), Randn(7, gates)];
        if (device.Type == DeviceType.Cpu && mode == RecurrentMode.Lstm)
            Assert.That(((CudaTensor.Backends.IFusedRecurrentCell)args[0].Backend).RecurrentProductColumns(hidden, gates, 8), Is.LessThan(gates));
        var fused = FusedTestSupport.ValueAndGrads(xs => RecurrentSequence.Forward(mode, xs[0], xs[1], lstm ? xs[4] : null, xs[2], xs[3], xs[5], xs[6], false), args);
        var composed = FusedTestSupport.ValueAndGrads(xs => RecurrentComposed.Layer(mode, xs[0], xs[1], lstm ? xs[4] : null, xs[2], xs[3], xs[5], xs[6], false), args);
        FusedTestSupport.AssertSame(fused, composed, 1e-11, 1e-12, modeName);
        foreach (var a in args) a.Dispose();
    }

    [TestCase("Lstm")]
    [TestCase("Gru")]
    public void Float32StepsMatchFloat64(string modeName)
    {
        // The fused float32 step (the benchmarked path) against the same sequence in float64.
        var mode = Enum.Parse<RecurrentMode>(modeName);
        long gates = mode.Gates() * 16;
        var args = new List<Tensor> { Randn(1, 7, 5, 8), Randn(2, 5, 16), Randn(3, gates, 8), Randn(4, gates, 16), Randn(6, gates), Randn(7, gates) };
        bool lstm = mode == RecurrentMode.Lstm;
        using var c0 = Randn(5, 5, 16);
        Tensor Run(Tensor[] xs) => RecurrentSequence.Forward(mode, xs[0], xs[1], lstm ? xs[6] : null, xs[2], xs[3], xs[4], xs[5], false);
        var all = args.Append(c0).ToArray();
        var single = all.Select(a => a.To(DType.Float32)).ToArray();
        var f32 = FusedTestSupport.ValueAndGrads(Run, single);
        var f64 = FusedTestSupport.ValueAndGrads(Run, all);
        FusedTestSupport.AssertSame(f32, f64, 1e-4, 1e-5, modeName);
        foreach (var a in args.Concat(single)) a.Dispose();
    }

    [Test]
    public void FusedSequenceOnAStridedInput()
    {
        // batchFirst hands the sequence over as a transposed view: the result must not depend on the layout.
        using var xb = Randn(1, 3, 4, 2);
        using var x = xb.Transpose(0, 1);
        using var xc = x.Contiguous();
        using var h0 = Randn(2, 3, 2);
        using var c0 = Randn(3, 3, 2);
        using var w1 = Randn(4, 8, 2);
        using var w2 = Randn(5, 8, 2);
        using var a = RecurrentSequence.Forward(RecurrentMode.Lstm, x, h0, c0, w1, w2, null, null, false);
        using var b = RecurrentSequence.Forward(RecurrentMode.Lstm, xc, h0, c0, w1, w2, null, null, false);
        TensorAssert.Close(a, TensorAssert.ToDoubles(b), b.Shape.ToArray(), 1e-14, 1e-14);
    }

    [Test]
    public void CudaMatchesCpu()
    {
        if (device.Type != DeviceType.Cuda) Assert.Ignore("compares the CUDA device with the CPU; this fixture runs on the CPU");
        foreach (var make in new Func<Device, RNNBase>[]
        {
            d => new LSTM(3, 4, numLayers: 2, bidirectional: true, device: d, generator: new Generator(3)),
            d => new GRU(3, 4, batchFirst: true, device: d, generator: new Generator(3)),
            d => new RNN(3, 4, nonlinearity: "relu", device: d, generator: new Generator(3)),
        })
        {
            using var cpu = make(Device.Cpu);
            using var cuda = make(device);
            using var xCpu = Tensor.Randn([5, 2, 3], requiresGrad: true, generator: new Generator(11));
            using var xCuda = xCpu.Detach().To(device);
            xCuda.RequiresGrad = true;
            using var yCpu = cpu.Forward(xCpu);
            using var yCuda = cuda.Forward(xCuda);
            using var u = Tensor.Randn(yCpu.Shape, generator: new Generator(12));
            using var uCuda = u.To(device);
            using (var l = (yCpu * u).Sum()) l.Backward();
            using (var l = (yCuda * uCuda).Sum()) l.Backward();
            TensorAssert.Close(yCuda, TensorAssert.ToDoubles(yCpu), yCpu.Shape.ToArray(), 1e-4, 1e-5);
            TensorAssert.Close(xCuda.Grad!, TensorAssert.ToDoubles(xCpu.Grad!), xCpu.Shape.ToArray(), 1e-4, 1e-5);
            foreach (var (pc, pg) in cpu.Parameters().Zip(cuda.Parameters()))
                TensorAssert.Close(pg.Grad!, TensorAssert.ToDoubles(pc.Grad!), pc.Shape.ToArray(), 1e-4, 1e-5);
        }
    }

    [Test]
    public void CudaCellsMatchCpu()
    {
        if (device.Type != DeviceType.Cuda) Assert.Ignore("compares the CUDA device with the CPU; this fixture runs on the CPU");
        foreach (var make in new Func<Device, RNNCellBase>[]
        {
            d => new LSTMCell(3, 4, device: d, generator: new Generator(3)),
            d => new GRUCell(3, 4, device: d, generator: new Generator(3)),
            d => new RNNCell(3, 4, device: d, generator: new Generator(3)),
        })
        {
            using var cpu = make(Device.Cpu);
            using var cuda = make(device);
            using var xCpu = Tensor.Randn([2, 3], requiresGrad: true, generator: new Generator(11));
            using var xCuda = xCpu.Detach().To(device);
            xCuda.RequiresGrad = true;
            using var yCpu = cpu.Forward(xCpu);
            using var yCuda = cuda.Forward(xCuda);
            using (var l = yCpu.Square().Sum()) l.Backward();
            using (var l = yCuda.Square().Sum()) l.Backward();
            TensorAssert.Close(yCuda, TensorAssert.ToDoubles(yCpu), yCpu.Shape.ToArray(), 1e-5, 1e-6);
            TensorAssert.Close(xCuda.Grad!, TensorAssert.ToDoubles(xCpu.Grad!), xCpu.Shape.ToArray(), 1e-5, 1e-6);
            foreach (var (pc, pg) in cpu.Parameters().Zip(cuda.Parameters()))
                TensorAssert.Close(pg.Grad!, TensorAssert.ToDoubles(pc.Grad!), pc.Shape.ToArray(), 1e-5, 1e-6);
        }
    }

    [Test]
    public void DropoutActsBetweenLayersInTrainingOnly()
    {
        using var lstm = new LSTM(3, 4, numLayers: 2, dropout: 0.5, device: device, dtype: DType.Float64, generator: new Generator(5));
        using var x = Tensor.Randn([6, 2, 3], DType.Float64, device, generator: new Generator(1));

        // The oracle: the same two layers run one by one, with the mask drawn from a generator in the same state.
        var twin = new Generator(5);
        using var twinLstm = new LSTM(3, 4, numLayers: 2, dropout: 0.5, device: device, dtype: DType.Float64, generator: twin);
        using var first = new LSTM(3, 4, device: device, dtype: DType.Float64);
        using var second = new LSTM(4, 4, device: device, dtype: DType.Float64);
        first.LoadStateDict(new Dictionary<string, Tensor> { ["weight_ih_l0"] = lstm.WeightIh(0), ["weight_hh_l0"] = lstm.WeightHh(0), ["bias_ih_l0"] = lstm.BiasIh(0)!, ["bias_hh_l0"] = lstm.BiasHh(0)! });
        second.LoadStateDict(new Dictionary<string, Tensor> { ["weight_ih_l0"] = lstm.WeightIh(1), ["weight_hh_l0"] = lstm.WeightHh(1), ["bias_ih_l0"] = lstm.BiasIh(1)!, ["bias_hh_l0"] = lstm.BiasHh(1)! });

        using var trained = lstm.Forward(x);
        using var h1 = first.Forward(x);
        using var dropped = F.Dropout(h1, 0.5, training: true, generator: twin);
        using var expected = second.Forward(dropped);
        TensorAssert.Close(trained, TensorAssert.ToDoubles(expected), expected.Shape.ToArray(), 1e-12, 1e-12);

        lstm.Eval();
        using var evaluated = lstm.Forward(x);
        using var plain = second.Forward(h1);
        TensorAssert.Close(evaluated, TensorAssert.ToDoubles(plain), plain.Shape.ToArray(), 1e-12, 1e-12);
        Assert.That(TensorAssert.ToDoubles(trained), Is.Not.EqualTo(TensorAssert.ToDoubles(evaluated)));
    }

    [Test]
    public void StateDictUsesPyTorchNamesAndRoundTrips()
    {
        using var lstm = new LSTM(3, 4, numLayers: 2, bidirectional: true, device: device, generator: new Generator(1));
        var names = lstm.StateDict().Keys.ToArray();
        Assert.That(names, Is.EqualTo(new[]
        {
            "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
            "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
            "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
            "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse",
        }));
        Assert.That(lstm.WeightIh(1, reverse: true).Shape.ToArray(), Is.EqualTo(new long[] { 16, 8 }));
        Assert.That(lstm.WeightHh(0).Shape.ToArray(), Is.EqualTo(new long[] { 16, 4 }));
        double bound = 1 / Math.Sqrt(4);
        foreach (var p in lstm.Parameters())
            Assert.That(TensorAssert.ToDoubles(p).All(v => v >= -bound && v <= bound), Is.True, "U(-1/sqrt(hidden), 1/sqrt(hidden))");

        using var fresh = new LSTM(3, 4, numLayers: 2, bidirectional: true, device: device, generator: new Generator(2));
        fresh.LoadStateDict(lstm.StateDict());
        using var x = Tensor.Randn([3, 2, 3], device: device, generator: new Generator(3));
        using var a = lstm.Forward(x);
        using var b = fresh.Forward(x);
        Assert.That(TensorAssert.ToDoubles(b), Is.EqualTo(TensorAssert.ToDoubles(a)));
        Assert.That(a.Shape.ToArray(), Is.EqualTo(new long[] { 3, 2, 8 }));

        using var cell = new GRUCell(3, 4, bias: false, device: device);
        Assert.That(cell.StateDict().Keys.ToArray(), Is.EqualTo(new[] { "weight_ih", "weight_hh" }));
        Assert.That(cell.WeightIh.Shape.ToArray(), Is.EqualTo(new long[] { 12, 3 }));
    }

    [Test]
    public void FitsInSequential()
    {
        using var model = new Sequential(new GRU(3, 5, batchFirst: true, device: device), new Linear(5, 2, device: device));
        using var x = Tensor.Randn([2, 4, 3], device: device, generator: new Generator(1));
        using var y = model.Forward(x);
        Assert.That(y.Shape.ToArray(), Is.EqualTo(new long[] { 2, 4, 2 }));
        Assert.That(model.ToString(), Does.Contain("GRU(3, 5, batch_first=True)"));
    }

    [Test]
    public void ShapesOfOutputsAndStates()
    {
        using var lstm = new LSTM(3, 4, numLayers: 3, batchFirst: true, bidirectional: true, device: device);
        using var scope = Tensor.NewScope();
        var (output, (hN, cN)) = lstm.Forward(Tensor.Randn([2, 5, 3], device: device), null);
        Assert.That(output.Shape.ToArray(), Is.EqualTo(new long[] { 2, 5, 8 }));
        Assert.That(hN.Shape.ToArray(), Is.EqualTo(new long[] { 6, 2, 4 }));
        Assert.That(cN.Shape.ToArray(), Is.EqualTo(new long[] { 6, 2, 4 }));
        // The last layer's forward-direction h_n is its output at the last step.
        using var last = output.Select(1, 4).Narrow(1, 0, 4);
        TensorAssert.Close(hN.Select(0, 4), TensorAssert.ToDoubles(last), [2, 4], 0, 0);
        var (o1, h1) = new RNN(3, 4, device: device).Forward(Tensor.Randn([5, 3], device: device), null);
        Assert.That(o1.Shape.ToArray(), Is.EqualTo(new long[] { 5, 4 }));
        Assert.That(h1.Shape.ToArray(), Is.EqualTo(new long[] { 1, 4 }));
    }

    [Test]
    public void WrongShapesNameTheLayerAndBothShapes()
    {
        using var lstm = new LSTM(3, 4, numLayers: 2, device: device);
        using var scope = Tensor.NewScope();
        var ex = Assert.Throws<ArgumentException>(() => lstm.Forward(Tensor.Randn([5, 2, 7], device: device)));
        Assert.That(ex!.Message, Does.Contain("LSTM").And.Contain("[seq_len, batch, 3]").And.Contain("[5, 2, 7]"));
        ex = Assert.Throws<ArgumentException>(() => lstm.Forward(Tensor.Randn([5, 2, 3, 1], device: device)));
        Assert.That(ex!.Message, Does.Contain("LSTM").And.Contain("[5, 2, 3, 1]"));
        ex = Assert.Throws<ArgumentException>(() => lstm.Forward(Tensor.Randn([5, 2, 3], device: device), (Tensor.Zeros([1, 2, 4], device: device), Tensor.Zeros([2, 2, 4], device: device))));
        Assert.That(ex!.Message, Does.Contain("LSTM").And.Contain("h0").And.Contain("[2, 2, 4]").And.Contain("[1, 2, 4]"));
        using var gru = new GRU(3, 4, batchFirst: true, device: device);
        ex = Assert.Throws<ArgumentException>(() => gru.Forward(Tensor.Randn([2, 5, 3], device: device), Tensor.Zeros([1, 5, 4], device: device)));
        Assert.That(ex!.Message, Does.Contain("GRU").And.Contain("[1, 2, 4]").And.Contain("[1, 5, 4]"));
        using var cell = new LSTMCell(3, 4, device: device);
        ex = Assert.Throws<ArgumentException>(() => cell.Forward(Tensor.Randn([2, 5], device: device)));
        Assert.That(ex!.Message, Does.Contain("LSTMCell").And.Contain("[batch, 3]").And.Contain("[2, 5]"));
        ex = Assert.Throws<ArgumentException>(() => cell.Forward(Tensor.Randn([2, 3], device: device), (Tensor.Zeros([2, 4], device: device), Tensor.Zeros([3, 4], device: device))));
        Assert.That(ex!.Message, Does.Contain("LSTMCell").And.Contain("[2, 4]").And.Contain("[3, 4]"));
        ex = Assert.Throws<ArgumentException>(() => lstm.Forward(Tensor.Randn([5, 2, 3], DType.Float64, device)));
        Assert.That(ex!.Message, Does.Contain("LSTM").And.Contain("Float64"));
    }

    [Test]
    public void UnsupportedArguments()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new LSTM(3, 4, projSize: 4));
        Assert.That(ex!.Message, Does.Contain("LSTM").And.Contain("projSize").And.Contain("hiddenSize = 4"));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new LSTM(3, 4, projSize: -1));
        Assert.Throws<ArgumentException>(() => _ = new RNN(3, 4, nonlinearity: "sigmoid"));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new GRU(3, 4, dropout: 1.5));
    }
}

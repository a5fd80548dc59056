using CudaTensor.Backends;
using CudaTensor.Compilation;
using CudaTensor.NN;
using CudaTensor.Ops;
using CudaTensor.Optim;
using CudaTensor.Tests.Compilation.Fusion;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Compilation;

/// <summary>
/// GEMM epilogue fusion (<see cref="GemmEpilogueFusion"/>, <see cref="FusedGemmNode"/>): products followed by a bias,
/// an activation, a residual and a scale, compiled against the same ops run eagerly, forward and in training steps.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class GemmEpilogueFusionTests(Device device)
{
    private static IEnumerable<TestCaseData> Activations()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            yield return new TestCaseData("Relu", dtype);
            yield return new TestCaseData("Gelu", dtype);
            yield return new TestCaseData("GeluTanh", dtype);
            yield return new TestCaseData("Silu", dtype);
        }
    }

    private static Tensor Activate(string name, Tensor x) => name switch
    {
        "Relu" => x.Relu(),
        "Gelu" => x.Gelu(),
        "GeluTanh" => x.Gelu(GeluApproximation.Tanh),
        _ => x.Silu(),
    };

    // float32 within 1e-5 relative (cuBLASLt's GELU evaluates its own formula); float64 tight.
    private static double Rtol(DType dtype) => dtype == DType.Float64 ? 1e-12 : 1e-5;

    private Tensor Randn(long[] shape, DType dtype, Generator gen) => Tensor.Randn(shape, dtype, Device.Cpu, generator: gen).To(device);

    [TestCaseSource(nameof(Activations))]
    public void LinearBiasActivationMatchesEager(string activation, DType dtype)
    {
        using var scope = Tensor.NewScope();
        var gen = new Generator(41);
        var w = Randn([16, 8], dtype, gen);
        var b = Randn([16], dtype, gen);
        Func<Tensor, Tensor> layer = x => Activate(activation, Functional.Linear(x, w, b));
        var compiled = Compile.Function(layer);
        for (int call = 0; call < 4; call++)
        {
            var x = Randn([6, 8], dtype, gen);
            FusedAssert.Close(compiled(x), layer(x), $"{activation} call {call}", Rtol(dtype), 1e-7);
        }
        string report = Compile.Explain(compiled, Randn([6, 8], dtype, gen));
        TestContext.Out.WriteLine(report);
        Assert.That(report, Does.Contain("FusedGemm").And.Contain("(bias), " + activation + " }"));
        Assert.That(report, Does.Contain("GEMM epilogue fusion: 3 node(s) in 1 GEMM(s) with epilogues"));
        Assert.That(report, Does.Not.Contain("Unary." + activation + "("));
    }

    [TestCase(DType.Float32)]
    [TestCase(DType.Float64)]
    public void ResidualAndScaleJoinTheEpilogue(DType dtype)
    {
        using var scope = Tensor.NewScope();
        var gen = new Generator(42);
        var w = Randn([12, 8], dtype, gen);
        var b = Randn([12], dtype, gen);
        // A residual block's tail: (gelu(x Wᵀ + b) + r) * 0.5, on a batch of sequences [2, 3, 8].
        Func<Tensor, Tensor, Tensor> block = (x, r) => (Functional.Linear(x, w, b).Gelu(GeluApproximation.Tanh) + r) * 0.5;
        var compiled = Compile.Function(block);
        for (int call = 0; call < 3; call++)
        {
            var x = Randn([2, 3, 8], dtype, gen);
            var r = Randn([2, 3, 12], dtype, gen);
            FusedAssert.Close(compiled(x, r), block(x, r), $"call {call}", Rtol(dtype), 1e-7);
        }
        string report = Compile.Explain(compiled, Randn([2, 3, 8], dtype, gen), Randn([2, 3, 12], dtype, gen));
        TestContext.Out.WriteLine(report);
        Assert.That(report, Does.Contain("epilogue={ Add state").And.Contain("(bias), GeluTanh, Add in1 (operand), Mul "));
        Assert.That(report, Does.Contain("(scale) }"));
    }

    [Test]
    public void LargeProductsMatchEagerExactly()
    {
        // On the CPU: several row blocks, ragged column panels and threads, each applying the epilogue to its blocks.
        using var scope = Tensor.NewScope();
        var gen = new Generator(46);
        long m = device.IsCpu ? 300 : 9, k = device.IsCpu ? 200 : 8, n = device.IsCpu ? 517 : 12;
        var w = Randn([n, k], DType.Float64, gen);
        var b = Randn([n], DType.Float64, gen);
        var r = Randn([m, n], DType.Float64, gen);
        Func<Tensor, Tensor> layer = x => Functional.Linear(x, w, b).Silu() - r;
        var compiled = Compile.Function(layer);
        for (int call = 0; call < 3; call++)
        {
            var x = Randn([m, k], DType.Float64, gen);
            if (device.IsCpu) FusedAssert.Identical(compiled(x), layer(x), $"call {call}");
            else FusedAssert.Close(compiled(x), layer(x), $"call {call}", 1e-12, 1e-14);
        }
        Assert.That(Compile.Explain(compiled, Randn([m, k], DType.Float64, gen)), Does.Contain("(bias), Silu, Sub "));
    }

    [Test]
    public void AProductReadElsewhereIsNotFused()
    {
        using var scope = Tensor.NewScope();
        var gen = new Generator(43);
        var w = Randn([8, 8], DType.Float32, gen);
        var b = Randn([8], DType.Float32, gen);
        // The plain product is also returned: it must be stored as it is, so the epilogue leaves it alone.
        Func<Tensor[], Tensor[]> body = xs => { var p = xs[0].MatMul(w); return [p, (p + b).Relu()]; };
        var compiled = Compile.Function(body);
        for (int call = 0; call < 3; call++)
        {
            var x = Randn([5, 8], DType.Float32, gen);
            var got = compiled([x]);
            var want = body([x]);
            FusedAssert.Close(got[0], want[0], "product", 1e-6, 1e-7);
            FusedAssert.Close(got[1], want[1], "relu", 1e-6, 1e-7);
        }
        Assert.That(Compile.Explain(compiled, [Randn([5, 8], DType.Float32, gen)]), Does.Not.Contain("FusedGemm"));
    }

    [TestCase(DType.Float32, "Gelu")]
    [TestCase(DType.Float64, "Gelu")]
    [TestCase(DType.Float32, "Relu")]
    [TestCase(DType.Float64, "Silu")]
    public void TrainingStepsMatchEager(DType dtype, string activation)
    {
        using var scope = Tensor.NewScope();
        Module Act() => activation switch { "Gelu" => new GELU(), "Relu" => new ReLU(), _ => new SiLU() };
        Sequential Model() => new Sequential(
            new Linear(8, 16, dtype: dtype, generator: new Generator(1)), Act(),
            new Linear(16, 4, dtype: dtype, generator: new Generator(2))).To(device);
        using var eagerModel = Model();
        using var compiledModel = Model();
        using var eagerOpt = new Adam(eagerModel.Parameters(), lr: 0.01);
        using var compiledOpt = new Adam(compiledModel.Parameters(), lr: 0.01);
        var loss = new CrossEntropyLoss();
        Func<Tensor, Tensor, Tensor> Body(Sequential model, Optimizer opt) => (x, y) =>
        {
            opt.ZeroGrad();
            var l = loss.Forward(model.Forward(x), y);
            l.Backward();
            opt.Step();
            return l;
        };
        var eager = Body(eagerModel, eagerOpt);
        var compiled = Compile.Function(Body(compiledModel, compiledOpt));
        var gen = new Generator(44);
        for (int step = 0; step < 4; step++)
        {
            var x = Randn([6, 8], dtype, gen);
            var y = Tensor.RandInt(0, 4, [6], generator: gen).To(device);
            FusedAssert.Close(compiled(x, y), eager(x, y), $"loss {step}", Rtol(dtype), 1e-7);
        }
        var pe = eagerModel.Parameters().ToList();
        var pc = compiledModel.Parameters().ToList();
        for (int i = 0; i < pe.Count; i++)
        {
            FusedAssert.Close(pc[i], pe[i], $"parameter {i}", Rtol(dtype), 1e-7);
            FusedAssert.Close(pc[i].Grad!, pe[i].Grad!, $"gradient {i}", Rtol(dtype), 1e-7);
        }
        // The first layer's pre-activation is read by the activation's backward: the epilogue stores it.
        string report = Compile.Explain(compiled, Randn([6, 8], dtype, gen), Tensor.RandInt(0, 4, [6], generator: gen).To(device));
        TestContext.Out.WriteLine(report);
        Assert.That(report, Does.Contain("FusedGemm").And.Contain("(bias), store "));
    }

    [Test]
    public void TheBackendRunsSupportedEpiloguesInTheProduct()
    {
        using var scope = Tensor.NewScope();
        var gen = new Generator(45);
        var a = Randn([1, 4, 8], DType.Float32, gen);
        var b = Randn([1, 8, 16], DType.Float32, gen);
        var bias = Randn([16], DType.Float32, gen);
        var backend = a.Backend;
        Assert.That(backend, Is.InstanceOf<IGemmEpilogue>(), "both backends fuse epilogues");
        var biasRows = bias.Layout.WithLayout([4, 16], [0, 1]);
        foreach (var op in new[] { UnaryOp.Relu, UnaryOp.GeluTanh, UnaryOp.Gelu })
        {
            var dst = Tensor.Empty([1, 4, 16], DType.Float32, device);
            var epilogue = new GemmEpilogue([GemmEpilogueStep.With(BinaryOp.Add, biasRows), GemmEpilogueStep.Activation(op)]);
            bool fused = ((IGemmEpilogue)backend).TryMatMulEpilogue(dst.Layout, a.Layout, b.Layout, epilogue);
            // cuBLASLt has bias + ReLU and bias + tanh-GELU, not exact GELU (the compiled node then falls back).
            bool expected = device.IsCpu || op != UnaryOp.Gelu;
            Assert.That(fused, Is.EqualTo(expected), $"{op} on {device}");
            if (!fused) continue;
            var want = op switch
            {
                UnaryOp.Relu => (a.MatMul(b) + bias).Relu(),
                UnaryOp.GeluTanh => (a.MatMul(b) + bias).Gelu(GeluApproximation.Tanh),
                _ => (a.MatMul(b) + bias).Gelu(),
            };
            FusedAssert.Close(dst, want, op.ToString(), 1e-5, 1e-7);
        }
    }
}

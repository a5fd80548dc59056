using CudaTensor.Compilation;
using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Compilation;

/// <summary>Compiled functions of every signature against eager mode, guards, state and randomness, on each device.</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class CompileFunctionTests(Device device)
{
    private Tensor Random(long[] shape, ulong seed, DType dtype = DType.Float32)
        => Tensor.Randn(shape, dtype, generator: new Generator(seed)).To(device);

    private static CompiledFunction.Entry OnlyEntry(Delegate fn) => Compile.Find(fn)!.Entries.Single();

    [TestCase(DType.Float32)]
    [TestCase(DType.Float64)]
    public void OneArgumentMatchesEagerOnEveryCall(DType dtype)
    {
        static Tensor Body(Tensor x) => ((x * 2.0 + 1.0).Sigmoid() * x - x.Tanh()).Relu();
        var compiled = Compile.Function(Body);
        for (ulong call = 0; call < 5; call++)
        {
            using var x = Random([7, 5], call, dtype);
            using var expected = Body(x);
            using var actual = compiled(x);
            CompileAssert.Same(expected, actual, CompileAssert.Tolerance(dtype), $"call {call}");
        }
        var entry = OnlyEntry(compiled);
        Assert.That(entry.Stage, Is.EqualTo(CompiledFunction.Stage.Traced));
        Assert.That(entry.Executor!.Replays, Is.EqualTo(3));
    }

    [Test]
    public void TwoAndThreeArgumentsWithBroadcastingMatchEager()
    {
        static Tensor Two(Tensor a, Tensor b) => (a * b + a).Exp().Sum(1);
        static Tensor Three(Tensor a, Tensor b, Tensor c) => Tensor.MatMul(a, b).Relu() + c;
        var two = Compile.Function(Two);
        var three = Compile.Function(Three);
        for (ulong call = 0; call < 4; call++)
        {
            using var a = Random([4, 6], call);
            using var b = Random([6], call + 10);
            using var m = Random([6, 3], call + 20);
            using var c = Random([3], call + 30);
            using (var e = Two(a, b))
            using (var r = two(a, b)) CompileAssert.Same(e, r, 1e-6, "two");
            using (var e = Three(a, m, c))
            using (var r = three(a, m, c)) CompileAssert.Same(e, r, 1e-6, "three");
        }
        Assert.That(OnlyEntry(two).Stage, Is.EqualTo(CompiledFunction.Stage.Traced));
        Assert.That(OnlyEntry(three).Stage, Is.EqualTo(CompiledFunction.Stage.Traced));
    }

    [Test]
    public void ArrayFunctionReturnsSeveralOutputsAndArgumentAliases()
    {
        static Tensor[] Body(Tensor[] a) => [a[0] + a[1], (a[0] * a[1]).Neg(), a[0]];
        var compiled = Compile.Function(Body);
        for (ulong call = 0; call < 4; call++)
        {
            using var x = Random([3, 4], call);
            using var y = Random([3, 4], call + 7);
            var expected = Body([x, y]);
            var actual = compiled([x, y]);
            Assert.That(actual, Has.Length.EqualTo(3));
            CompileAssert.Same(expected[0], actual[0], 1e-6, "sum");
            CompileAssert.Same(expected[1], actual[1], 1e-6, "negated product");
            // Returning an argument returns a view of it, as eager mode returns the argument itself.
            Assert.That(actual[2].Storage, Is.SameAs(x.Storage));
            foreach (var t in expected.Take(2).Concat(actual)) t.Dispose();
        }
    }

    [Test]
    public void MlpForwardMatchesEager()
    {
        using var model = new Sequential(
            new Linear(8, 16, generator: new Generator(1)), new ReLU(), new Linear(16, 4, generator: new Generator(2))).To(device);
        var compiled = Compile.Function((Tensor x) => model.Forward(x));
        using var noGrad = global::CudaTensor.Autograd.NoGrad();
        for (ulong call = 0; call < 4; call++)
        {
            using var x = Random([5, 8], call);
            using var expected = model.Forward(x);
            using var actual = compiled(x);
            CompileAssert.Same(expected, actual, 1e-6, $"call {call}");
        }
        Assert.That(OnlyEntry(compiled).Stage, Is.EqualTo(CompiledFunction.Stage.Traced));
    }

    [Test]
    public void ShapeAndDtypeChangesRetrace()
    {
        var compiled = Compile.Function((Tensor x) => (x * x).Sum(0));
        foreach (var (shape, dtype) in new[] { (new long[] { 4, 3 }, DType.Float32), ([5, 3], DType.Float32), ([4, 3], DType.Float64) })
        {
            for (ulong call = 0; call < 3; call++)
            {
                using var x = Random(shape, call, dtype);
                using var expected = (x * x).Sum(0);
                using var actual = compiled(x);
                CompileAssert.Same(expected, actual, CompileAssert.Tolerance(dtype), $"{dtype} {shape.Length}");
            }
        }
        var entries = Compile.Find(compiled)!.Entries;
        Assert.That(entries, Has.Count.EqualTo(3));
        Assert.That(entries.All(e => e.Stage == CompiledFunction.Stage.Traced), Is.True);
    }

    [Test]
    public void CacheIsBoundedLeastRecentlyUsedFirst()
    {
        var compiled = Compile.Function((Tensor x) => x + 1.0, new CompileOptions { CacheSize = 2 });
        foreach (long n in new long[] { 2, 3, 4 })
        {
            using var x = Random([n], 1);
            using var y = compiled(x);
        }
        var entries = Compile.Find(compiled)!.Entries;
        Assert.That(entries, Has.Count.EqualTo(2));
        Assert.That(entries[0].Signature.Text, Does.Contain("[4]"));
        Assert.That(entries[1].Signature.Text, Does.Contain("[3]"));
    }

    [Test]
    public void StateMutatedBetweenCallsIsSeen()
    {
        using var w = Random([3], 5);
        var compiled = Compile.Function((Tensor x) => x * w);
        using var x = Random([2, 3], 6);
        for (int call = 0; call < 3; call++) compiled(x).Dispose();
        using (var fresh = Random([3], 9)) w.CopyFrom(fresh);
        using var expected = x * w;
        using var actual = compiled(x);
        CompileAssert.Same(expected, actual, 0, "after the state changed");
        Assert.That(OnlyEntry(compiled).Executor!.Replays, Is.EqualTo(2));
    }

    [Test]
    public void TrainEvalSwitchRetracesAndDropoutDrawsAsEager()
    {
        var eagerGen = new Generator(42);
        var compiledGen = new Generator(42);
        using var eagerModel = new Sequential(new Linear(6, 6, generator: new Generator(3)), new Dropout(0.5, eagerGen)).To(device);
        using var model = new Sequential(new Linear(6, 6, generator: new Generator(3)), new Dropout(0.5, compiledGen)).To(device);
        var compiled = Compile.Module(model);
        using var noGrad = global::CudaTensor.Autograd.NoGrad();
        foreach (bool training in new[] { true, false, true })
        {
            eagerModel.Train(training);
            compiled.Train(training);
            for (ulong call = 0; call < 4; call++)
            {
                using var x = Random([4, 6], call);
                using var expected = eagerModel.Forward(x);
                using var actual = compiled.Forward(x);
                CompileAssert.Same(expected, actual, 1e-6, $"training={training} call {call}");
            }
        }
        Assert.That(compiledGen.Offset, Is.EqualTo(eagerGen.Offset));
        var entries = compiled.Function.Entries;
        Assert.That(entries, Has.Count.EqualTo(2));
        Assert.That(entries.All(e => e.Stage == CompiledFunction.Stage.Traced), Is.True);
        Assert.That(model.Modules().OfType<Dropout>().Single().IsTraining, Is.True);
    }

    [Test]
    public void ModuleForwardThatNeedsGradRunsEagerlyWithTheReason()
    {
        var warnings = new List<string>();
        using var model = new Linear(3, 2, generator: new Generator(1)).To(device);
        var compiled = Compile.Module(model, new CompileOptions { Warn = warnings.Add });
        using var x = Random([2, 3], 1);
        for (int call = 0; call < 3; call++)
        {
            using var y = compiled.Forward(x);
            Assert.That(y.GradFn, Is.Not.Null, "eager fallback keeps autograd");
        }
        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(warnings[0], Does.Contain("autograd graph"));
    }

    [Test]
    public void ItemInsideTheBodyFallsBackWithOneWarning()
    {
        var warnings = new List<string>();
        static Tensor Body(Tensor x) => x * (double)x.Sum().Item<float>();
        var compiled = Compile.Function(Body, new CompileOptions { Warn = warnings.Add });
        for (ulong call = 0; call < 4; call++)
        {
            using var x = Random([3], call);
            using var expected = Body(x);
            using var actual = compiled(x);
            CompileAssert.Same(expected, actual, 0, $"call {call}");
        }
        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(warnings[0], Does.Contain("Item"));
        Assert.That(OnlyEntry(compiled).Stage, Is.EqualTo(CompiledFunction.Stage.Eager));
    }

    [Test]
    public void ItemInsideTheBodyThrowsWithoutFallback()
    {
        var compiled = Compile.Function((Tensor x) => x * (double)x.Sum().Item<float>(), new CompileOptions { FallbackToEager = false });
        using var x = Random([3], 1);
        var error = Assert.Throws<CompilationException>(() => compiled(x));
        Assert.That(error!.Op, Is.EqualTo("Item"));
        Assert.That(error.Message, Does.Contain("Item").And.Contain("FallbackToEager"));
    }

    [Test]
    public void ExplainShowsTheGraphAndTheMemoryPlan()
    {
        using var w = Random([4], 2);
        Func<Tensor, Tensor> body = x => (x * w + 1.0).Relu().Sum();
        using var x = Random([3, 4], 1);
        // Unoptimized, the report lists each recorded primitive; optimized, the elementwise chain is one fusion group.
        string plain = Compile.Explain(Compile.Function(body, new CompileOptions { Optimize = false }), x);
        Assert.That(plain, Does.Contain("signature: Tensor [3, 4] float32"));
        Assert.That(plain, Does.Contain("Binary.Mul(in0[3, 4]"));
        Assert.That(plain, Does.Contain("Reduce.Sum"));
        string fused = Compile.Explain(Compile.Function(body), x);
        Assert.That(fused, Does.Contain("FusedElementwise"));
        Assert.That(fused, Does.Not.Contain("Binary.Mul("));
        Assert.That(fused, Does.Contain("Reduce.Sum"));
        Assert.That(fused, Does.Contain("arena:"));
        Assert.That(fused, Does.Contain("dead-code elimination"));
    }

    [Test]
    public void ExplainGivesTheFallbackReason()
    {
        static Tensor Body(Tensor x) => x * (double)x.Sum().Item<float>();
        using var x = Random([3], 1);
        string report = Compile.Explain((Func<Tensor, Tensor>)Body, x);
        Assert.That(report, Does.Contain("runs eagerly: Item"));
    }

    [Test]
    public void GradientHookInsideTheStepFallsBackWithTheReason()
    {
        var warnings = new List<string>();
        using var w = Random([3], 4);
        w.RequiresGrad = true;
        int hookCalls = 0;
        using var handle = w.RegisterHook(g =>
        {
            hookCalls++;
            return null;
        });
        var compiled = Compile.Function((Tensor x) =>
        {
            var loss = (x * w).Sum();
            loss.Backward();
            return loss.Detach();
        }, new CompileOptions { Warn = warnings.Add });
        using var x = Random([3], 5);
        for (int call = 0; call < 3; call++) compiled(x).Dispose();
        Assert.That(hookCalls, Is.EqualTo(3), "the hook ran on every call, eagerly");
        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(warnings[0], Does.Contain("hook"));
    }

    [Test]
    public void CompiledFunctionCalledInsideAnotherIsCapturedInline()
    {
        var inner = Compile.Function((Tensor x) => (x * 3.0).Exp());
        static Tensor Eager(Tensor x) => (x * 3.0).Exp() + x;
        // Unoptimized, so that the inner function's primitives stay visible as nodes of the outer graph.
        var outer = Compile.Function((Tensor x) => inner(x) + x, new CompileOptions { Optimize = false });
        for (ulong call = 0; call < 4; call++)
        {
            using var x = Random([2, 3], call);
            using var expected = Eager(x);
            using var actual = outer(x);
            CompileAssert.Same(expected, actual, 1e-6, $"call {call}");
        }
        Assert.That(OnlyEntry(outer).Stage, Is.EqualTo(CompiledFunction.Stage.Traced));
        Assert.That(OnlyEntry(outer).Executor!.Graph.Nodes.Select(n => n.Name), Has.Some.EqualTo("Unary.Exp"));
        Assert.That(Compile.Find(inner)!.Entries, Is.Empty, "the inner function ran inline during the outer warm-up and trace");
    }
}

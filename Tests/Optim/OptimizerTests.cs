using CudaTensor.Optim;
using CudaTensor.Tests.Support;
using NUnit.Framework;
using static CudaTensor.Tests.Optim.ReferenceOptimizers;

namespace CudaTensor.Tests.Optim;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public class OptimizerTests(Device device)
{
    private static readonly double[] Theta0 = [0.5, -1.25, 2.0, 0.0, -0.3, 1.7];

    // Five steps of gradients with sign changes and shrinking magnitudes (so AMSGrad's running max matters).
    private static readonly double[][] Grads =
    [
        [0.9, -0.4, 1.5, 0.2, -2.0, 0.05],
        [-0.3, 0.6, 1.1, -0.1, -1.0, 0.07],
        [0.1, 0.2, -0.5, 0.3, -0.2, -0.4],
        [0.05, -0.1, 0.2, 0.0, 0.8, 0.3],
        [-0.02, 0.03, 0.1, -0.05, 0.1, 0.2],
    ];

    private static double Round(double x, DType dtype) => dtype == DType.Float32 ? (float)x : x;

    /// <summary>Runs the optimizer made by <paramref name="make"/> for every step of <see cref="Grads"/> and compares with <paramref name="expected"/>.</summary>
    private void CheckAgainstReference(DType dtype, Func<IEnumerable<Tensor>, Optimizer> make, Func<double[], double[][], double[][]> reference)
    {
        var theta0 = Theta0.Select(x => Round(x, dtype)).ToArray();
        var grads = Grads.Select(g => g.Select(x => Round(x, dtype)).ToArray()).ToArray();
        var expected = reference(theta0, grads);
        using var p = Tensor.FromArray(theta0, [2, 3], device).To(dtype);
        p.RequiresGrad = true;
        using var optimizer = make([p]);
        double rtol = dtype == DType.Float32 ? 2e-5 : 1e-12, atol = dtype == DType.Float32 ? 2e-6 : 1e-14;
        for (int t = 0; t < grads.Length; t++)
        {
            using (var g64 = Tensor.FromArray(grads[t], [2, 3], device)) p.Grad = g64.To(dtype);
            optimizer.Step();
            Assert.That(p.DType, Is.EqualTo(dtype));
            TensorAssert.Close(p, expected[t], [2, 3], rtol, atol);
            p.Grad?.Dispose();
            p.Grad = null;
        }
    }

    private static IEnumerable<SgdArgs> SgdCases()
    {
        yield return new SgdArgs(0.1);
        yield return new SgdArgs(0.05, Momentum: 0.9);
        yield return new SgdArgs(0.05, Momentum: 0.9, Dampening: 0.3);
        yield return new SgdArgs(0.05, Momentum: 0.8, Nesterov: true);
        yield return new SgdArgs(0.1, Momentum: 0.5, WeightDecay: 0.01, Nesterov: true);
        yield return new SgdArgs(0.2, WeightDecay: 0.1, Maximize: true);
    }

    [Test]
    public void SgdMatchesPyTorchAlgorithm([ValueSource(nameof(SgdCases))] SgdArgs a, [Values(DType.Float32, DType.Float64)] DType dtype)
        => CheckAgainstReference(dtype,
            ps => new SGD(ps, a.Lr, a.Momentum, a.Dampening, a.WeightDecay, a.Nesterov, a.Maximize),
            (t0, g) => Sgd(t0, g, a));

    private static IEnumerable<AdamArgs> AdamCases()
    {
        yield return new AdamArgs();
        yield return new AdamArgs(Lr: 0.1);
        yield return new AdamArgs(Lr: 0.05, Beta1: 0.3, Beta2: 0.9, Eps: 1e-3);
        yield return new AdamArgs(Lr: 0.01, WeightDecay: 0.1);
        yield return new AdamArgs(Lr: 0.02, Amsgrad: true);
        yield return new AdamArgs(Lr: 0.02, Amsgrad: true, WeightDecay: 0.05, Maximize: true);
    }

    [Test]
    public void AdamMatchesPyTorchAlgorithm([ValueSource(nameof(AdamCases))] AdamArgs a, [Values(DType.Float32, DType.Float64)] DType dtype)
        => CheckAgainstReference(dtype,
            ps => new Adam(ps, a.Lr, (a.Beta1, a.Beta2), a.Eps, a.WeightDecay, a.Amsgrad, a.Maximize),
            (t0, g) => Adam(t0, g, a));

    private static IEnumerable<AdamArgs> AdamWCases()
    {
        yield return new AdamArgs(WeightDecay: 1e-2, Decoupled: true);
        yield return new AdamArgs(Lr: 0.1, WeightDecay: 0.5, Decoupled: true);
        yield return new AdamArgs(Lr: 0.02, Beta1: 0.6, WeightDecay: 0.1, Amsgrad: true, Decoupled: true);
        yield return new AdamArgs(Lr: 0.05, WeightDecay: 0, Decoupled: true);
    }

    [Test]
    public void AdamWMatchesPyTorchAlgorithm([ValueSource(nameof(AdamWCases))] AdamArgs a, [Values(DType.Float32, DType.Float64)] DType dtype)
        => CheckAgainstReference(dtype,
            ps => new AdamW(ps, a.Lr, (a.Beta1, a.Beta2), a.Eps, a.WeightDecay, a.Amsgrad, a.Maximize),
            (t0, g) => Adam(t0, g, a));

    private static IEnumerable<RmspropArgs> RmspropCases()
    {
        yield return new RmspropArgs();
        yield return new RmspropArgs(Lr: 0.001, Alpha: 0.9);
        yield return new RmspropArgs(Centered: true);
        yield return new RmspropArgs(Lr: 0.005, Momentum: 0.9);
        yield return new RmspropArgs(Lr: 0.005, Alpha: 0.8, Momentum: 0.5, Centered: true, WeightDecay: 0.1, Eps: 1e-4);
        yield return new RmspropArgs(Maximize: true, WeightDecay: 0.01);
    }

    [Test]
    public void RmspropMatchesPyTorchAlgorithm([ValueSource(nameof(RmspropCases))] RmspropArgs a, [Values(DType.Float32, DType.Float64)] DType dtype)
        => CheckAgainstReference(dtype,
            ps => new RMSprop(ps, a.Lr, a.Alpha, a.Eps, a.WeightDecay, a.Momentum, a.Centered, a.Maximize),
            (t0, g) => Rmsprop(t0, g, a));

    [Test]
    public void AdamFirstStepMovesEachElementByLr()
    {
        // After one step m̂ = g and v̂ = g², so the update is lr·g/(|g| + eps) ≈ lr·sign(g).
        using var p = Tensor.FromArray(new double[] { 1, 1, 1 }, device);
        p.RequiresGrad = true;
        using var adam = new Adam([p], lr: 0.1);
        p.Grad = Tensor.FromArray(new double[] { 3, -0.5, 0 }, device);
        adam.Step();
        TensorAssert.Close(p, [1 - 0.1 * 3 / (3 + 1e-8), 1 + 0.1 * 0.5 / (0.5 + 1e-8), 1], [3], 1e-14, 1e-15);
        Assert.That(adam.State[p].Step, Is.EqualTo(1));
        Assert.That(adam.State[p].Tensors.Keys, Is.EquivalentTo(new[] { "exp_avg", "exp_avg_sq" }));
    }

    [Test]
    public void SgdMomentumBufferStartsAsTheFirstGradient()
    {
        using var p = Tensor.FromArray(new double[] { 0, 0 }, device);
        p.RequiresGrad = true;
        using var sgd = new SGD([p], lr: 1, momentum: 0.9, dampening: 0.5);
        p.Grad = Tensor.FromArray(new double[] { 1, 2 }, device);
        sgd.Step();
        // No dampening on the first step: b = g.
        TensorAssert.Close(sgd.State[p].Tensors["momentum_buffer"], [1, 2], [2], 0, 0);
        TensorAssert.Close(p, [-1, -2], [2], 0, 0);
        sgd.Step();
        // b = 0.9·b + 0.5·g.
        TensorAssert.Close(sgd.State[p].Tensors["momentum_buffer"], [1.4, 2.8], [2], 1e-15, 0);
    }

    [Test]
    public void ParameterGroupsUseTheirOwnHyperParameters()
    {
        using var a = Tensor.FromArray(new double[] { 1, 2 }, device);
        using var b = Tensor.FromArray(new double[] { 3 }, device);
        a.RequiresGrad = b.RequiresGrad = true;
        using var sgd = new SGD([new ParamGroup([a]) { Lr = 0.1 }, new ParamGroup([b]) { ["momentum"] = 0.5 }], lr: 0.01);
        Assert.That(sgd.ParamGroups[0].Lr, Is.EqualTo(0.1));
        Assert.That(sgd.ParamGroups[0]["momentum"], Is.EqualTo(0));
        Assert.That(sgd.ParamGroups[1].Lr, Is.EqualTo(0.01));
        Assert.That(sgd.ParamGroups[1]["momentum"], Is.EqualTo(0.5));
        for (int step = 0; step < 2; step++)
        {
            a.Grad = Tensor.FromArray(new double[] { 1, 1 }, device);
            b.Grad = Tensor.FromArray(new double[] { 1 }, device);
            sgd.Step();
        }
        TensorAssert.Close(a, [1 - 0.2, 2 - 0.2], [2], 1e-14, 0);
        // Momentum 0.5: buffers 1 then 1.5, so b = 3 - 0.01·(1 + 1.5).
        TensorAssert.Close(b, [3 - 0.025], [1], 1e-14, 0);
        sgd.ParamGroups[1].Lr = 0;
        sgd.Step();
        TensorAssert.Close(b, [3 - 0.025], [1], 1e-14, 0);
    }

    [Test]
    public void AddParamGroupFillsDefaults()
    {
        using var a = Tensor.Zeros([2], device: device);
        using var b = Tensor.Zeros([3], device: device);
        using var adam = new Adam([a], lr: 0.5, betas: (0.8, 0.999));
        adam.AddParamGroup(new ParamGroup([b]) { Lr = 0.1 });
        Assert.That(adam.ParamGroups[1].Lr, Is.EqualTo(0.1));
        Assert.That(adam.ParamGroups[1]["beta1"], Is.EqualTo(0.8));
        Assert.That(adam.ParamGroups[1].Flag("amsgrad"), Is.False);
    }

    [Test]
    public void ZeroGradSetsToNullOrZeros()
    {
        using var p = Tensor.Ones([2], device: device);
        using var q = Tensor.Ones([2], device: device);
        using var sgd = new SGD([p, q], lr: 0.1);
        p.Grad = Tensor.Full([2], 3.0, device: device);
        var old = p.Grad;
        sgd.ZeroGrad();
        Assert.That(p.Grad, Is.Null);
        Assert.That(old.IsDisposed, Is.True);
        Assert.That(q.Grad, Is.Null);

        p.Grad = Tensor.Full([2], 3.0, device: device);
        var kept = p.Grad;
        sgd.ZeroGrad(setToNull: false);
        Assert.That(p.Grad, Is.SameAs(kept));
        TensorAssert.Close(p.Grad!, [0, 0], [2]);
        // A step with zero gradients and no momentum leaves the parameter alone; null gradients are skipped.
        sgd.Step();
        TensorAssert.Close(p, [1, 1], [2]);
        Assert.That(sgd.State.ContainsKey(q), Is.False);
    }

    [Test]
    public void StepSkipsParametersWithoutGradients()
    {
        using var p = Tensor.Ones([2], device: device);
        using var adam = new Adam([p]);
        adam.Step();
        TensorAssert.Close(p, [1, 1], [2]);
        Assert.That(adam.State, Is.Empty);
    }

    [Test]
    public void StateDictRoundTripContinuesIdentically([Values] bool viaTensors)
    {
        using var p1 = Tensor.FromArray(new float[] { 0.5f, -1, 2, 3 }, [2, 2], device);
        using var p2 = p1.Clone();
        p1.RequiresGrad = p2.RequiresGrad = true;
        using var first = new Adam([p1], lr: 0.05, amsgrad: true, weightDecay: 0.01);
        for (int t = 0; t < 3; t++)
        {
            p1.Grad = Tensor.FromArray(Grads[t].Take(4).Select(x => (float)x).ToArray(), [2, 2], device);
            first.Step();
        }
        using (Autograd.NoGrad()) p2.CopyFrom(p1);
        using var second = new Adam([p2], lr: 0.5);
        using (var sd = first.StateDict())
        {
            Assert.That(sd.State[0].Step, Is.EqualTo(3));
            Assert.That(sd.State[0].Tensors.Keys, Is.EquivalentTo(new[] { "exp_avg", "exp_avg_sq", "max_exp_avg_sq" }));
            Assert.That(sd.ParamGroups[0].Params, Is.EqualTo(new[] { 0 }));
            if (viaTensors)
            {
                var flat = sd.ToTensors();
                using var rebuilt = OptimizerStateDict.FromTensors(flat);
                foreach (var (k, t) in flat)
                {
                    if (!k.StartsWith("state.0.e", StringComparison.Ordinal) && !k.StartsWith("state.0.m", StringComparison.Ordinal)) t.Dispose();
                }
                second.LoadStateDict(rebuilt);
            }
            else
            {
                second.LoadStateDict(sd);
            }
        }
        Assert.That(second.ParamGroups[0].Lr, Is.EqualTo(0.05));
        Assert.That(second.ParamGroups[0].Flag("amsgrad"), Is.True);
        Assert.That(second.State[p2].Step, Is.EqualTo(3));
        for (int t = 3; t < 5; t++)
        {
            p1.Grad = Tensor.FromArray(Grads[t].Take(4).Select(x => (float)x).ToArray(), [2, 2], device);
            p2.Grad = p1.Grad.Clone();
            first.Step();
            second.Step();
            Assert.That(p2.ToArray<float>(), Is.EqualTo(p1.ToArray<float>()));
        }
    }

    [Test]
    public void StateDictIsASnapshot()
    {
        using var p = Tensor.Zeros([2], DType.Float64, device);
        using var sgd = new SGD([p], lr: 1, momentum: 0.5);
        p.Grad = Tensor.Ones([2], DType.Float64, device);
        sgd.Step();
        using var sd = sgd.StateDict();
        sgd.Step();
        TensorAssert.Close(sd.State[0].Tensors["momentum_buffer"], [1, 1], [2], 0, 0);
        TensorAssert.Close(sgd.State[p].Tensors["momentum_buffer"], [1.5, 1.5], [2], 0, 0);
    }

    [Test]
    public void LoadStateDictRejectsMismatchedGroups()
    {
        using var a = Tensor.Zeros([2], device: device);
        using var b = Tensor.Zeros([2], device: device);
        using var one = new SGD([a, b]);
        using var two = new SGD([new ParamGroup([a]), new ParamGroup([b])]);
        using var sd = one.StateDict();
        var ex = Assert.Throws<ArgumentException>(() => two.LoadStateDict(sd));
        Assert.That(ex!.Message, Does.Contain("1 parameter groups").And.Contain("has 2"));
        using var sd2 = two.StateDict();
        Assert.Throws<ArgumentException>(() => one.LoadStateDict(sd2));
    }

    [Test]
    public void InvalidArgumentsAreRejected()
    {
        using var p = Tensor.Zeros([2], device: device);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SGD([p], lr: -1));
        Assert.Throws<ArgumentException>(() => new SGD([p], momentum: 0, nesterov: true));
        Assert.Throws<ArgumentException>(() => new SGD([p], momentum: 0.9, dampening: 0.1, nesterov: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([p], betas: (1.0, 0.999)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([p], eps: -1e-8));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RMSprop([p], alpha: -0.1));
        Assert.Throws<ArgumentException>(() => new Adam(Array.Empty<Tensor>()));
        var dup = Assert.Throws<ArgumentException>(() => new SGD([p, p]));
        Assert.That(dup!.Message, Does.Contain("more than once"));
        var typo = Assert.Throws<ArgumentException>(() => new Adam([new ParamGroup([p]) { ["betas1"] = 0.5 }]));
        Assert.That(typo!.Message, Does.Contain("'betas1'").And.Contain("'beta1'"));
        using var ints = Tensor.Zeros([2], DType.Int64, device);
        Assert.Throws<ArgumentException>(() => new SGD([ints]));
    }

    [Test]
    public void ClosureIsEvaluatedBeforeTheStep()
    {
        using var p = Tensor.FromArray(new double[] { 2 }, device);
        p.RequiresGrad = true;
        using var sgd = new SGD([p], lr: 0.5);
        int calls = 0;
        using var loss = sgd.Step(() =>
        {
            calls++;
            p.Grad = Tensor.FromArray(new double[] { 4 }, device);
            return Tensor.Scalar(1.0);
        });
        Assert.That(calls, Is.EqualTo(1));
        TensorAssert.Close(p, [0], [1], 0, 0);
    }
}

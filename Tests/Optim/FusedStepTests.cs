using CudaTensor.Optim;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Optim;

/// <summary>
/// The fused optimizer updates (one backend pass per parameter) against the composed elementwise formulas they
/// replace, on random inputs over many steps, for every option combination; and the composed fallback for layouts the
/// fused kernels do not take. The backends round each operation as the composed ops do, so on the CPU the two paths
/// agree bit for bit; the tolerances (float64 1e-12, float32 1e-6 relative) are what the contract promises.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public partial class FusedStepTests(Device device)
{
    // Not a multiple of any vector width, so every row of kernels ends in a partial vector.
    private static readonly long[] Shape = [37, 129];
    private const int Steps = 20;

    private static double Rtol(DType dtype) => dtype == DType.Float32 ? 1e-6 : 1e-12;

    private static double Atol(DType dtype) => dtype == DType.Float32 ? 1e-9 : 1e-15;

    public static IEnumerable<TestCaseData> AdamCases()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        foreach (bool decoupled in new[] { false, true })
        foreach (double weightDecay in new[] { 0.0, 0.1 })
        foreach (bool amsgrad in new[] { false, true })
        foreach (bool maximize in new[] { false, true })
        foreach (double beta1 in new[] { 0.9, 0.3 }) // 1 - β1 below and above 0.5: both branches of lerp
        {
            yield return new TestCaseData(dtype, decoupled, weightDecay, amsgrad, maximize, beta1);
        }
    }

    [TestCaseSource(nameof(AdamCases))]
    public void AdamFusedMatchesComposed(DType dtype, bool decoupled, double weightDecay, bool amsgrad, bool maximize, double beta1)
    {
        Optimizer Make(Tensor p) => decoupled
            ? new AdamW([p], lr: 0.01, betas: (beta1, 0.99), eps: 1e-6, weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize)
            : new Adam([p], lr: 0.01, betas: (beta1, 0.99), eps: 1e-6, weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize);
        RunFusedAgainstComposed(dtype, Shape, Steps, Make,
            (group, p, g, s) => AdamUpdate.ApplyComposed(group, p, g, s, decoupled),
            amsgrad ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["exp_avg", "exp_avg_sq"]);
    }

    public static IEnumerable<TestCaseData> SgdCases()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        foreach (double momentum in new[] { 0.0, 0.9 })
        foreach (double dampening in new[] { 0.0, 0.3 })
        foreach (bool nesterov in new[] { false, true })
        foreach (double weightDecay in new[] { 0.0, 0.05 })
        foreach (bool maximize in new[] { false, true })
        {
            if (nesterov && (momentum == 0 || dampening != 0)) continue; // rejected by SGD, as in PyTorch
            yield return new TestCaseData(dtype, momentum, dampening, nesterov, weightDecay, maximize);
        }
    }

    [TestCaseSource(nameof(SgdCases))]
    public void SgdFusedMatchesComposed(DType dtype, double momentum, double dampening, bool nesterov, double weightDecay, bool maximize)
        => RunFusedAgainstComposed(dtype, Shape, Steps,
            p => new SGD([p], lr: 0.05, momentum: momentum, dampening: dampening, weightDecay: weightDecay, nesterov: nesterov, maximize: maximize),
            SgdUpdate.ApplyComposed,
            momentum != 0 ? ["momentum_buffer"] : []);

    [Test]
    public void LargeParametersSplitAcrossCoresMatchComposed([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        // Above the CPU's parallel threshold (2^18 elements), with an odd size so the last range ends mid-vector.
        long[] shape = [701, 401];
        RunFusedAgainstComposed(dtype, shape, 3,
            p => new AdamW([p], lr: 0.01, weightDecay: 0.1, amsgrad: true),
            (group, p, g, s) => AdamUpdate.ApplyComposed(group, p, g, s, decoupledWeightDecay: true),
            ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"]);
        RunFusedAgainstComposed(dtype, shape, 3,
            p => new SGD([p], lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 0.01),
            SgdUpdate.ApplyComposed,
            ["momentum_buffer"]);
    }

    [Test]
    public void NaNAndInfinityPropagateAsInTheComposedPath([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        double[] special = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0, -0.0, 1e-30];
        RunFusedAgainstComposed(dtype, [special.Length], 3,
            p => new Adam([p], lr: 0.1, amsgrad: true, weightDecay: 0.01),
            (group, p, g, s) => AdamUpdate.ApplyComposed(group, p, g, s, decoupledWeightDecay: false),
            ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"], special);
        RunFusedAgainstComposed(dtype, [special.Length], 3,
            p => new SGD([p], lr: 0.1, momentum: 0.5),
            SgdUpdate.ApplyComposed,
            ["momentum_buffer"], special);
    }

    [Test]
    public void FusedPathAppliesToContiguousOperandsOnly()
    {
        using var p = Tensor.Zeros([4, 6], DType.Float32, device);
        using var g = Tensor.Ones([4, 6], DType.Float32, device);
        using var gT = Tensor.Ones([6, 4], DType.Float32, device);
        using var transposed = gT.T;
        using var g64 = Tensor.Ones([4, 6], DType.Float64, device);
        using var flat = Tensor.Ones([24], DType.Float32, device);
        using var row = Tensor.Ones([6], DType.Float32, device);
        using var expanded = row.Expand([4, 6]);
        using var state = Tensor.Zeros([4, 6], DType.Float32, device);
        using var alias = p.Detach();
        using var ints = Tensor.Zeros([4, 6], DType.Int32, device);
        Assert.Multiple(() =>
        {
            Assert.That(FusedStep.Applies(p, g, state), Is.True);
            Assert.That(FusedStep.Applies(p, transposed, state), Is.False, "transposed gradient");
            Assert.That(FusedStep.Applies(p, expanded, state), Is.False, "expanded gradient");
            Assert.That(FusedStep.Applies(p, g64, state), Is.False, "gradient of another dtype");
            Assert.That(FusedStep.Applies(p, flat, state), Is.False, "gradient of another shape");
            Assert.That(FusedStep.Applies(p, g, alias), Is.False, "state sharing the parameter's memory");
            Assert.That(FusedStep.Applies(p, g, state, state), Is.False, "two states sharing memory");
            Assert.That(FusedStep.Applies(ints, ints.Clone(), null), Is.False, "integer parameter");
        });
    }

    [Test]
    public void NonContiguousGradientsTakeTheComposedPath([Values("adam", "adamw-amsgrad", "sgd-nesterov", "rmsprop-centered-momentum")] string kind)
    {
        // A gradient seen through a transpose (e.g. from a custom hook), and the same values contiguous.
        var gen = new Generator(11);
        using var p0 = Tensor.Randn([8, 6], DType.Float64, device, generator: gen);
        using var p1 = p0.Clone();
        using var p2 = p0.Clone();
        p1.RequiresGrad = p2.RequiresGrad = true;
        Optimizer Make(Tensor p) => kind switch
        {
            "adam" => new Adam([p], lr: 0.05, weightDecay: 0.1),
            "adamw-amsgrad" => new AdamW([p], lr: 0.05, amsgrad: true),
            "rmsprop-centered-momentum" => new RMSprop([p], lr: 0.01, weightDecay: 0.1, momentum: 0.9, centered: true),
            _ => new SGD([p], lr: 0.05, momentum: 0.9, nesterov: true),
        };
        using var strided = Make(p1);
        using var dense = Make(p2);
        for (int t = 0; t < 4; t++)
        {
            using var gT = Tensor.Randn([6, 8], DType.Float64, device, generator: gen);
            var view = gT.T;
            Assert.That(view.IsContiguous, Is.False);
            Assert.That(FusedStep.Applies(p1, view), Is.False);
            p1.Grad = view;
            p2.Grad = view.Contiguous();
            strided.Step();
            dense.Step();
            AssertClose(p1, p2, 1e-13, 1e-15, $"parameter after step {t + 1}");
            foreach (var (key, s) in dense.State[p2].Tensors) AssertClose(strided.State[p1].Tensors[key], s, 1e-13, 1e-15, $"{key} after step {t + 1}");
            p1.Grad.Dispose();
            p2.Grad.Dispose();
        }
        Assert.That(strided.State[p1].Step, Is.EqualTo(4));
        Assert.That(strided.State[p1].Tensors.Keys, Is.EquivalentTo(dense.State[p2].Tensors.Keys));
    }

    [Test]
    public void NonContiguousParametersTakeTheComposedPath()
    {
        var gen = new Generator(5);
        using var storage = Tensor.Randn([6, 8], DType.Float32, device, generator: gen);
        using var view = storage.T;
        using var p1 = view.Detach(); // a non-contiguous leaf
        using var p2 = view.Contiguous();
        p1.RequiresGrad = p2.RequiresGrad = true;
        using var a = new Adam([p1], lr: 0.05, amsgrad: true);
        using var b = new Adam([p2], lr: 0.05, amsgrad: true);
        for (int t = 0; t < 3; t++)
        {
            using var g = Tensor.Randn([8, 6], DType.Float32, device, generator: gen);
            p1.Grad = g.Clone();
            p2.Grad = g.Clone();
            a.Step();
            b.Step();
            AssertClose(p1, p2, 1e-6, 1e-9, $"parameter after step {t + 1}");
        }
        // Updates are written in place: the storage the parameter is a view of sees them.
        AssertClose(storage.T, p2, 1e-6, 1e-9, "the parameter's storage");
    }

    [Test]
    public void EmptyParametersStillCountSteps()
    {
        using var p = Tensor.Zeros([0, 3], device: device);
        using var adam = new Adam([p], amsgrad: true);
        using var q = Tensor.Zeros([0], device: device);
        using var sgd = new SGD([q], momentum: 0.9);
        for (int t = 0; t < 2; t++)
        {
            p.Grad = Tensor.Zeros([0, 3], device: device);
            q.Grad = Tensor.Zeros([0], device: device);
            adam.Step();
            sgd.Step();
        }
        Assert.That(adam.State[p].Step, Is.EqualTo(2));
        Assert.That(adam.State[p].Tensors["max_exp_avg_sq"].Shape.ToArray(), Is.EqualTo(new long[] { 0, 3 }));
        Assert.That(sgd.State[q].Tensors["momentum_buffer"].NumElements, Is.Zero);
    }

    [Test]
    public void StepBumpsTheVersionOfEveryTensorItWrites()
    {
        using var p = Tensor.Ones([5], DType.Float32, device);
        p.RequiresGrad = true;
        using var adam = new Adam([p], amsgrad: true);
        p.Grad = Tensor.Ones([5], DType.Float32, device);
        adam.Step();
        int before = p.Storage.Version;
        var states = adam.State[p].Tensors.Values.Select(t => (t, t.Storage.Version)).ToList();
        adam.Step();
        Assert.That(p.Storage.Version, Is.GreaterThan(before));
        foreach (var (t, v) in states) Assert.That(t.Storage.Version, Is.GreaterThan(v));
    }

    // Runs `make`'s optimizer (fused, on contiguous tensors) and the composed update side by side on the same random
    // gradients, comparing the parameter and every state tensor after each step.
    private void RunFusedAgainstComposed(DType dtype, long[] shape, int steps, Func<Tensor, Optimizer> make,
        Action<ParamGroup, Tensor, Tensor, ParameterState> composed, string[] stateNames, double[]? special = null)
    {
        var gen = new Generator(1234);
        using var init = Tensor.Randn(shape, dtype, device, generator: gen);
        using var fusedParam = init.Clone();
        using var composedParam = init.Clone();
        fusedParam.RequiresGrad = composedParam.RequiresGrad = true;
        using var optimizer = make(fusedParam);
        using var reference = make(composedParam); // supplies the options; its own state is unused
        using var composedState = new ParameterState();
        double rtol = Rtol(dtype), atol = Atol(dtype);
        for (int t = 0; t < steps; t++)
        {
            using var scope = Tensor.NewScope();
            // Gradients shrinking and growing across steps, so AMSGrad's running max matters.
            var g = Tensor.Randn(shape, dtype, device, generator: gen).MulInPlace(t % 3 == 0 ? 2.0 : 0.5 / (t + 1));
            if (special is not null) g = Tensor.FromArray(special, shape, device).To(dtype);
            Assert.That(FusedStep.Applies(fusedParam, g), Is.True);
            fusedParam.Grad = g.Clone();
            TensorScope.Unregister(fusedParam.Grad);
            optimizer.Step();
            fusedParam.Grad.Dispose();
            fusedParam.Grad = null;
            using (Autograd.NoGrad()) composed(reference.ParamGroups[0], composedParam, g, composedState);

            string at = $"after step {t + 1}";
            AssertClose(fusedParam, composedParam, rtol, atol, "parameter " + at);
            var state = optimizer.State[fusedParam];
            Assert.That(state.Step, Is.EqualTo(composedState.Step), "step count " + at);
            Assert.That(state.Tensors.Keys, Is.EquivalentTo(stateNames), "state names");
            Assert.That(composedState.Tensors.Keys, Is.EquivalentTo(stateNames), "composed state names");
            foreach (var name in stateNames) AssertClose(state.Tensors[name], composedState.Tensors[name], rtol, atol, $"{name} {at}");
            if (device.IsCpu)
            {
                // The CPU kernels round every operation as the composed ops do: identical bits.
                AssertClose(fusedParam, composedParam, 0, 0, "parameter (exactly) " + at);
                foreach (var name in stateNames) AssertClose(state.Tensors[name], composedState.Tensors[name], 0, 0, $"{name} (exactly) {at}");
            }
        }
        Assert.That(optimizer.State[fusedParam].Step, Is.EqualTo(steps));
    }

    private static void AssertClose(Tensor actual, Tensor expected, double rtol, double atol, string what)
    {
        Assert.That(actual.Shape.ToArray(), Is.EqualTo(expected.Shape.ToArray()), what + ": shape");
        Assert.That(actual.DType, Is.EqualTo(expected.DType), what + ": dtype");
        double[] a = TensorAssert.ToDoubles(actual), e = TensorAssert.ToDoubles(expected);
        int bad = 0, first = -1;
        for (int i = 0; i < a.Length; i++)
        {
            bool ok = (double.IsNaN(a[i]) && double.IsNaN(e[i])) || a[i] == e[i] || Math.Abs(a[i] - e[i]) <= atol + rtol * Math.Abs(e[i]);
            if (ok) continue;
            if (bad++ == 0) first = i;
        }
        if (bad > 0) Assert.Fail($"{what}: {bad} of {a.Length} elements differ; first at {first}: expected {e[first]:R}, got {a[first]:R} (rtol {rtol}, atol {atol})");
    }
}

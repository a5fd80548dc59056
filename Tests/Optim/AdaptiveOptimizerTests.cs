using CudaTensor.Optim;
using CudaTensor.Tests.Support;
using NUnit.Framework;
using static CudaTensor.Tests.Optim.ReferenceOptimizers;

namespace CudaTensor.Tests.Optim;

/// <summary>
/// RAdam and NAdam against the scalar transcriptions of radam.py and nadam.py, in float32 and float64, on each
/// device, for the settings the libtorch file lacks: RAdam's rectified steps, decoupled weight decay, maximize.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class AdaptiveOptimizerTests(Device device)
{
    private static readonly double[] Theta0 = [0.5, -1.25, 2.0, 0.0, -0.3, 1.7];

    // Ten steps, so RAdam with β2 = 0.9 passes ρ_t > 5 (from step 6) and takes rectified steps.
    private static readonly double[][] Grads =
    [
        [0.9, -0.4, 1.5, 0.2, -2.0, 0.05],
        [-0.3, 0.6, 1.1, -0.1, -1.0, 0.07],
        [0.1, 0.2, -0.5, 0.3, -0.2, -0.4],
        [0.05, -0.1, 0.2, 0.0, 0.8, 0.3],
        [-0.02, 0.03, 0.1, -0.05, 0.1, 0.2],
        [0.4, -0.2, 0.3, 0.1, -0.5, 0.6],
        [-0.6, 0.1, -0.2, 0.25, 0.3, -0.1],
        [0.2, 0.5, 0.1, -0.3, 0.05, 0.2],
        [0.1, -0.3, -0.4, 0.2, 0.1, -0.2],
        [-0.05, 0.2, 0.3, -0.1, -0.2, 0.1],
    ];

    private void Check(DType dtype, Func<IEnumerable<Tensor>, Optimizer> make, Func<double[], double[][], double[][]> reference)
    {
        static double Round(double x, DType d) => d == DType.Float32 ? (float)x : x;
        var theta0 = Theta0.Select(x => Round(x, dtype)).ToArray();
        var grads = Grads.Select(g => g.Select(x => Round(x, dtype)).ToArray()).ToArray();
        var expected = reference(theta0, grads);
        using var p = Tensor.FromArray(theta0, [2, 3], device).To(dtype);
        p.RequiresGrad = true;
        using var optimizer = make([p]);
        double rtol = dtype == DType.Float32 ? 3e-5 : 1e-12, atol = dtype == DType.Float32 ? 3e-6 : 1e-14;
        for (int t = 0; t < grads.Length; t++)
        {
            using (var g64 = Tensor.FromArray(grads[t], [2, 3], device)) p.Grad = g64.To(dtype);
            optimizer.Step();
            TensorAssert.Close(p, expected[t], [2, 3], rtol, atol);
            optimizer.ZeroGrad();
        }
    }

    private static IEnumerable<RAdamArgs> RAdamCases()
    {
        yield return new RAdamArgs();
        yield return new RAdamArgs(Lr: 0.05, Beta1: 0.8, Beta2: 0.9);
        yield return new RAdamArgs(Lr: 0.05, Beta2: 0.9, WeightDecay: 0.1);
        yield return new RAdamArgs(Lr: 0.05, Beta2: 0.9, WeightDecay: 0.1, Decoupled: true, Maximize: true);
    }

    [Test]
    public void RAdamMatchesPyTorchAlgorithm([ValueSource(nameof(RAdamCases))] RAdamArgs a, [Values(DType.Float32, DType.Float64)] DType dtype)
        => Check(dtype, ps => new RAdam(ps, a.Lr, (a.Beta1, a.Beta2), a.Eps, a.WeightDecay, a.Decoupled, a.Maximize), (t0, g) => RAdam(t0, g, a));

    private static IEnumerable<NAdamArgs> NAdamCases()
    {
        yield return new NAdamArgs();
        yield return new NAdamArgs(Lr: 0.05, Beta1: 0.8, Beta2: 0.95, MomentumDecay: 0.02);
        yield return new NAdamArgs(Lr: 0.05, WeightDecay: 0.1);
        yield return new NAdamArgs(Lr: 0.05, WeightDecay: 0.1, Decoupled: true);
        yield return new NAdamArgs(Lr: 0.02, WeightDecay: 0.01, Decoupled: true, Maximize: true);
    }

    [Test]
    public void NAdamMatchesPyTorchAlgorithm([ValueSource(nameof(NAdamCases))] NAdamArgs a, [Values(DType.Float32, DType.Float64)] DType dtype)
        => Check(dtype, ps => new NAdam(ps, a.Lr, (a.Beta1, a.Beta2), a.Eps, a.WeightDecay, a.MomentumDecay, a.Decoupled, a.Maximize), (t0, g) => NAdam(t0, g, a));

    [Test]
    public void NAdamMuProductStaysOnTheParameterDevice()
    {
        using var p = Tensor.FromArray(Theta0, [2, 3], device);
        p.RequiresGrad = true;
        using var nadam = new NAdam([p]);
        p.Grad = Tensor.OnesLike(p);
        nadam.Step();
        var mu = nadam.State[p].Tensors["mu_product"];
        Assert.That(mu.Device, Is.EqualTo(device));
        Assert.That(mu.Dim, Is.EqualTo(0));
        Assert.That(mu.ToDouble(), Is.EqualTo(0.9 * (1 - 0.5 * Math.Pow(0.96, 0.004))).Within(1e-15));
    }

    [Test]
    public void InvalidHyperParametersNameTheOptimizerAndOption()
    {
        using var p = Tensor.Zeros([2], device: device, requiresGrad: true);
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new Adadelta([p], rho: 1.5))!.Message, Does.Contain("Adadelta").And.Contain("rho"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new Adagrad([p], lrDecay: -1))!.Message, Does.Contain("Adagrad").And.Contain("lr_decay"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new Adamax([p], betas: (1.0, 0.9)))!.Message, Does.Contain("Adamax").And.Contain("beta1"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new NAdam([p], momentumDecay: -0.1))!.Message, Does.Contain("NAdam").And.Contain("momentum_decay"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new RAdam([p], eps: -1))!.Message, Does.Contain("RAdam").And.Contain("eps"));
    }
}

using CudaTensor.NN;
using CudaTensor.Optim;
using CudaTensor.Tests.Support;
using NUnit.Framework;
using static CudaTensor.Tests.Optim.ReferenceOptimizers;

namespace CudaTensor.Tests.Optim;

/// <summary>
/// PyTorch's optimizer arguments (betas as a pair, amsgrad, maximize, dampening, nesterov, weight decay) on the path
/// the fused kernels do not take (non-contiguous gradients), against the reference steps; and the checks that make
/// a loaded or stale optimizer fail where the mistake is.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class OptimizerArgumentTests(Device device)
{
    private static readonly double[] Theta0 = [0.5, -1.25, 2.0, 0.0, -0.3, 1.7];

    private static readonly double[][] Grads =
    [
        [0.9, -0.4, 1.5, 0.2, -2.0, 0.05],
        [-0.3, 0.6, 1.1, -0.1, -1.0, 0.07],
        [0.1, 0.2, -0.5, 0.3, -0.2, -0.4],
        [0.05, -0.1, 0.2, 0.0, 0.8, 0.3],
    ];

    public static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData("adam", new AdamArgs(Lr: 0.05, Beta1: 0.5, Beta2: 0.9, WeightDecay: 0.1, Amsgrad: true, Maximize: true)).SetArgDisplayNames("adam-amsgrad-maximize-wd");
        yield return new TestCaseData("adamw", new AdamArgs(Lr: 0.05, Beta1: 0.7, Beta2: 0.95, WeightDecay: 0.2, Amsgrad: true, Decoupled: true)).SetArgDisplayNames("adamw-amsgrad");
        yield return new TestCaseData("sgd", new SgdArgs(0.1, Momentum: 0.9, Dampening: 0.4, WeightDecay: 0.05, Maximize: true)).SetArgDisplayNames("sgd-dampening-maximize");
        yield return new TestCaseData("sgd", new SgdArgs(0.1, Momentum: 0.8, WeightDecay: 0.05, Nesterov: true)).SetArgDisplayNames("sgd-nesterov-wd");
        yield return new TestCaseData("rmsprop", new RmspropArgs(Lr: 0.01, Alpha: 0.9, WeightDecay: 0.1, Momentum: 0.5, Centered: true, Maximize: true)).SetArgDisplayNames("rmsprop-all");
    }

    [TestCaseSource(nameof(Cases))]
    public void ComposedAndFusedPathsMatchTheReference(string kind, object args)
    {
        foreach (bool transposed in new[] { false, true })
        {
            using var p = Tensor.FromArray(Theta0, [2, 3], device);
            p.RequiresGrad = true;
            using Optimizer opt = kind switch
            {
                "adam" => new Adam([p], ((AdamArgs)args).Lr, (((AdamArgs)args).Beta1, ((AdamArgs)args).Beta2), weightDecay: ((AdamArgs)args).WeightDecay,
                    amsgrad: ((AdamArgs)args).Amsgrad, maximize: ((AdamArgs)args).Maximize),
                "adamw" => new AdamW([p], lr: ((AdamArgs)args).Lr, betas: (((AdamArgs)args).Beta1, ((AdamArgs)args).Beta2), weightDecay: ((AdamArgs)args).WeightDecay,
                    amsgrad: ((AdamArgs)args).Amsgrad),
                "sgd" => new SGD([p], ((SgdArgs)args).Lr, ((SgdArgs)args).Momentum, ((SgdArgs)args).Dampening, ((SgdArgs)args).WeightDecay,
                    ((SgdArgs)args).Nesterov, ((SgdArgs)args).Maximize),
                _ => new RMSprop([p], ((RmspropArgs)args).Lr, ((RmspropArgs)args).Alpha, weightDecay: ((RmspropArgs)args).WeightDecay,
                    momentum: ((RmspropArgs)args).Momentum, centered: ((RmspropArgs)args).Centered, maximize: ((RmspropArgs)args).Maximize),
            };
            var expected = kind switch
            {
                "adam" or "adamw" => Adam(Theta0, Grads, (AdamArgs)args),
                "sgd" => Sgd(Theta0, Grads, (SgdArgs)args),
                _ => Rmsprop(Theta0, Grads, (RmspropArgs)args),
            };
            for (int t = 0; t < Grads.Length; t++)
            {
                if (transposed)
                {
                    // A [3, 2] tensor transposed: the gradient's values in a layout the fused kernels do not take.
                    var g = Grads[t];
                    using var gt = Tensor.FromArray(new[] { g[0], g[3], g[1], g[4], g[2], g[5] }, [3, 2], device);
                    p.Grad = gt.Transpose(0, 1);
                    Assert.That(p.Grad.IsContiguous, Is.False);
                }
                else
                {
                    p.Grad = Tensor.FromArray(Grads[t], [2, 3], device);
                }
                opt.Step();
                TensorAssert.Close(p, expected[t], [2, 3], 1e-12, 1e-14);
                p.Grad.Dispose();
                p.Grad = null;
            }
        }
    }

    [Test]
    public void BetasDefaultToPyTorchs()
    {
        using var p = Tensor.Zeros([2], device: device, requiresGrad: true);
        using var adam = new Adam([p]);
        Assert.That(adam.Defaults["beta1"], Is.EqualTo(0.9));
        Assert.That(adam.Defaults["beta2"], Is.EqualTo(0.999));
        using var adamw = new AdamW([p], betas: (0.8, 0.99));
        Assert.That(adamw.ParamGroups[0]["beta1"], Is.EqualTo(0.8));
        Assert.That(adamw.ParamGroups[0]["beta2"], Is.EqualTo(0.99));
        Assert.That(adamw.ParamGroups[0]["weight_decay"], Is.EqualTo(1e-2));
        Assert.That(() => new Adam([p], betas: (0.9, 1.0)), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("beta2"));
    }

    [Test]
    public void LoadingStateOfOtherShapesFailsAtLoadNamingTheParameter()
    {
        using var small = new Linear(3, 2, device: device);
        using var first = new Adam(small.Parameters(), lr: 0.1);
        foreach (var p in small.Parameters()) p.Grad = Tensor.OnesLike(p);
        first.Step();
        using var saved = first.StateDict();

        using var big = new Linear(4, 2, device: device);
        using var second = new Adam(big.Parameters(), lr: 0.1);
        var e = Assert.Throws<ArgumentException>(() => second.LoadStateDict(saved))!;
        Assert.That(e.Message, Does.StartWith("Adam.LoadStateDict:"));
        Assert.That(e.Message, Does.Contain("parameter 0").And.Contain("[2, 3]").And.Contain("[2, 4]").And.Contain("exp_avg"));
        Assert.That(e.Message, Does.Not.Contain("Sub"));
        // Nothing was loaded: the optimizer still has no state and steps normally.
        Assert.That(second.State, Is.Empty);
        foreach (var p in big.Parameters()) p.Grad = Tensor.OnesLike(p);
        second.Step();
        Assert.That(second.State[big.Weight].Step, Is.EqualTo(1));
    }

    [Test]
    public void StepAfterTheModelWasDisposedThrows([Values("adam", "sgd", "rmsprop")] string kind)
    {
        var model = new Linear(3, 2, device: device);
        using Optimizer opt = kind switch
        {
            "adam" => new Adam(model.Parameters()),
            "sgd" => new SGD(model.Parameters(), lr: 0.1),
            _ => new RMSprop(model.Parameters()),
        };
        foreach (var p in model.Parameters()) p.Grad = Tensor.OnesLike(p);
        model.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => opt.Step())!;
        Assert.That(e.Message, Does.Contain($"{opt.GetType().Name}.Step").And.Contain("parameter 0 of group 0").And.Contain("disposed"));
    }
}

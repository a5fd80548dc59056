using CudaTensor.Optim;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.PyTorchReference;

/// <summary>
/// <see cref="LBFGS"/> against libtorch's L-BFGS (tools/TorchReference/Cases/LbfgsCase.cs) on a Rosenbrock function plus a
/// weighted quadratic spread over two parameters, and its strong-Wolfe line search on the same problem.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class LbfgsReferenceTests(Device device)
{
    private const int Steps = 4;

    private static Tensor Loss(Tensor a, Tensor b, Tensor c, Tensor weight)
    {
        var a0 = a.Narrow(0, 0, 1);
        var a1 = a.Narrow(0, 1, 1);
        return ((1 - a0).Square() + 100 * (a1 - a0.Square()).Square()).Sum() + (weight * (b - c).Square()).Sum();
    }

    private static Func<Tensor> Closure(Optimizer opt, Tensor a, Tensor b, Tensor c, Tensor weight, Action? counted = null) => () =>
    {
        counted?.Invoke();
        opt.ZeroGrad();
        var loss = Loss(a, b, c, weight);
        loss.Backward();
        return loss;
    };

    [TestCase("lbfgs0")]
    [TestCase("lbfgs1")]
    public void StepsMatchPyTorch(string name)
    {
        using var r = TorchReferenceFile.Load("lbfgs", device);
        using var a = r["a0"].Clone();
        using var b = r["b0"].Clone();
        a.RequiresGrad = b.RequiresGrad = true;
        using var opt = name == "lbfgs0" ? new LBFGS([a, b]) : new LBFGS([a, b], lr: 0.5, maxIter: 6, historySize: 3);
        var closure = Closure(opt, a, b, r["c"], r["weight"]);
        // 80 iterations along Rosenbrock's curved valley amplify the rounding of the dot products (summed in another
        // order than libtorch's): lbfgs0 agrees to about 1e-8, the shorter lbfgs1 to 1e-12.
        double rtol = name == "lbfgs0" ? 1e-6 : 1e-9;
        for (int s = 0; s < Steps; s++)
        {
            using var loss = opt.Step(closure);
            r.AssertClose($"{name}.loss.{s}", loss, rtol, 1e-12);
            r.AssertClose($"{name}.a.{s}", a, rtol, 1e-12);
            r.AssertClose($"{name}.b.{s}", b, rtol, 1e-12);
        }
    }

    /// <summary>One iteration per step: each iteration of the quasi-Newton loop checked on its own.</summary>
    [Test]
    public void SingleIterationStepsMatchPyTorch()
    {
        using var r = TorchReferenceFile.Load("lbfgs", device);
        using var a = r["a0"].Clone();
        using var b = r["b0"].Clone();
        a.RequiresGrad = b.RequiresGrad = true;
        using var opt = new LBFGS([a, b], maxIter: 1);
        var closure = Closure(opt, a, b, r["c"], r["weight"]);
        for (int s = 0; s < 20; s++)
        {
            using var loss = opt.Step(closure);
            r.AssertClose($"lbfgs2.loss.{s}", loss, 1e-9, 1e-12);
            r.AssertClose($"lbfgs2.a.{s}", a, 1e-9, 1e-12);
            r.AssertClose($"lbfgs2.b.{s}", b, 1e-9, 1e-12);
        }
    }

    [Test]
    public void StrongWolfeReachesTheMinimumAndCountsEvaluations()
    {
        using var r = TorchReferenceFile.Load("lbfgs", device);
        using var a = r["a0"].Clone();
        using var b = r["b0"].Clone();
        a.RequiresGrad = b.RequiresGrad = true;
        int evaluations = 0;
        using var opt = new LBFGS([a, b], maxIter: 100, lineSearchFn: "strong_wolfe");
        using var first = opt.Step(Closure(opt, a, b, r["c"], r["weight"], () => evaluations++));
        Assert.That(first.ToDouble(), Is.EqualTo(24.2 + 0.25 + 3 * 2.3 * 2.3 + 0.5 * 9).Within(1e-9));
        TensorAssert.Close(a, [1.0, 1.0], [2], 0, 1e-5);
        TensorAssert.Close(b, [1.0, 2.0, -1.0], [3], 0, 1e-5);
        var state = opt.State[a];
        Assert.That((long)state.Tensors["func_evals"].ToDouble(), Is.EqualTo(evaluations));
        Assert.That(state.Step, Is.GreaterThan(5).And.LessThanOrEqualTo(100));
        var history = state.Tensors["old_dirs"].Shape.ToArray();
        Assert.That(history[1], Is.EqualTo(5), "one column per element of a and b");
        Assert.That(history[0], Is.GreaterThan(0).And.LessThan(state.Step));
    }

    [Test]
    public void StepWithoutClosureAndParameterGroupsAreRefused()
    {
        using var a = Tensor.Zeros([2], DType.Float64, device, requiresGrad: true);
        using var opt = new LBFGS([a]);
        a.Grad = Tensor.OnesLike(a);
        var e = Assert.Throws<InvalidOperationException>(() => opt.Step());
        Assert.That(e!.Message, Does.Contain("LBFGS.Step").And.Contain("closure"));
        using var b = Tensor.Zeros([2], DType.Float64, device, requiresGrad: true);
        Assert.Throws<ArgumentException>(() => opt.AddParamGroup(new ParamGroup([b])));
        Assert.That(Assert.Throws<ArgumentException>(() => _ = new LBFGS([b], lineSearchFn: "backtracking"))!.Message, Does.Contain("strong_wolfe"));
    }

    [Test]
    public void StateDictRoundTripContinuesLikeTheOriginal()
    {
        using var r = TorchReferenceFile.Load("lbfgs", device);
        using var a = r["a0"].Clone();
        using var b = r["b0"].Clone();
        a.RequiresGrad = b.RequiresGrad = true;
        using var opt = new LBFGS([a, b], lr: 0.5, maxIter: 6, historySize: 3);
        var closure = Closure(opt, a, b, r["c"], r["weight"]);
        for (int s = 0; s < 2; s++) opt.Step(closure).Dispose();
        using var saved = opt.StateDict();
        using var fresh = new LBFGS([a, b], lr: 0.5, maxIter: 6, historySize: 3);
        fresh.LoadStateDict(saved);
        var freshClosure = Closure(fresh, a, b, r["c"], r["weight"]);
        for (int s = 2; s < Steps; s++)
        {
            fresh.Step(freshClosure).Dispose();
            r.AssertClose($"lbfgs1.a.{s}", a, 1e-9, 1e-12);
            r.AssertClose($"lbfgs1.b.{s}", b, 1e-9, 1e-12);
        }
    }
}

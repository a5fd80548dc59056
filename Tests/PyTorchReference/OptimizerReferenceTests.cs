using System.Globalization;
using CudaTensor.Optim;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.PyTorchReference;

/// <summary>
/// Adadelta, Adagrad, Adamax, NAdam and RAdam step by step against torch.optim (tools/TorchReference/Cases/OptimizersCase.cs):
/// the same float64 parameter and gradients, the parameter after each of eight steps and the state after the last.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class OptimizerReferenceTests(Device device)
{
    private const int Steps = 8;

    // The settings the case wrote for each name (its notes), as our constructors take them.
    private static Optimizer Make(string name, Tensor p, bool maximize = false) => name switch
    {
        "adadelta0" => new Adadelta([p], maximize: maximize),
        "adadelta1" => new Adadelta([p], lr: 0.5, rho: 0.8, eps: 1e-4, weightDecay: 0.1, maximize: maximize),
        "adagrad0" => new Adagrad([p], maximize: maximize),
        "adagrad1" => new Adagrad([p], lr: 0.1, lrDecay: 0.05, weightDecay: 0.1, initialAccumulatorValue: 0.2, eps: 1e-6, maximize: maximize),
        "adamax0" => new Adamax([p], maximize: maximize),
        "adamax1" => new Adamax([p], lr: 0.05, betas: (0.5, 0.9), eps: 1e-3, weightDecay: 0.1, maximize: maximize),
        "nadam0" => new NAdam([p], maximize: maximize),
        "nadam1" => new NAdam([p], lr: 0.05, betas: (0.8, 0.95), eps: 1e-6, weightDecay: 0.1, momentumDecay: 0.01, maximize: maximize),
        "radam0" => new RAdam([p], maximize: maximize),
        "radam1" => new RAdam([p], lr: 0.05, betas: (0.7, 0.8), eps: 1e-6, weightDecay: 0.1, maximize: maximize),
        _ => throw new ArgumentException(name),
    };

    private static readonly string[] Names =
        ["adadelta0", "adadelta1", "adagrad0", "adagrad1", "adamax0", "adamax1", "nadam0", "nadam1", "radam0", "radam1"];

    private static readonly Dictionary<string, string[]> StateKeys = new()
    {
        ["adadelta"] = ["square_avg", "acc_delta"],
        ["adagrad"] = ["sum"],
        ["adamax"] = ["exp_avg", "exp_inf"],
        ["nadam"] = ["exp_avg", "exp_avg_sq"],
        ["radam"] = ["exp_avg", "exp_avg_sq"],
    };

    [Test]
    public void ParametersAndStateMatchPyTorchAfterEveryStep([ValueSource(nameof(Names))] string name)
    {
        using var r = TorchReferenceFile.Load("optimizers", device);
        using var p = r["theta0"].Clone();
        p.RequiresGrad = true;
        using var optimizer = Make(name, p);
        string kind = name[..^1];
        // TorchSharp's RAdam multiplies the rectified step by lr twice (PyTorch's radam.py: m̂·lr·adaptive·rect), so
        // libtorch's file is the reference only up to the first rectified step; RAdamMatchesPyTorchAlgorithm in
        // Tests/Optim checks every step against a transcription of radam.py.
        int compared = kind == "radam" ? FirstRectifiedStep(optimizer.ParamGroups[0]["beta2"]) : Steps;
        Assert.That(compared, Is.GreaterThanOrEqualTo(2));
        for (int s = 0; s < Steps; s++)
        {
            p.Grad = r[$"grad.{s}"].Clone();
            optimizer.Step();
            if (s < compared) r.AssertClose($"{name}.param.{s}", p, rtol: 1e-11, atol: 1e-13);
            optimizer.ZeroGrad();
        }
        var state = optimizer.State[p];
        Assert.That(state.Step, Is.EqualTo(Steps));
        if (kind == "radam" && optimizer.ParamGroups[0]["weight_decay"] != 0) return; // its state depends on the diverged parameter
        Assert.That(state.Tensors.Keys.Where(k => k != "mu_product"), Is.EquivalentTo(StateKeys[kind]));
        foreach (var key in StateKeys[kind]) r.AssertClose($"{name}.state.{key}", state.Tensors[key], rtol: 1e-11, atol: 1e-13);
        if (kind == "nadam")
        {
            double expected = double.Parse(r.Note($"{name}.state.mu_product"), CultureInfo.InvariantCulture);
            Assert.That(state.Tensors["mu_product"].ToDouble(), Is.EqualTo(expected).Within(1e-12).Percent);
        }
    }

    // The 0-based index of the first step whose ρ_t exceeds 5 (RAdam's rectified update).
    private static int FirstRectifiedStep(double beta2)
    {
        double rhoInf = 2 / (1 - beta2) - 1;
        for (int t = 1; ; t++)
        {
            if (rhoInf - 2 * t * Math.Pow(beta2, t) / (1 - Math.Pow(beta2, t)) > 5) return t - 1;
        }
    }

    /// <summary>maximize ascends: the same steps as minimizing with the gradients negated (PyTorch's definition).</summary>
    [Test]
    public void MaximizeEqualsMinimizingTheNegatedGradient([ValueSource(nameof(Names))] string name)
    {
        using var r = TorchReferenceFile.Load("optimizers", device);
        using var a = r["theta0"].Clone();
        using var b = r["theta0"].Clone();
        a.RequiresGrad = b.RequiresGrad = true;
        using var maximizing = Make(name, a, maximize: true);
        using var minimizing = Make(name, b);
        for (int s = 0; s < Steps; s++)
        {
            a.Grad = r[$"grad.{s}"].Clone();
            b.Grad = -r[$"grad.{s}"];
            maximizing.Step();
            minimizing.Step();
            maximizing.ZeroGrad();
            minimizing.ZeroGrad();
        }
        TensorAssert.Close(a, TensorAssert.ToDoubles(b), b.Shape.ToArray(), 1e-14, 1e-15);
        // and not the minimizing trajectory of the original gradients
        Assert.That((a - r[$"{name}.param.{Steps - 1}"]).Abs().Max().ToDouble(), Is.GreaterThan(1e-6));
    }

    /// <summary>A state dict taken halfway and loaded into a fresh optimizer continues exactly as the original.</summary>
    [Test]
    public void StateDictRoundTripContinuesTheTrajectory([ValueSource(nameof(Names))] string name)
    {
        using var r = TorchReferenceFile.Load("optimizers", device);
        using var p = r["theta0"].Clone();
        p.RequiresGrad = true;
        using var first = Make(name, p);
        for (int s = 0; s < Steps / 2; s++)
        {
            p.Grad = r[$"grad.{s}"].Clone();
            first.Step();
            first.ZeroGrad();
        }
        using var saved = first.StateDict();
        var flat = saved.ToTensors();
        using var restoredDict = OptimizerStateDict.FromTensors(flat);
        foreach (var (k, t) in flat)
        {
            if (!k.StartsWith("state.", StringComparison.Ordinal) || k.EndsWith(".step", StringComparison.Ordinal)) t.Dispose();
        }
        using var second = Make(name, p);
        second.LoadStateDict(restoredDict);
        Assert.That(second.State[p].Step, Is.EqualTo(Steps / 2));
        // The uninterrupted optimizer is the reference (RAdam's file is not, past its first rectified step).
        using var q = r["theta0"].Clone();
        q.RequiresGrad = true;
        using var uninterrupted = Make(name, q);
        for (int s = 0; s < Steps; s++)
        {
            q.Grad = r[$"grad.{s}"].Clone();
            uninterrupted.Step();
            uninterrupted.ZeroGrad();
            if (s < Steps / 2) continue;
            p.Grad = r[$"grad.{s}"].Clone();
            second.Step();
            second.ZeroGrad();
            TensorAssert.Close(p, TensorAssert.ToDoubles(q), q.Shape.ToArray(), 1e-14, 1e-15);
        }
    }
}

using CudaTensor.NN;
using CudaTensor.Optim;
using NUnit.Framework;

namespace CudaTensor.Tests.Optim;

/// <summary>
/// Shared checks of Adam/AdamW with <c>capturable: true</c> (the step count a device tensor) against the ordinary
/// optimizer, on any device: the same parameters and state after N steps, and the count in PyTorch's format.
/// </summary>
internal static class CapturableAdam
{
    public static Optimizer Make(string kind, IEnumerable<Tensor> ps, bool capturable) => kind switch
    {
        "Adam" => new Adam(ps, lr: 0.01, weightDecay: 0.1, capturable: capturable),
        "AdamW" => new AdamW(ps, lr: 0.01, capturable: capturable),
        "AdamAmsgrad" => new Adam(ps, lr: 0.02, amsgrad: true, maximize: true, capturable: capturable),
        _ => throw new ArgumentException(kind),
    };

    public static Sequential Mlp(Device device, DType dtype = DType.Float32)
        => (Sequential)new Sequential(new Linear(5, 12, device: device, generator: new Generator(3)), new Tanh(), new Linear(12, 3, device: device, generator: new Generator(4))).To(dtype);

    /// <summary>N steps of both optimizers on twin models: parameters and moments equal within <paramref name="tol"/>; the count is N.</summary>
    public static void StepsMatch(string kind, Device device, int steps, double tol, DType dtype = DType.Float32)
    {
        using var scope = Tensor.NewScope();
        using var plain = Mlp(device, dtype);
        using var capt = Mlp(device, dtype);
        using var optPlain = Make(kind, plain.Parameters(), capturable: false);
        using var optCapt = Make(kind, capt.Parameters(), capturable: true);
        var x = Tensor.Randn([7, 5], dtype, device, generator: new Generator(9));
        for (int i = 0; i < steps; i++)
        {
            foreach (var (m, o) in new[] { (plain, optPlain), (capt, optCapt) })
            {
                o.ZeroGrad();
                using var loss = (m.Forward(x * (1 + 0.1 * i)).Square()).Mean();
                loss.Backward();
                o.Step();
            }
        }
        foreach (var (a, b) in plain.Parameters().Zip(capt.Parameters())) Close(a, b, tol, $"{kind} parameter after {steps} steps");
        var p0 = capt.Parameters().First();
        var statePlain = optPlain.State[plain.Parameters().First()];
        var stateCapt = optCapt.State[p0];
        Close(statePlain.Tensors["exp_avg"], stateCapt.Tensors["exp_avg"], tol, "exp_avg");
        Close(statePlain.Tensors["exp_avg_sq"], stateCapt.Tensors["exp_avg_sq"], tol, "exp_avg_sq");
        var step = stateCapt.Tensors["step"];
        Assert.That(step.Device, Is.EqualTo(device), "the count lives on the parameter's device");
        Assert.That(step.DType, Is.EqualTo(DType.Float32), "PyTorch keeps step as float32");
        Assert.That(step.ToDouble(), Is.EqualTo(steps));
        Assert.That(statePlain.Step, Is.EqualTo(steps));
        Assert.That(statePlain.Tensors.ContainsKey("step"), Is.False, "the ordinary optimizer counts on the host");

        // State dict: PyTorch's names; the count is the Float32 step tensor; it loads into an ordinary optimizer.
        using var dict = optCapt.StateDict();
        var named = dict.ToTensors();
        Assert.That(named["state.0.step"].DType, Is.EqualTo(DType.Float32));
        Assert.That(named["state.0.step"].ToDouble(), Is.EqualTo(steps));
        Assert.That(named["param_groups.0.capturable"].ToDouble(), Is.EqualTo(1));
        foreach (var (k, t) in named) if (k.StartsWith("param_groups", StringComparison.Ordinal)) t.Dispose();
        using var reloaded = Make(kind, plain.Parameters(), capturable: false);
        reloaded.LoadStateDict(dict);
        foreach (var g in reloaded.ParamGroups) g["capturable"] = 0;
        reloaded.ZeroGrad();
        using (var loss = plain.Forward(x).Square().Mean()) loss.Backward();
        reloaded.Step();
        Assert.That(reloaded.State[plain.Parameters().First()].Step, Is.EqualTo(steps + 1), "the device count came back to the host");
    }

    public static void Close(Tensor expected, Tensor actual, double tol, string what)
    {
        double[] e = expected.To(Device.Cpu).To(DType.Float64).ToArray<double>(), a = actual.To(Device.Cpu).To(DType.Float64).ToArray<double>();
        Assert.That(a, Has.Length.EqualTo(e.Length), what);
        for (int i = 0; i < e.Length; i++)
            Assert.That(a[i], Is.EqualTo(e[i]).Within(tol + tol * Math.Abs(e[i])), $"{what}: element {i}");
    }
}

/// <summary>Capturable Adam/AdamW on the CPU: the same steps as the ordinary optimizer.</summary>
public sealed class CapturableAdamTests
{
    [TestCase("Adam")]
    [TestCase("AdamW")]
    [TestCase("AdamAmsgrad")]
    public void CapturableStepsEqualOrdinarySteps(string kind) => CapturableAdam.StepsMatch(kind, Device.Cpu, 6, 1e-6);

    [Test]
    public void Float64StepsAreIdentical() => CapturableAdam.StepsMatch("Adam", Device.Cpu, 4, 0, DType.Float64);
}

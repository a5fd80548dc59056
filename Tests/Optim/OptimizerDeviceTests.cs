using CudaTensor.NN;
using CudaTensor.Optim;
using CudaTensor.Tests.NativeBinding;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.Optim;

/// <summary>
/// Optimizer state and devices: <see cref="Optimizer.To(Device)"/>, the error of a step whose parameter moved without
/// its state, and <see cref="Optimizer.LoadStateDict"/> placing state on the parameter's device and dtype. The tests
/// that move between devices need a GPU and skip without one; the rest run on the CPU.
/// </summary>
[TestFixture]
public class OptimizerDeviceTests
{
    private static void StepWith(Optimizer optimizer, Tensor p, double[] grad)
    {
        using (var g = Tensor.FromArray(grad, p.Shape.ToArray(), p.Device)) p.Grad = g.To(p.DType);
        optimizer.Step();
        p.Grad?.Dispose();
        p.Grad = null;
    }

    [Test]
    public void ToTheSameDeviceKeepsEveryStateTensor()
    {
        using var p = Tensor.FromArray(new float[] { 1, -2, 3 }, Device.Cpu);
        p.RequiresGrad = true;
        using var adam = new Adam([p], lr: 0.1, amsgrad: true);
        StepWith(adam, p, [0.5, 0.25, -1]);
        var before = adam.State[p].Tensors.ToDictionary(kv => kv.Key, kv => (Tensor: kv.Value, Values: kv.Value.ToArray<float>()));
        Assert.That(adam.To(Device.Cpu), Is.SameAs(adam));
        foreach (var (key, (tensor, values)) in before)
        {
            Assert.That(adam.State[p].Tensors[key], Is.SameAs(tensor), key);
            Assert.That(tensor.ToArray<float>(), Is.EqualTo(values), key);
            Assert.That(tensor.Device, Is.EqualTo(Device.Cpu));
        }
    }

    [Test]
    public void ToWithoutStateDoesNothing()
    {
        using var p = Tensor.Zeros([2]);
        using var sgd = new SGD([p], momentum: 0.9);
        Assert.That(sgd.To(Device.Cpu), Is.SameAs(sgd));
        Assert.That(sgd.State, Is.Empty);
    }

    [Test]
    public void StateDeviceMismatchNamesTheOptimizerTheDevicesAndTheFix()
    {
        // The message of Step's check, built without a GPU (Device values need none).
        using var p = Tensor.Zeros([3, 4]);
        var e = Optimizer.StateDeviceMismatch("AdamW", 1, 2, p, "exp_avg", Device.Cuda(0));
        Assert.That(e.Message, Does.StartWith("AdamW.Step: parameter 2 of group 1 (Tensor [3, 4] float32 on cpu) is on cpu"));
        Assert.That(e.Message, Does.Contain("'exp_avg' is on cuda:0"));
        Assert.That(e.Message, Does.Contain("optimizer.To(Device.Cpu)"));
        Assert.That(e.Message, Does.Contain("move the model before the first step"));
    }

    [Test]
    public void LoadStateDictConvertsStateToTheParametersDtype()
    {
        // Saved from a float64 run, loaded for float32 parameters: the state follows the parameter, as in PyTorch.
        using var p64 = Tensor.FromArray(new double[] { 0.5, -1, 2 });
        p64.RequiresGrad = true;
        using var first = new Adam([p64], lr: 0.05, amsgrad: true);
        StepWith(first, p64, [0.3, -0.2, 0.1]);
        StepWith(first, p64, [-0.1, 0.4, 0.2]);
        using var values = p64.Detach();
        using var p32 = values.To(DType.Float32);
        p32.RequiresGrad = true;
        using var second = new Adam([p32], lr: 0.05, amsgrad: true);
        using (var sd = first.StateDict()) second.LoadStateDict(sd);
        var state = second.State[p32];
        Assert.That(state.Step, Is.EqualTo(2));
        foreach (var (key, t) in state.Tensors)
        {
            Assert.That(t.DType, Is.EqualTo(DType.Float32), key);
            Assert.That(t.Device, Is.EqualTo(p32.Device), key);
            TensorAssert.Close(t, TensorAssert.ToDoubles(first.State[p64].Tensors[key]), [3], 1e-6, 1e-9);
        }
        // The loaded state is contiguous and matches the parameter: the next step takes the fused path.
        Assert.That(FusedStep.Applies(p32, p32, state.Tensors["exp_avg"], state.Tensors["exp_avg_sq"], state.Tensors["max_exp_avg_sq"]), Is.False,
            "a gradient aliasing the parameter is refused");
        using var g = Tensor.Ones([3], DType.Float32);
        Assert.That(FusedStep.Applies(p32, g, state.Tensors["exp_avg"], state.Tensors["exp_avg_sq"], state.Tensors["max_exp_avg_sq"]), Is.True);
        StepWith(second, p32, [0.2, 0.2, -0.3]);
        StepWith(first, p64, [0.2, 0.2, -0.3]);
        TensorAssert.Close(p32, TensorAssert.ToDoubles(p64), [3], 1e-5, 1e-6);
    }

    // ------------------------------------------------------------------ across devices (GPU)

    [Test]
    public void StepAfterMovingTheModelThrowsUntilTheOptimizerIsMoved([Values("adam", "sgd")] string kind)
    {
        NativeRequirement.Gpu();
        var cuda = Device.Cuda();
        using var model = new Linear(4, 3, generator: new Generator(2));
        using var twin = new Linear(4, 3, generator: new Generator(2));
        Optimizer Make(Module m) => kind == "adam" ? new Adam(m.Parameters(), lr: 0.05, amsgrad: true) : new SGD(m.Parameters(), lr: 0.05, momentum: 0.9);
        using var optimizer = Make(model);
        using var reference = Make(twin); // stays on the CPU
        using var x = Tensor.Randn([5, 4], generator: new Generator(3));
        void Train(Module m, Optimizer o, Tensor input)
        {
            using var scope = Tensor.NewScope();
            o.ZeroGrad();
            m.Forward(input).Square().Sum().Backward();
            o.Step();
        }
        Train(model, optimizer, x);
        Train(twin, reference, x);

        model.To(cuda);
        using var xc = x.To(cuda);
        var stateTensors = optimizer.State.Values.SelectMany(s => s.Tensors.Values).ToList();
        var e = Assert.Throws<InvalidOperationException>(() => Train(model, optimizer, xc));
        Assert.That(e!.Message, Does.Contain($"{optimizer.GetType().Name}.Step").And.Contain("is on cuda:0").And.Contain("is on cpu")
            .And.Contain("optimizer.To(Device.Cuda(0))"));

        Assert.That(optimizer.To(cuda), Is.SameAs(optimizer));
        // The state tensor objects are kept (re-pointed at device copies), as Module.To keeps its parameters.
        Assert.That(optimizer.State.Values.SelectMany(s => s.Tensors.Values), Is.EquivalentTo(stateTensors));
        Assert.That(stateTensors.All(t => t.Device == cuda), Is.True);
        Train(model, optimizer, xc);
        Train(twin, reference, x);
        foreach (var (moved, stayed) in model.Parameters().Zip(twin.Parameters()))
            TensorAssert.Close(moved, TensorAssert.ToDoubles(stayed), stayed.Shape.ToArray(), 1e-5, 1e-6);
    }

    [Test]
    public void LoadStateDictPutsStateOnTheParametersDevice()
    {
        NativeRequirement.Gpu();
        using var cpuParam = Tensor.FromArray(new float[] { 1, 2, 3 });
        cpuParam.RequiresGrad = true;
        using var cpuSgd = new SGD([cpuParam], lr: 0.1, momentum: 0.5);
        StepWith(cpuSgd, cpuParam, [1, 1, 1]);
        using var values = cpuParam.Detach();
        using var gpuParam = values.To(Device.Cuda());
        gpuParam.RequiresGrad = true;
        using var gpuSgd = new SGD([gpuParam], lr: 0.1, momentum: 0.5);
        using (var sd = cpuSgd.StateDict()) gpuSgd.LoadStateDict(sd);
        Assert.That(gpuSgd.State[gpuParam].Tensors["momentum_buffer"].Device, Is.EqualTo(Device.Cuda()));
        StepWith(gpuSgd, gpuParam, [0.5, -0.5, 2]);
        StepWith(cpuSgd, cpuParam, [0.5, -0.5, 2]);
        TensorAssert.Close(gpuParam, TensorAssert.ToDoubles(cpuParam), [3], 1e-6, 1e-7);
    }
}

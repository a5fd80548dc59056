using CudaTensor.NN;
using CudaTensor.Optim;
using CudaTensor.Tests.Optim;
using NUnit.Framework;

namespace CudaTensor.Tests.CudaBackend;

/// <summary>
/// Capturable Adam/AdamW on cuda:0: the same steps as the ordinary optimizer, and a training step captured in a
/// <see cref="CudaGraph"/> and replayed N times equals N eager steps (the bias corrections follow the device count).
/// </summary>
public sealed class CapturableAdamCudaTests : GpuFixture
{
    [TestCase("Adam")]
    [TestCase("AdamW")]
    [TestCase("AdamAmsgrad")]
    public void CapturableStepsEqualOrdinarySteps(string kind) => CapturableAdam.StepsMatch(kind, Gpu, 5, 1e-6);

    [TestCase("Adam")]
    [TestCase("AdamW")]
    public void CapturedStepReplaysRealAdamSteps(string kind)
    {
        const int Steps = 5;
        using var eagerModel = CapturableAdam.Mlp(Gpu);
        using var graphModel = CapturableAdam.Mlp(Gpu);
        using var eagerOpt = CapturableAdam.Make(kind, eagerModel.Parameters(), capturable: false);
        using var graphOpt = CapturableAdam.Make(kind, graphModel.Parameters(), capturable: true);
        using var x = Tensor.Zeros([7, 5], DType.Float32, Gpu);
        Tensor StepOf(Module model, Optimizer opt)
        {
            opt.ZeroGrad();
            using var y = model.Forward(x);
            var loss = y.Square().Mean();
            loss.Backward();
            opt.Step();
            return loss;
        }
        void Batch(int i)
        {
            using var xs = Tensor.Randn([7, 5], DType.Float32, generator: new Generator(70 + (ulong)i));
            using var xg = xs.To(Gpu);
            x.CopyFrom(xg);
        }
        // Warm-up: one eager step on both (state and gradients exist, kernels are loaded).
        Batch(0);
        StepOf(eagerModel, eagerOpt).Dispose();
        StepOf(graphModel, graphOpt).Dispose();
        using var graph = new CudaGraph(Gpu);
        Tensor captured;
        using (graph.Capture()) captured = StepOf(graphModel, graphOpt);
        using (captured)
        {
            for (int i = 1; i <= Steps; i++)
            {
                Batch(i);
                using var eagerLoss = StepOf(eagerModel, eagerOpt);
                graph.Replay();
                Assert.That(captured.Item<float>(), Is.EqualTo(eagerLoss.Item<float>()).Within(1e-5), $"loss of step {i}");
            }
        }
        foreach (var (e, g) in eagerModel.Parameters().Zip(graphModel.Parameters())) CapturableAdam.Close(e, g, 1e-5, $"{kind} parameters after {Steps} replays");
        var p = graphModel.Parameters().First();
        Assert.That(graphOpt.State[p].Tensors["step"].ToDouble(), Is.EqualTo(Steps + 1), "every replay counted a step on the device");
        CapturableAdam.Close(eagerOpt.State[eagerModel.Parameters().First()].Tensors["exp_avg_sq"], graphOpt.State[p].Tensors["exp_avg_sq"], 1e-5, "exp_avg_sq");
    }
}

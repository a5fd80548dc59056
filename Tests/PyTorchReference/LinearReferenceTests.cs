using CudaTensor.NN;
using CudaTensor.Tests.Support;
using NUnit.Framework;

namespace CudaTensor.Tests.PyTorchReference;

/// <summary>
/// The smallest PyTorch reference: nn.Linear's output and gradients from libtorch (tools/TorchReference/Cases/LinearCase.cs)
/// against <see cref="Linear"/> with the same weights. It shows the pattern the layer references follow.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Available))]
public sealed class LinearReferenceTests(Device device)
{
    [Test]
    public void OutputAndGradientsMatchPyTorch()
    {
        using var r = TorchReferenceFile.Load("linear", device);
        using var layer = new Linear(5, 3, dtype: DType.Float64, device: device);
        layer.LoadStateDict(new Dictionary<string, Tensor> { ["weight"] = r["weight"], ["bias"] = r["bias"] });
        using var x = r["input"].Detach();
        x.RequiresGrad = true;
        using var y = layer.Forward(x);
        using var loss = (y * r["upstream"]).Sum();
        loss.Backward();
        r.AssertClose("output", y);
        r.AssertClose("grad_input", x.Grad!);
        r.AssertClose("grad_weight", layer.Weight.Grad!);
        r.AssertClose("grad_bias", layer.Bias!.Grad!);
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace TorchReference.Cases;

/// <summary>nn.Linear(5, 3) on a [4, 5] float64 batch: output, and gradients of a weighted sum of it.</summary>
internal sealed class LinearCase : IReferenceCase
{
    public string Name => "linear";

    public void Write(ReferenceWriter w)
    {
        manual_seed(17);
        using var layer = nn.Linear(5, 3, dtype: float64);
        using var x = randn(4, 5, dtype: float64, requires_grad: true);
        using var upstream = randn(4, 3, dtype: float64);
        using var y = layer.forward(x);
        (y * upstream).sum().backward();
        w.Add("input", x);
        w.Add("upstream", upstream);
        w.Add("weight", layer.weight!);
        w.Add("bias", layer.bias!);
        w.Add("output", y);
        w.Add("grad_input", x.grad!);
        w.Add("grad_weight", layer.weight!.grad!);
        w.Add("grad_bias", layer.bias!.grad!);
    }
}

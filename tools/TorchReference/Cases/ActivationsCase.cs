using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TorchReference.Cases;

/// <summary>
/// torch.nn.functional's activations on a float64 [3, 4, 5] input that contains every kink (0, ±0.5, ±1, ±3, 6) and
/// large values (±25): "{name}.output" and "{name}.grad" (the gradient of sum(output · upstream)), and for PReLU the
/// weight's gradient too.
/// </summary>
internal sealed class ActivationsCase : IReferenceCase
{
    private static readonly double[] Kinks = [-25, -4, -3, -1, -0.5, 0, 0.5, 1, 3, 4, 6, 7, 25, -6, 2.5, -2.5];

    public string Name => "activations";

    public void Write(ReferenceWriter w)
    {
        manual_seed(41);
        using var random = randn(3, 4, 5, dtype: float64) * 3;
        using var kinks = tensor(Kinks, dtype: float64);
        using var flat = random.reshape(-1).clone();
        flat[TensorIndex.Slice(0, Kinks.Length)] = kinks;
        using var input = flat.reshape(3, 4, 5);
        using var upstream = randn(3, 4, 5, dtype: float64);
        w.Add("input", input);
        w.Add("upstream", upstream);

        Add(w, "elu", input, upstream, x => F.elu(x, 1.0));
        Add(w, "elu_alpha", input, upstream, x => F.elu(x, 0.7));
        Add(w, "selu", input, upstream, x => F.selu(x));
        Add(w, "celu", input, upstream, x => F.celu(x, 1.5));
        Add(w, "mish", input, upstream, x => F.mish(x));
        Add(w, "hardswish", input, upstream, x => F.hardswish(x));
        Add(w, "hardsigmoid", input, upstream, x => F.hardsigmoid(x));
        // TorchSharp 0.107's hardtanh (function and module) returns its input unchanged; relu6 is libtorch's
        // hardtanh(0, 6), and the tests check other bounds by hand.
        Add(w, "relu6", input, upstream, x => F.relu6(x));
        Add(w, "softsign", input, upstream, x => F.softsign(x));
        Add(w, "logsigmoid", input, upstream, x => F.logsigmoid(x));
        Add(w, "threshold", input, upstream, x => F.threshold(x, 1.0, -2.0));
        Add(w, "tanhshrink", input, upstream, x => F.tanhshrink(x));
        Add(w, "softshrink", input, upstream, x => F.softshrink(x, 0.5));
        Add(w, "hardshrink", input, upstream, x => F.hardshrink(x, 0.5));

        using var weight = tensor(new[] { 0.25, -0.1, 0.5, 2.0 }, dtype: float64).requires_grad_(true);
        using var x0 = input.detach().requires_grad_(true);
        using var y = F.prelu(x0, weight);
        (y * upstream).sum().backward();
        w.Add("prelu.weight", weight);
        w.Add("prelu.output", y);
        w.Add("prelu.grad", x0.grad!);
        w.Add("prelu.grad_weight", weight.grad!);
    }

    private static void Add(ReferenceWriter w, string name, Tensor input, Tensor upstream, Func<Tensor, Tensor> f)
    {
        using var x = input.detach().requires_grad_(true);
        using var y = f(x);
        (y * upstream).sum().backward();
        w.Add($"{name}.output", y);
        w.Add($"{name}.grad", x.grad!);
    }
}

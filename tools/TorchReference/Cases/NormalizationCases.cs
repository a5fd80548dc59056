using TorchSharp;
using static TorchSharp.torch;

namespace TorchReference.Cases;

/// <summary>
/// nn.BatchNorm2d(3) in float64 with random weight and bias: three training steps (outputs, running statistics and
/// num_batches_tracked after them, gradients of the last step), then one evaluation step with the running statistics
/// (output and input gradient), and the module's state_dict under PyTorch's names ("state.*").
/// </summary>
internal sealed class BatchNorm2dCase : IReferenceCase
{
    public string Name => "batchnorm2d";

    public void Write(ReferenceWriter w)
    {
        manual_seed(21);
        using var bn = nn.BatchNorm2d(3, dtype: float64);
        using (no_grad())
        {
            bn.weight!.copy_(randn(3, dtype: float64));
            bn.bias!.copy_(randn(3, dtype: float64));
        }
        w.Add("weight", bn.weight!);
        w.Add("bias", bn.bias!);
        for (int step = 0; step < 3; step++)
        {
            using var x = randn(4, 3, 3, 2, dtype: float64, requires_grad: true);
            using var y = bn.forward(x);
            w.Add($"input{step}", x);
            w.Add($"output{step}", y);
            if (step == 2)
            {
                using var upstream = randn(4, 3, 3, 2, dtype: float64);
                (y * upstream).sum().backward();
                w.Add("upstream", upstream);
                w.Add("grad_input", x.grad!);
                w.Add("grad_weight", bn.weight!.grad!);
                w.Add("grad_bias", bn.bias!.grad!);
            }
        }
        w.Add("running_mean", bn.running_mean!);
        w.Add("running_var", bn.running_var!);
        // TorchSharp's dtype argument converts num_batches_tracked too; PyTorch keeps it Int64, so it is written as Int64.
        using var batches = bn.num_batches_tracked!.to(int64);
        w.Add("num_batches_tracked", batches);
        bn.eval();
        using var xe = randn(2, 3, 2, 2, dtype: float64, requires_grad: true);
        using var ye = bn.forward(xe);
        using var upstreamEval = randn(2, 3, 2, 2, dtype: float64);
        (ye * upstreamEval).sum().backward();
        w.Add("eval_input", xe);
        w.Add("eval_output", ye);
        w.Add("eval_upstream", upstreamEval);
        w.Add("eval_grad_input", xe.grad!);
        foreach (var (name, value) in bn.state_dict())
        {
            using var entry = name == "num_batches_tracked" ? value.to(int64) : value.alias();
            w.Add("state." + name, entry);
        }
    }
}

/// <summary>nn.BatchNorm1d(4) in float64: two training steps on [N, C, L] and one on [N, C], then evaluation.</summary>
internal sealed class BatchNorm1dCase : IReferenceCase
{
    public string Name => "batchnorm1d";

    public void Write(ReferenceWriter w)
    {
        manual_seed(22);
        using var bn = nn.BatchNorm1d(4, eps: 1e-3, momentum: 0.3, dtype: float64);
        using (no_grad())
        {
            bn.weight!.copy_(randn(4, dtype: float64));
            bn.bias!.copy_(randn(4, dtype: float64));
        }
        w.Add("weight", bn.weight!);
        w.Add("bias", bn.bias!);
        using var x0 = randn(3, 4, 5, dtype: float64);
        using var x1 = randn(2, 4, 3, dtype: float64);
        using var x2 = randn(5, 4, dtype: float64, requires_grad: true);
        w.Add("input0", x0);
        w.Add("input1", x1);
        w.Add("input2", x2);
        using var y0 = bn.forward(x0);
        using var y1 = bn.forward(x1);
        using var y2 = bn.forward(x2);
        using var upstream = randn(5, 4, dtype: float64);
        (y2 * upstream).sum().backward();
        w.Add("output0", y0);
        w.Add("output1", y1);
        w.Add("output2", y2);
        w.Add("upstream", upstream);
        w.Add("grad_input", x2.grad!);
        w.Add("grad_weight", bn.weight!.grad!);
        w.Add("grad_bias", bn.bias!.grad!);
        w.Add("running_mean", bn.running_mean!);
        w.Add("running_var", bn.running_var!);
        bn.eval();
        using var xe = randn(3, 4, 2, dtype: float64);
        using var ye = bn.forward(xe);
        w.Add("eval_input", xe);
        w.Add("eval_output", ye);
    }
}

/// <summary>nn.GroupNorm(2, 4) in float64 with random weight and bias: output and gradients.</summary>
internal sealed class GroupNormCase : IReferenceCase
{
    public string Name => "groupnorm";

    public void Write(ReferenceWriter w)
    {
        manual_seed(23);
        using var gn = nn.GroupNorm(2, 4, dtype: float64);
        using (no_grad())
        {
            gn.weight!.copy_(randn(4, dtype: float64));
            gn.bias!.copy_(randn(4, dtype: float64));
        }
        using var x = randn(3, 4, 2, 3, dtype: float64, requires_grad: true);
        using var y = gn.forward(x);
        using var upstream = randn(3, 4, 2, 3, dtype: float64);
        (y * upstream).sum().backward();
        w.Add("input", x);
        w.Add("upstream", upstream);
        w.Add("output", y);
        w.Add("grad_input", x.grad!);
        w.Add("grad_weight", gn.weight!.grad!);
        w.Add("grad_bias", gn.bias!.grad!);
        foreach (var (name, value) in gn.state_dict()) w.Add("state." + name, value);
    }
}

/// <summary>
/// nn.InstanceNorm2d(3, affine: true, track_running_stats: true) in float64: two training steps (outputs, gradients of
/// the second, running statistics), then evaluation with the running statistics.
/// </summary>
internal sealed class InstanceNorm2dCase : IReferenceCase
{
    public string Name => "instancenorm2d";

    public void Write(ReferenceWriter w)
    {
        manual_seed(24);
        using var norm = nn.InstanceNorm2d(3, affine: true, track_running_stats: true, dtype: float64);
        using (no_grad())
        {
            norm.weight!.copy_(randn(3, dtype: float64));
            norm.bias!.copy_(randn(3, dtype: float64));
        }
        w.Add("weight", norm.weight!);
        w.Add("bias", norm.bias!);
        using var x0 = randn(2, 3, 3, 4, dtype: float64);
        using var x1 = randn(3, 3, 2, 2, dtype: float64, requires_grad: true);
        using var y0 = norm.forward(x0);
        using var y1 = norm.forward(x1);
        using var upstream = randn(3, 3, 2, 2, dtype: float64);
        (y1 * upstream).sum().backward();
        w.Add("input0", x0);
        w.Add("input1", x1);
        w.Add("output0", y0);
        w.Add("output1", y1);
        w.Add("upstream", upstream);
        w.Add("grad_input", x1.grad!);
        w.Add("grad_weight", norm.weight!.grad!);
        w.Add("grad_bias", norm.bias!.grad!);
        w.Add("running_mean", norm.running_mean!);
        w.Add("running_var", norm.running_var!);
        norm.eval();
        using var xe = randn(2, 3, 2, 3, dtype: float64);
        using var ye = norm.forward(xe);
        w.Add("eval_input", xe);
        w.Add("eval_output", ye);
    }
}

/// <summary>
/// RMS normalization over the last two dimensions in float64, written with libtorch ops as torch.nn.functional.rms_norm
/// defines it (x·rsqrt(mean(x²) + eps)·weight; this TorchSharp has no nn.RMSNorm): output and gradients.
/// </summary>
internal sealed class RMSNormCase : IReferenceCase
{
    public string Name => "rmsnorm";

    public void Write(ReferenceWriter w)
    {
        manual_seed(25);
        using var x = randn(3, 2, 4, dtype: float64, requires_grad: true);
        using var weight = randn(2, 4, dtype: float64, requires_grad: true);
        const double eps = 1e-6;
        using var y = x * (x.square().mean(new long[] { -2, -1 }, keepdim: true) + eps).rsqrt() * weight;
        using var upstream = randn(3, 2, 4, dtype: float64);
        (y * upstream).sum().backward();
        w.Add("input", x);
        w.Add("weight", weight);
        w.Add("upstream", upstream);
        w.Add("output", y);
        w.Add("grad_input", x.grad!);
        w.Add("grad_weight", weight.grad!);
    }
}

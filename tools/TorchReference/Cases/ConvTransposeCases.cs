using TorchSharp;
using static TorchSharp.torch;

namespace TorchReference.Cases;

/// <summary>
/// F.conv_transpose2d over several configurations (stride, padding, output padding, groups, dilation, with and without
/// bias) on float64 data: output and the gradients of input, weight and bias of a weighted sum. Entries are prefixed
/// "c{i}_"; the configurations are listed again in Tests/PyTorchReference/ConvReferenceTests.cs.
/// </summary>
internal sealed class ConvTranspose2dCase : IReferenceCase
{
    public string Name => "conv_transpose2d";

    // N, Cin, H, W, Cout, kh, kw, sh, sw, ph, pw, oph, opw, dh, dw, groups, bias
    internal static readonly long[][] Configs =
    [
        [1, 4, 3, 4, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2, 1],
        [1, 3, 4, 3, 2, 2, 3, 1, 2, 0, 1, 0, 1, 2, 1, 1, 1],
        [1, 2, 2, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 0],
        [1, 2, 3, 3, 4, 3, 2, 1, 1, 1, 0, 1, 0, 2, 1, 2, 1],
    ];

    public void Write(ReferenceWriter w)
    {
        manual_seed(23);
        for (int i = 0; i < Configs.Length; i++)
        {
            var c = Configs[i];
            using var x = randn(new[] { c[0], c[1], c[2], c[3] }, dtype: float64, requires_grad: true);
            using var weight = randn(new[] { c[1], c[4] / c[15], c[5], c[6] }, dtype: float64, requires_grad: true);
            using var bias = randn(new[] { c[4] }, dtype: float64, requires_grad: true);
            using var y = nn.functional.conv_transpose2d(x, weight, c[16] == 1 ? bias : null, new[] { c[7], c[8] }, new[] { c[9], c[10] },
                new[] { c[11], c[12] }, new[] { c[13], c[14] }, c[15]);
            using var upstream = randn(y.shape, dtype: float64);
            (y * upstream).sum().backward();
            w.Add($"c{i}_input", x);
            w.Add($"c{i}_weight", weight);
            w.Add($"c{i}_bias", bias);
            w.Add($"c{i}_upstream", upstream);
            w.Add($"c{i}_output", y);
            w.Add($"c{i}_grad_input", x.grad!);
            w.Add($"c{i}_grad_weight", weight.grad!);
            if (c[16] == 1) w.Add($"c{i}_grad_bias", bias.grad!);
        }
    }
}

/// <summary>F.conv_transpose1d (stride 2, padding 1, output padding 1, groups 2, dilation 2) on float64 data: output and gradients.</summary>
internal sealed class ConvTranspose1dCase : IReferenceCase
{
    public string Name => "conv_transpose1d";

    public void Write(ReferenceWriter w)
    {
        manual_seed(29);
        using var x = randn(new long[] { 2, 4, 5 }, dtype: float64, requires_grad: true);
        using var weight = randn(new long[] { 4, 3, 3 }, dtype: float64, requires_grad: true);
        using var bias = randn(new long[] { 6 }, dtype: float64, requires_grad: true);
        using var y = nn.functional.conv_transpose1d(x, weight, bias, 2, 1, 1, 2, 2);
        using var upstream = randn(y.shape, dtype: float64);
        (y * upstream).sum().backward();
        w.Add("input", x);
        w.Add("weight", weight);
        w.Add("bias", bias);
        w.Add("upstream", upstream);
        w.Add("output", y);
        w.Add("grad_input", x.grad!);
        w.Add("grad_weight", weight.grad!);
        w.Add("grad_bias", bias.grad!);
    }
}

/// <summary>
/// Conv1d as the module computes it for each padding mode: F.pad with the mode (reflect, replicate, circular, or the
/// zero "same" split with the odd element on the right), then F.conv1d; and plain zero padding with stride, dilation
/// and groups. Entries prefixed "c{i}_"; configurations repeated in ConvReferenceTests.
/// </summary>
internal sealed class Conv1dCase : IReferenceCase
{
    public string Name => "conv1d";

    // N, Cin, L, Cout, k, stride, padding (-1: "same"), dilation, groups, mode (0 zeros, 1 reflect, 2 replicate, 3 circular)
    internal static readonly long[][] Configs =
    [
        [2, 4, 9, 6, 3, 2, 1, 1, 2, 0],
        [2, 3, 8, 2, 4, 1, -1, 1, 1, 0],
        [1, 2, 7, 3, 3, 1, 2, 2, 1, 1],
        [2, 2, 6, 2, 2, 3, 1, 1, 1, 3],
        [1, 3, 5, 3, 3, 1, 1, 1, 3, 2],
    ];

    public void Write(ReferenceWriter w)
    {
        manual_seed(31);
        for (int i = 0; i < Configs.Length; i++)
        {
            var c = Configs[i];
            using var x = randn(new[] { c[0], c[1], c[2] }, dtype: float64, requires_grad: true);
            using var weight = randn(new[] { c[3], c[1] / c[8], c[4] }, dtype: float64, requires_grad: true);
            using var bias = randn(new[] { c[3] }, dtype: float64, requires_grad: true);
            long left = c[6], right = c[6];
            if (c[6] < 0)
            {
                long total = c[7] * (c[4] - 1);
                left = total / 2;
                right = total - left;
            }
            var mode = c[9] switch { 1 => PaddingModes.Reflect, 2 => PaddingModes.Replicate, 3 => PaddingModes.Circular, _ => PaddingModes.Constant };
            using var padded = nn.functional.pad(x, new[] { left, right }, mode);
            using var y = nn.functional.conv1d(padded, weight, bias, c[5], 0, c[7], c[8]);
            using var upstream = randn(y.shape, dtype: float64);
            (y * upstream).sum().backward();
            w.Add($"c{i}_input", x);
            w.Add($"c{i}_weight", weight);
            w.Add($"c{i}_bias", bias);
            w.Add($"c{i}_upstream", upstream);
            w.Add($"c{i}_output", y);
            w.Add($"c{i}_grad_input", x.grad!);
            w.Add($"c{i}_grad_weight", weight.grad!);
            w.Add($"c{i}_grad_bias", bias.grad!);
        }
    }
}

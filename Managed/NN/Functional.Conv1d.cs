namespace CudaTensor.NN;

// 1-D convolution as a 2-D one over [N, C, 1, L]: the same unfolded-window product and the same gradients, with the
// checks and messages of Conv1d itself.
public static partial class Functional
{
    /// <summary>
    /// 1-D convolution (cross-correlation, as PyTorch's <c>F.conv1d</c>) of <paramref name="input"/> [N, C, L] (or
    /// [C, L]) with <paramref name="weight"/> [O, C / groups, k] and optional <paramref name="bias"/> [O]. The output is
    /// [N, O, OL] with OL = (L + 2·pad - dilation·(k - 1) - 1) / stride + 1. <paramref name="padding"/> is an amount of
    /// zero padding on each side (default 0), <c>"valid"</c> or <c>"same"</c> (stride 1 only; an odd total goes on the
    /// right).
    /// </summary>
    /// <exception cref="ArgumentException">Shapes or settings do not fit together (the message names Conv1d and the shapes).</exception>
    public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias = null, long stride = 1, ConvPadding? padding = null, long dilation = 1, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        const string Op = nameof(Conv1d);
        if (weight.Dim != 3)
            throw new ArgumentException($"{Op}: the weight must be 3-D [out_channels, in_channels / groups, k], got shape {Fmt(weight.Shape)}.", nameof(weight));
        if (input.Dim == 2)
        {
            using var batched = input.Unsqueeze(0);
            using var result = Conv1d(batched, weight, bias, stride, padding, dilation, groups);
            return result.Squeeze(0);
        }
        if (input.Dim != 3)
            throw new ArgumentException($"{Op}: expected a 3-D input [N, C, L] (or 2-D [C, L]), got shape {Fmt(input.Shape)}.", nameof(input));
        if (groups < 1) throw new ArgumentOutOfRangeException(nameof(groups), groups, $"{Op}: groups must be positive.");
        if (stride < 1 || dilation < 1)
            throw new ArgumentException($"{Op}: stride ({stride}) and dilation ({dilation}) must be positive.");
        long c = input.Shape[1], o = weight.Shape[0], cg = weight.Shape[1], k = weight.Shape[2];
        if (c != cg * groups)
            throw new ArgumentException(
                $"{Op}: the input of shape {Fmt(input.Shape)} has {c} channels, but the weight {Fmt(weight.Shape)} with groups = {groups} expects {cg * groups}.", nameof(input));
        if (o % groups != 0)
            throw new ArgumentException($"{Op}: out_channels {o} must be divisible by groups {groups}.", nameof(weight));
        if (bias is not null && (bias.Dim != 1 || bias.Shape[0] != o))
            throw new ArgumentException($"{Op}: the bias must have shape [{o}], got {Fmt(bias.Shape)}.", nameof(bias));
        var pad = Padding1d(padding, Op);
        if (pad.Mode == "same" && stride != 1)
            throw new ArgumentException($"{Op}: padding \"same\" is not supported for strided convolutions (stride {stride}); use stride 1, or an explicit padding.", nameof(padding));
        long p = pad.Mode is null ? pad.Amount.Width : 0;
        if (pad.Mode is null && input.Shape[2] + 2 * p - dilation * (k - 1) - 1 < 0)
            throw new ArgumentException(
                $"{Op}: the input of shape {Fmt(input.Shape)} is too small for kernel size {k} with padding {p} and dilation {dilation}.", nameof(input));
        using var x = input.Unsqueeze(2);
        using var w = weight.Unsqueeze(2);
        ConvPadding pad2 = pad.Mode is null ? new Size2(0, p) : pad.Mode;
        using var y = Conv2d(x, w, bias, new Size2(1, stride), pad2, new Size2(1, dilation), groups);
        return y.Squeeze(2);
    }

    // One amount for a 1-D convolution: a number (both halves of the pair equal) or "same" / "valid".
    internal static ConvPadding Padding1d(ConvPadding? padding, string op)
    {
        var pad = padding ?? 0;
        pad.Validate(op);
        if (pad.Mode is null && pad.Amount.Height != pad.Amount.Width)
            throw new ArgumentException($"{op}: padding must be one number for a 1-D convolution, got {pad.Amount}.", nameof(padding));
        return pad;
    }
}

using CudaTensor.Backends;

namespace CudaTensor.NN;

// Transposed convolution (the adjoint of a convolution, "deconvolution"): each input pixel times the weight gives a
// column of taps, and the columns are folded (col2im) onto the output, which is the convolution's input gradient. So
// it is a matrix product per group followed by Tensor.Fold2d, whose gradient is the unfold: autograd needs no code.
public static partial class Functional
{
    /// <summary>
    /// 2-D transposed convolution (PyTorch's <c>F.conv_transpose2d</c>) of <paramref name="input"/> [N, C, H, W] (or
    /// [C, H, W]) with <paramref name="weight"/> [C, O / groups, kh, kw] and optional <paramref name="bias"/> [O]. The
    /// output is [N, O, OH, OW] with OH = (H - 1)·stride - 2·padding + dilation·(kh - 1) + outputPadding + 1 (likewise
    /// OW). <paramref name="outputPadding"/> adds rows and columns on one side and must be smaller than the stride or
    /// the dilation. Float32 and Float64.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes or settings do not fit together (the message names ConvTranspose2d and the shapes).</exception>
    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias = null, Size2? stride = null, Size2? padding = null,
        Size2? outputPadding = null, int groups = 1, Size2? dilation = null)
        => ConvTranspose(nameof(ConvTranspose2d), input, weight, bias, stride ?? 1, padding ?? 0, outputPadding ?? 0, groups, dilation ?? 1);

    /// <summary>
    /// 1-D transposed convolution (PyTorch's <c>F.conv_transpose1d</c>) of <paramref name="input"/> [N, C, L] (or
    /// [C, L]) with <paramref name="weight"/> [C, O / groups, k]: OL = (L - 1)·stride - 2·padding + dilation·(k - 1) +
    /// outputPadding + 1. Float32 and Float64.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes or settings do not fit together (the message names ConvTranspose1d and the shapes).</exception>
    public static Tensor ConvTranspose1d(Tensor input, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0,
        long outputPadding = 0, int groups = 1, long dilation = 1)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        const string Op = nameof(ConvTranspose1d);
        if (weight.Dim != 3)
            throw new ArgumentException($"{Op}: the weight must be 3-D [in_channels, out_channels / groups, k], got shape {Fmt(weight.Shape)}.", nameof(weight));
        if (input.Dim is not (2 or 3))
            throw new ArgumentException($"{Op}: expected a 3-D input [N, C, L] (or 2-D [C, L]), got shape {Fmt(input.Shape)}.", nameof(input));
        using var x = input.Unsqueeze(-2);
        using var w = weight.Unsqueeze(2);
        using var y = ConvTranspose(Op, x, w, bias, new Size2(1, stride), new Size2(0, padding), new Size2(0, outputPadding), groups, new Size2(1, dilation));
        return y.Squeeze(-2);
    }

    private static Tensor ConvTranspose(string op, Tensor input, Tensor weight, Tensor? bias, Size2 stride, Size2 padding, Size2 outputPadding, int groups, Size2 dilation)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Dim != 4)
            throw new ArgumentException($"{op}: the weight must be 4-D [in_channels, out_channels / groups, kh, kw], got shape {Fmt(weight.Shape)}.", nameof(weight));
        if (input.Dim == 3)
        {
            using var batched = input.Unsqueeze(0);
            using var result = ConvTranspose(op, batched, weight, bias, stride, padding, outputPadding, groups, dilation);
            return result.Squeeze(0);
        }
        if (input.Dim != 4)
            throw new ArgumentException($"{op}: expected a 4-D input [N, C, H, W] (or 3-D [C, H, W]), got shape {Fmt(input.Shape)}.", nameof(input));
        if (groups < 1) throw new ArgumentOutOfRangeException(nameof(groups), groups, $"{op}: groups must be positive.");
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating-point input, got {input.DType.Name()}. Convert with .To(DType.Float32).", nameof(input));
        long n = input.Shape[0], c = input.Shape[1], h = input.Shape[2], wd = input.Shape[3];
        long cog = weight.Shape[1], kh = weight.Shape[2], kw = weight.Shape[3], o = cog * groups;
        if (weight.Shape[0] != c || c % groups != 0)
            throw new ArgumentException(
                $"{op}: the input of shape {Fmt(input.Shape)} has {c} channels, but the weight {Fmt(weight.Shape)} expects {weight.Shape[0]} (divisible by groups = {groups}).", nameof(input));
        if (bias is not null && (bias.Dim != 1 || bias.Shape[0] != o))
            throw new ArgumentException($"{op}: the bias must have shape [{o}], got {Fmt(bias.Shape)}.", nameof(bias));
        if (stride.Height < 1 || stride.Width < 1 || dilation.Height < 1 || dilation.Width < 1 || padding.Height < 0 || padding.Width < 0
            || outputPadding.Height < 0 || outputPadding.Width < 0)
            throw new ArgumentException($"{op}: stride {stride} and dilation {dilation} must be positive, padding {padding} and outputPadding {outputPadding} non-negative.");
        if ((outputPadding.Height >= stride.Height && outputPadding.Height >= dilation.Height) || (outputPadding.Width >= stride.Width && outputPadding.Width >= dilation.Width))
            throw new ArgumentException($"{op}: outputPadding {outputPadding} must be smaller than either the stride {stride} or the dilation {dilation}.", nameof(outputPadding));
        long oh = (h - 1) * stride.Height - 2 * padding.Height + dilation.Height * (kh - 1) + outputPadding.Height + 1;
        long ow = (wd - 1) * stride.Width - 2 * padding.Width + dilation.Width * (kw - 1) + outputPadding.Width + 1;
        if (oh < 1 || ow < 1)
            throw new ArgumentException(
                $"{op}: the input of shape {Fmt(input.Shape)} with kernel ({kh}, {kw}), stride {stride}, padding {padding} and dilation {dilation} gives an output of {oh} x {ow}; reduce the padding.");
        // The convolution whose input gradient this is: windows over the [OH, OW] output, one per input pixel.
        var geometry = new WindowGeometry(oh, ow, kh, kw, stride.Height, stride.Width, padding.Height, padding.Width, dilation.Height, dilation.Width, h, wd);
        long cg = c / groups, taps = kh * kw;
        using var x = input.Reshape(n, groups, cg, h * wd);
        using var w = weight.Reshape(groups, cg, cog * taps);
        using var wt = w.Transpose(1, 2);                                 // [G, O/G·taps, C/G]
        using var cols = Tensor.MatMul(wt, x);                           // [N, G, O/G·taps, H·W]
        using var cols3 = cols.Reshape(n, o, taps * h * wd);              // row (o, tap), column (y, x): Fold2d's layout
        var output = Tensor.Fold2d(cols3, geometry);
        if (bias is null) return output;
        using (output)
        using (var b = bias.View(1, o, 1, 1))
            return output + b;
    }
}

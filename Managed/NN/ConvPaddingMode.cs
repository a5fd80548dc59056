namespace CudaTensor.NN;

// PyTorch's padding_mode of the convolution modules: "zeros" pads inside the convolution; the other modes pad the input
// first with Functional.Pad and convolve with no padding (as torch.nn.Conv*d._conv_forward does).
internal static class ConvPaddingMode
{
    /// <summary>Checks <paramref name="paddingMode"/>, naming the layer.</summary>
    public static string Validate(string paddingMode, string layer)
    {
        ArgumentNullException.ThrowIfNull(paddingMode);
        if (paddingMode is not ("zeros" or "reflect" or "replicate" or "circular"))
            throw new ArgumentException($"{layer}: padding_mode must be \"zeros\", \"reflect\", \"replicate\" or \"circular\", got \"{paddingMode}\".", nameof(paddingMode));
        return paddingMode;
    }

    /// <summary>
    /// The input padded by <paramref name="mode"/> (not "zeros") with <paramref name="pad"/> in Functional.Pad's order
    /// (last dimension first), as a batched input: an unbatched one gets a batch dimension for the pad and loses it after.
    /// </summary>
    public static Tensor Pad(Tensor input, long[] pad, string mode, int batchedRank)
    {
        if (input.Dim == batchedRank - 1)
        {
            using var batched = input.Unsqueeze(0);
            using var padded = Functional.Pad(batched, pad, mode);
            return padded.Squeeze(0);
        }
        return Functional.Pad(input, pad, mode);
    }
}

namespace CudaTensor.NN;

// PyTorch's _ConvTransposeNd._output_padding: the output padding that makes a transposed convolution produce a requested
// size, which must lie between the smallest output (output padding 0) and that plus stride - 1.
internal static class ConvTransposeOutputPadding
{
    public static long[] Resolve(string layer, ReadOnlySpan<long> inputShape, long[] outputSize, long[] kernel, long[] stride, long[] padding, long[] dilation)
    {
        int k = kernel.Length;
        if (inputShape.Length < k + 1)
            throw new ArgumentException($"{layer}: expected an input with {k} spatial dimensions, got shape {Functional.Fmt(inputShape)}.", nameof(inputShape));
        if (outputSize.Length != k && outputSize.Length != k + 2)
            throw new ArgumentException($"{layer}: outputSize must have {k} or {k + 2} elements, got {Functional.Fmt(outputSize)}.", nameof(outputSize));
        var result = new long[k];
        for (int d = 0; d < k; d++)
        {
            long input = inputShape[inputShape.Length - k + d];
            long wanted = outputSize[outputSize.Length - k + d];
            long min = (input - 1) * stride[d] - 2 * padding[d] + dilation[d] * (kernel[d] - 1) + 1;
            long max = min + stride[d] - 1;
            if (wanted < min || wanted > max)
                throw new ArgumentException(
                    $"{layer}: requested an output size of {Functional.Fmt(outputSize)}, but valid sizes for the input of shape {Functional.Fmt(inputShape)} range from {min} to {max} in spatial dimension {d}.", nameof(outputSize));
            result[d] = wanted - min;
        }
        return result;
    }
}

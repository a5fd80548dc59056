namespace CudaTensor.NN;

// What the recurrent layers (RNNBase) and cells (RNNCellBase) share about their parameters: the size checks and
// PyTorch's reset_parameters, every weight and bias drawn from U(-1/√hidden, 1/√hidden).
internal static class RecurrentWeights
{
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive (the message names <paramref name="layer"/>).</exception>
    public static void CheckSizes(string layer, long inputSize, long hiddenSize)
    {
        if (inputSize <= 0) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, $"{layer}: inputSize must be positive.");
        if (hiddenSize <= 0) throw new ArgumentOutOfRangeException(nameof(hiddenSize), hiddenSize, $"{layer}: hiddenSize must be positive.");
    }

    /// <summary>A new tensor of <paramref name="shape"/> drawn from U(-1/√<paramref name="hiddenSize"/>, 1/√<paramref name="hiddenSize"/>).</summary>
    public static Tensor Uniform(long[] shape, long hiddenSize, DType? dtype, Device? device, Generator? generator)
    {
        double bound = 1 / Math.Sqrt(hiddenSize);
        var t = Tensor.Empty(shape, dtype, device);
        Init.Uniform(t, -bound, bound, generator);
        return t;
    }
}

namespace CudaTensor.NN;

/// <summary>The feed-forward activation of the Transformer layers, named as PyTorch's <c>activation</c> string.</summary>
internal static class TransformerActivation
{
    /// <summary>"relu" or "gelu" (exact), case-insensitive.</summary>
    /// <exception cref="ArgumentException">Any other name.</exception>
    public static string Check(string activation, string op)
    {
        ArgumentNullException.ThrowIfNull(activation);
        string name = activation.ToLowerInvariant();
        if (name is not ("relu" or "gelu"))
            throw new ArgumentException($"{op}: activation should be \"relu\" or \"gelu\", not \"{activation}\".", nameof(activation));
        return name;
    }

    public static Tensor Apply(string name, Tensor x) => name == "relu" ? x.Relu() : x.Gelu();
}

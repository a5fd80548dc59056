namespace CudaTensor.NN;

/// <summary>
/// Fully connected layer y = x·Wᵀ + b, with <see cref="Weight"/> [out_features, in_features] and optional
/// <see cref="Bias"/> [out_features]. Initialised as PyTorch: the weight Kaiming-uniform with a = √5 (that is,
/// U(-1/√in, 1/√in)), the bias U(-1/√in, 1/√in).
/// </summary>
public sealed class Linear : Module
{
    /// <summary>Creates the layer and initialises it from <paramref name="generator"/> (default: the global generator).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A feature count is negative.</exception>
    public Linear(long inFeatures, long outFeatures, bool bias = true, Device? device = null, DType? dtype = null, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegative(outFeatures);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        var w = Tensor.Empty([outFeatures, inFeatures], dtype, device);
        Init.KaimingUniform(w, a: Math.Sqrt(5), generator: generator);
        Weight = RegisterParameter("weight", w);
        if (bias)
        {
            var b = Tensor.Empty([outFeatures], dtype, device);
            double bound = inFeatures > 0 ? 1 / Math.Sqrt(inFeatures) : 0;
            Init.Uniform(b, -bound, bound, generator);
            Bias = RegisterParameter("bias", b);
        }
    }

    /// <summary>Number of input features (the input's last dimension).</summary>
    public long InFeatures { get; }

    /// <summary>Number of output features.</summary>
    public long OutFeatures { get; }

    /// <summary>The weight, [out_features, in_features].</summary>
    public Tensor Weight { get; }

    /// <summary>The bias, [out_features], or null when created with <c>bias: false</c>.</summary>
    public Tensor? Bias { get; }

    /// <summary>x·Wᵀ + b for an input [..., in_features].</summary>
    public override Tensor Forward(Tensor input) => Functional.Linear(input, Weight, Bias);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"in_features={InFeatures}, out_features={OutFeatures}, bias={(Bias is null ? "False" : "True")}";
}

using CudaTensor.Backends;

namespace CudaTensor.NN;

/// <summary>
/// The stateless forms of the layers and losses (PyTorch's <c>torch.nn.functional</c>); the module classes call
/// these. Most are composed from differentiable tensor ops, so gradients (and gradients of gradients) come from
/// autograd; layer normalization and cross-entropy with class indices run fused row primitives with one backward node
/// each (whose recorded backward, under createGraph, is composed again). Intermediate tensors are disposed as soon as they are consumed (the graph keeps its own
/// references); the results belong to the caller. Tip: <c>using F = CudaTensor.NN.Functional;</c>.
/// </summary>
public static partial class Functional
{
    /// <summary>y = x·Wᵀ + b for <paramref name="input"/> [..., in], <paramref name="weight"/> [out, in] and optional <paramref name="bias"/> [out].</summary>
    /// <exception cref="ArgumentException">The last dimension of the input differs from the weight's in_features, or the
    /// input, weight and bias differ in dtype or device (the message names both and the conversion that fixes it).</exception>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Dim != 2)
            throw new ArgumentException($"{nameof(Linear)}: the weight must be 2-D [out_features, in_features], got shape {Fmt(weight.Shape)}.", nameof(weight));
        if (input.Dim == 0 || input.Shape[^1] != weight.Shape[1])
            throw new ArgumentException(
                $"{nameof(Linear)}: the input's last dimension must be in_features = {weight.Shape[1]}, got input shape {Fmt(input.Shape)}. " +
                "Reshape or flatten the input so that features are the last dimension.", nameof(input));
        CheckParameterMatch(nameof(Linear), input, weight, "weight");
        if (bias is not null) CheckParameterMatch(nameof(Linear), input, bias, "bias");
        using var wt = weight.Transpose(0, 1);
        var y = Tensor.MatMul(input, wt);
        if (bias is null) return y;
        using (y) return y + bias;
    }

    /// <summary>
    /// Inverted dropout: in training, zeroes each element with probability <paramref name="p"/> and scales the
    /// others by 1/(1 - p), so the expected value is unchanged; otherwise (or with p = 0) returns the input itself.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    public static Tensor Dropout(Tensor input, double p = 0.5, bool training = true, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckProbability(p, nameof(Dropout));
        if (!training || p == 0) return input;
        if (p == 1) return input * 0.0;
        using var mask = Tensor.EmptyLike(input).BernoulliInPlace(1 - p, generator);
        mask.MulInPlace(1.0 / (1 - p));
        return input * mask;
    }

    /// <summary>
    /// Layer normalization over the trailing dimensions given by <paramref name="normalizedShape"/>:
    /// (x - mean) / √(var + eps) · weight + bias, with the biased variance (as PyTorch).
    /// </summary>
    /// <exception cref="ArgumentException">The input's trailing dimensions differ from <paramref name="normalizedShape"/>.</exception>
    public static Tensor LayerNorm(Tensor input, long[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(normalizedShape);
        int k = normalizedShape.Length;
        if (k == 0 || input.Dim < k || !input.Shape[^k..].SequenceEqual(normalizedShape))
            throw new ArgumentException(
                $"{nameof(LayerNorm)}: expected an input whose last {k} dimension(s) are {Fmt(normalizedShape)}, got shape {Fmt(input.Shape)}.", nameof(input));
        if (CanFuseLayerNorm(input, normalizedShape, weight, bias)) return Tensor.LayerNormRows(input, k, weight, bias, eps);
        return ComposedLayerNorm(input, normalizedShape, weight, bias, eps);
    }

    // The fused primitive needs a backend with IFusedLayerNorm, a non-empty Float32 or Float64 input (its kernels' dtypes) and, when given, weight and bias of exactly the normalized
    // shape with the input's dtype and device; anything else (broadcast or promoted parameters) takes the composed path.
    private static bool CanFuseLayerNorm(Tensor input, long[] normalizedShape, Tensor? weight, Tensor? bias)
    {
        static bool Fits(Tensor? p, Tensor input, long[] shape) => p is null || (p.DType == input.DType && p.Device == input.Device && p.Shape.SequenceEqual(shape));
        return (input.DType is DType.Float32 or DType.Float64) && input.NumElements > 0 && input.Backend is IFusedLayerNorm && Fits(weight, input, normalizedShape) && Fits(bias, input, normalizedShape);
    }

    /// <summary>
    /// Layer normalization composed from Mean, Rsqrt and elementwise ops: the definition the fused path implements,
    /// kept as the reference of the tests and for the calls the fused path does not take.
    /// </summary>
    internal static Tensor ComposedLayerNorm(Tensor input, long[] normalizedShape, Tensor? weight, Tensor? bias, double eps)
    {
        int k = normalizedShape.Length;
        var dims = Enumerable.Range(input.Dim - k, k).ToArray();
        using var mean = input.Mean(dims, keepDim: true);
        using var centered = input - mean;
        using var squared = centered.Square();
        using var variance = squared.Mean(dims, keepDim: true);
        using var shifted = variance + eps;
        using var rstd = shifted.Rsqrt();
        var y = centered * rstd;
        if (weight is not null)
        {
            using var unscaled = y;
            y = unscaled * weight;
        }
        if (bias is not null)
        {
            using var unshifted = y;
            y = unshifted + bias;
        }
        return y;
    }

    /// <summary>
    /// Looks up rows of <paramref name="weight"/> [num_embeddings, dim] for integer <paramref name="indices"/> of
    /// any shape; the result has shape [..indices, dim] (PyTorch's <c>F.embedding</c>). Rows equal to
    /// <paramref name="paddingIdx"/> get no gradient. With <paramref name="maxNorm"/>, every row the indices look up
    /// whose <paramref name="normType"/>-norm exceeds it is first rescaled IN PLACE in <paramref name="weight"/> to norm
    /// maxNorm (times maxNorm / (norm + 1e-7), outside autograd), as PyTorch's <c>embedding_renorm_</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The indices are not integers, or the weight is not 2-D.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, num_embeddings), or <paramref name="maxNorm"/> is negative.</exception>
    public static Tensor Embedding(Tensor indices, Tensor weight, long? paddingIdx = null, double? maxNorm = null, double normType = 2.0)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(weight);
        if (!indices.DType.IsInteger())
            throw new ArgumentException($"{nameof(Embedding)}: indices must be Int64 or Int32, got {indices.DType.Name()}. Convert with .To(DType.Int64).", nameof(indices));
        if (weight.Dim != 2)
            throw new ArgumentException($"{nameof(Embedding)}: the weight must be 2-D [num_embeddings, embedding_dim], got shape {Fmt(weight.Shape)}.", nameof(weight));
        using var flat = indices.Reshape(-1);
        CheckIndices(flat, weight.Shape[0], nameof(Embedding));
        if (maxNorm is double limit) RenormRows(weight, flat, limit, normType);
        var rows = weight.IndexSelect(0, flat);
        if (paddingIdx is long pad)
        {
            // Same values, but the padding rows come from a detached copy, so no gradient reaches them.
            using var gathered = rows;
            using var keep = flat.Ne(pad < 0 ? pad + weight.Shape[0] : pad);
            using var keepColumn = keep.Unsqueeze(1);
            using var frozen = gathered.Detach();
            rows = Tensor.Where(keepColumn, gathered, frozen);
        }
        using (rows) return rows.Reshape([.. indices.Shape, weight.Shape[1]]);
    }

    // PyTorch's embedding_renorm_: each distinct looked-up row whose norm exceeds maxNorm is scaled by maxNorm / (norm + 1e-7).
    private static void RenormRows(Tensor weight, Tensor flat, double maxNorm, double normType)
    {
        if (!(maxNorm >= 0))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, $"{nameof(Embedding)}: maxNorm must be non-negative.");
        if (flat.NumElements == 0 || weight.Shape[1] == 0) return;
        using var noGrad = Autograd.NoGrad();
        using var asLong = flat.To(DType.Int64);
        var distinct = asLong.ToArray<long>().Distinct().ToArray();
        using var unique = Tensor.FromArray(distinct, weight.Device);
        using var rows = weight.IndexSelect(0, unique);
        using var norms = rows.Norm(normType, 1, keepDim: true);
        using var over = norms.Gt(maxNorm);
        using var shifted = norms + 1e-7;
        using var ratio = maxNorm / shifted;
        using var scale = Tensor.Where(over, ratio, 1.0);
        using var scaled = rows * scale;
        using var column = unique.Unsqueeze(1);
        using var target = column.Expand(distinct.Length, weight.Shape[1]);
        weight.ScatterInPlace(0, target, scaled);
    }

    // A layer's input must have its parameters' dtype and device (PyTorch does not promote inside a layer either); the
    // error names the layer the user called rather than the product it runs, and says which conversion fixes it.
    internal static void CheckParameterMatch(string op, Tensor input, Tensor parameter, string parameterName)
    {
        if (input.DType != parameter.DType)
            throw new ArgumentException(
                $"{op}: the input is {input.DType.Name()} (shape {Fmt(input.Shape)}) but the {parameterName} is {parameter.DType.Name()}; they must have the same dtype. " +
                $"Convert the input with .To(DType.{parameter.DType}), or the layer with .To(DType.{input.DType})" +
                (input.DType.IsFloatingPoint() ? "." : " (integer data such as class indices usually needs an Embedding, or .To(DType.Float32) for values)."), nameof(input));
        if (input.Device != parameter.Device)
            throw new ArgumentException(
                $"{op}: the input is on {input.Device} but the {parameterName} is on {parameter.Device}; move the input with .To(...) to {parameter.Device}, or the layer to {input.Device}.", nameof(input));
    }

    private static void CheckIndices(Tensor flat, long size, string op)
    {
        if (flat.NumElements == 0) return;
        using var min = flat.Min();
        using var max = flat.Max();
        long lo = (long)min.ToDouble(), hi = (long)max.ToDouble();
        if (lo < 0 || hi >= size)
            throw new ArgumentOutOfRangeException(nameof(flat), $"{op}: index {(lo < 0 ? lo : hi)} is out of range for {size} embeddings; valid indices are 0..{size - 1}.");
    }

    private static void CheckProbability(double p, string op)
    {
        if (!(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(nameof(p), p, $"{op}: the probability must be in [0, 1].");
    }

    internal static string Fmt(ReadOnlySpan<long> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}

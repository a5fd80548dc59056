using CudaTensor.Backends;
using CudaTensor.Core;

namespace CudaTensor.NN;

// Scaled dot-product attention (PyTorch 2's F.scaled_dot_product_attention): one definition composed from MatMul and
// Softmax, and a fused memory-efficient path (online softmax over tiles of keys, no [L, S] matrix in memory) that a
// backend with IFusedAttention runs when dropout is off and q, k, v share their batch dimensions.
public static partial class Functional
{
    /// <summary>
    /// softmax(query·keyᵀ·scale + mask)·value over the last two dimensions (PyTorch's
    /// <c>F.scaled_dot_product_attention</c>): <paramref name="query"/> [..., L, E], <paramref name="key"/> [..., S, E],
    /// <paramref name="value"/> [..., S, Ev] give [..., L, Ev], with the batch dimensions broadcast.
    /// </summary>
    /// <param name="query">Queries [..., L, E], floating point.</param>
    /// <param name="key">Keys [..., S, E].</param>
    /// <param name="value">Values [..., S, Ev].</param>
    /// <param name="attnMask">Broadcastable to [..., L, S]: a Bool mask where <c>true</c> means the key takes part in the
    /// query's attention (false scores become -∞), or a mask of the query's dtype added to the scores.</param>
    /// <param name="dropoutP">Dropout probability applied to the attention weights (as PyTorch's functional form, whenever
    /// it is above 0: pass 0 in evaluation).</param>
    /// <param name="isCausal">Mask key j &gt; query i (a lower-triangular [L, S] mask, aligned to the top left); excludes
    /// <paramref name="attnMask"/>.</param>
    /// <param name="scale">Score scale; default 1/√E.</param>
    /// <param name="generator">Source of the dropout masks (default: the global generator).</param>
    /// <remarks>A query row whose every key is masked gets the output 0 (and zero gradients), as PyTorch's math path.</remarks>
    /// <exception cref="ArgumentException">Shapes, dtypes or devices do not fit, the mask does not broadcast to [..., L, S], or
    /// <paramref name="isCausal"/> comes with a mask.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dropoutP"/> is outside [0, 1].</exception>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? attnMask = null, double dropoutP = 0,
        bool isCausal = false, double? scale = null, Generator? generator = null)
    {
        CheckAttentionArguments(query, key, value, attnMask, dropoutP, isCausal);
        double s = scale ?? 1 / Math.Sqrt(query.Shape[^1]);
        if (CanFuseAttention(query, key, value, attnMask, dropoutP))
        {
            if (attnMask is null || attnMask.DType != DType.Bool) return Tensor.FusedAttention(query, key, value, attnMask, isCausal, s);
            using var bias = BoolMaskToBias(attnMask, query.DType);
            return Tensor.FusedAttention(query, key, value, bias, isCausal, s);
        }
        return ComposedScaledDotProductAttention(query, key, value, attnMask, dropoutP, isCausal, s, generator);
    }

    // The fused kernels take equal batch dimensions (no broadcast), no dropout, a bias that needs no gradient, and the
    // dtypes and head dims the backend compiled; everything else is composed.
    private static bool CanFuseAttention(Tensor query, Tensor key, Tensor value, Tensor? attnMask, double dropoutP)
    {
        if (dropoutP > 0 || query.Backend is not IFusedAttention fused) return false;
        if (attnMask is not null && attnMask.RequiresGrad && Autograd.IsGradEnabled) return false;
        var batch = query.Shape[..^2];
        if (!batch.SequenceEqual(key.Shape[..^2]) || !batch.SequenceEqual(value.Shape[..^2])) return false;
        if (query.NumElements == 0 || key.NumElements == 0 || value.NumElements == 0) return false;
        return fused.SupportsAttention(query.DType, Shapes.NumElements(batch), query.Shape[^1], value.Shape[^1]);
    }

    /// <summary>
    /// Attention composed from MatMul, masking and Softmax: the definition the fused path implements, kept as the reference
    /// of the tests and for the calls the fused path does not take. Arguments are checked by the caller.
    /// </summary>
    internal static Tensor ComposedScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? attnMask, double dropoutP, bool isCausal,
        double scale, Generator? generator)
    {
        using var weights = AttentionWeights(query, key, attnMask, isCausal, scale);
        using var dropped = Dropout(weights, dropoutP, training: true, generator);
        return Tensor.MatMul(dropped, value);
    }

    /// <summary>softmax(query·keyᵀ·scale + mask) [..., L, S], with rows whose every score is masked set to 0.</summary>
    internal static Tensor AttentionWeights(Tensor query, Tensor key, Tensor? attnMask, bool isCausal, double scale)
    {
        using var kt = key.Transpose(-2, -1);
        using var product = Tensor.MatMul(query, kt);
        var scores = product * scale;
        bool masked = isCausal || attnMask is not null;
        if (isCausal)
        {
            using var unmasked = scores;
            using var causal = CausalMask(query.Shape[^2], key.Shape[^2], query.Device);
            using var hidden = causal.LogicalNot();
            scores = unmasked.MaskedFill(hidden, double.NegativeInfinity);
        }
        if (attnMask is not null)
        {
            using var unmasked = scores;
            if (attnMask.DType == DType.Bool)
            {
                using var hidden = attnMask.LogicalNot();
                scores = unmasked.MaskedFill(hidden, double.NegativeInfinity);
            }
            else
            {
                scores = unmasked + attnMask;
            }
        }
        using (scores)
        {
            var p = scores.Softmax(-1);
            if (!masked) return p;
            // A row of -inf scores has no softmax (0/0): PyTorch's math path returns zeros there, and so do the fused kernels.
            using var softmax = p;
            using var rowMax = scores.Amax([-1], keepDim: true);
            using var empty = rowMax.Eq(double.NegativeInfinity);
            return Tensor.Where(empty, 0.0, softmax);
        }
    }

    /// <summary>The lower-triangular causal mask [L, S] (true where key j ≤ query i), built from Arange comparisons.</summary>
    internal static Tensor CausalMask(long l, long s, Device device)
    {
        using var arangeL = Tensor.Arange(l, DType.Int64, device);
        using var rows = arangeL.Unsqueeze(1);
        using var cols = Tensor.Arange(s, DType.Int64, device);
        return cols.Le(rows);
    }

    // Bool "takes part" mask → additive mask: 0 where true, -inf where false.
    private static Tensor BoolMaskToBias(Tensor mask, DType dtype)
    {
        using var zeros = Tensor.Zeros(mask.ShapeArray, dtype, mask.Device);
        using var hidden = mask.LogicalNot();
        return zeros.MaskedFill(hidden, double.NegativeInfinity);
    }

    private static void CheckAttentionArguments(Tensor query, Tensor key, Tensor value, Tensor? attnMask, double dropoutP, bool isCausal)
    {
        const string op = nameof(ScaledDotProductAttention);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        CheckProbability(dropoutP, op);
        if (query.Dim < 2 || key.Dim < 2 || value.Dim < 2)
            throw new ArgumentException(
                $"{op}: query, key and value need at least 2 dimensions ([..., L, E], [..., S, E], [..., S, Ev]), got shapes {Fmt(query.Shape)}, {Fmt(key.Shape)} and {Fmt(value.Shape)}.", nameof(query));
        if (!query.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: the query must be floating point, got {query.DType.Name()}. Convert it with .To(DType.Float32).", nameof(query));
        if (key.DType != query.DType || value.DType != query.DType)
            throw new ArgumentException(
                $"{op}: query, key and value must have one dtype, got {query.DType.Name()}, {key.DType.Name()} and {value.DType.Name()}. Convert them with .To(DType.{query.DType}).", nameof(key));
        if (key.Device != query.Device || value.Device != query.Device)
            throw new ArgumentException($"{op}: query, key and value must be on one device, got {query.Device}, {key.Device} and {value.Device}. Move them with .To(...).", nameof(key));
        if (key.Shape[^1] != query.Shape[^1])
            throw new ArgumentException(
                $"{op}: the key's last dimension must equal the query's embedding size E = {query.Shape[^1]}, got query {Fmt(query.Shape)} and key {Fmt(key.Shape)}.", nameof(key));
        if (value.Shape[^2] != key.Shape[^2])
            throw new ArgumentException(
                $"{op}: the value must have as many rows as the key (S = {key.Shape[^2]}), got key {Fmt(key.Shape)} and value {Fmt(value.Shape)}.", nameof(value));
        long[] batch;
        try
        {
            batch = Shapes.Broadcast(Shapes.Broadcast(query.Shape[..^2], key.Shape[..^2], op), value.Shape[..^2], op);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException(
                $"{op}: the batch dimensions of query {Fmt(query.Shape)}, key {Fmt(key.Shape)} and value {Fmt(value.Shape)} do not broadcast together.", nameof(key));
        }
        if (attnMask is null) return;
        if (isCausal)
            throw new ArgumentException($"{op}: pass either attnMask or isCausal: true, not both (the causal flag is the mask).", nameof(attnMask));
        if (attnMask.DType != DType.Bool && attnMask.DType != query.DType)
            throw new ArgumentException(
                $"{op}: attnMask must be Bool (true = takes part) or the query's dtype {query.DType.Name()} (added to the scores), got {attnMask.DType.Name()}.", nameof(attnMask));
        if (attnMask.Device != query.Device)
            throw new ArgumentException($"{op}: attnMask is on {attnMask.Device} but the query is on {query.Device}; move it with .To(...).", nameof(attnMask));
        long[] scores = [.. batch, query.Shape[^2], key.Shape[^2]];
        bool fits = attnMask.Dim <= scores.Length;
        for (int i = 1; fits && i <= attnMask.Dim; i++) fits = attnMask.Shape[^i] == 1 || attnMask.Shape[^i] == scores[^i];
        if (!fits)
            throw new ArgumentException(
                $"{op}: attnMask of shape {Fmt(attnMask.Shape)} does not broadcast to the scores' shape {Fmt(scores)} ([..., L, S]).", nameof(attnMask));
    }
}

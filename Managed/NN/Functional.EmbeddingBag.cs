namespace CudaTensor.NN;

public static partial class Functional
{
    /// <summary>
    /// Sums, averages or takes the maximum of bags of embeddings without materializing them one by one (PyTorch's
    /// <c>F.embedding_bag</c>). <paramref name="input"/> is either 2-D [bags, n] (each row a bag of n indices;
    /// <paramref name="offsets"/> must be null) or 1-D with <paramref name="offsets"/> giving where each bag starts
    /// (with <paramref name="includeLastOffset"/>, one more entry marks the end of the last bag). Indices equal to
    /// <paramref name="paddingIdx"/> take no part (nor count towards a mean); an empty bag gives zeros.
    /// <paramref name="perSampleWeights"/> (mode "sum" only) scales each index's embedding. Result: [bags, dim].
    /// </summary>
    /// <remarks>
    /// The bags are laid out as a padded [bags, longest] index matrix (the offsets are read on the host), looked up
    /// with <see cref="Embedding"/> and reduced over the bag dimension with the padding masked out, so gradients come
    /// from the composed ops on either device. "max" sends a bag's gradient to every index that ties for the maximum,
    /// PyTorch to one of them.
    /// </remarks>
    /// <exception cref="ArgumentException">Wrong ranks, offsets with 2-D input, an unknown mode, or per-sample weights with another mode or shape.</exception>
    public static Tensor EmbeddingBag(Tensor input, Tensor weight, Tensor? offsets = null, double? maxNorm = null, double normType = 2.0,
        string mode = "mean", Tensor? perSampleWeights = null, bool includeLastOffset = false, long? paddingIdx = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        const string op = nameof(EmbeddingBag);
        if (mode is not ("sum" or "mean" or "max"))
            throw new ArgumentException($"{op}: mode must be \"sum\", \"mean\" or \"max\", got \"{mode}\".", nameof(mode));
        if (perSampleWeights is not null && mode != "sum")
            throw new ArgumentException($"{op}: perSampleWeights are only supported with mode \"sum\" (as in PyTorch), got mode \"{mode}\".", nameof(perSampleWeights));
        if (perSampleWeights is not null && !perSampleWeights.Shape.ToArray().SequenceEqual(input.Shape.ToArray()))
            throw new ArgumentException($"{op}: perSampleWeights must have the input's shape {Fmt(input.Shape)}, got {Fmt(perSampleWeights.Shape)}.", nameof(perSampleWeights));

        if (weight.Dim != 2)
            throw new ArgumentException($"{op}: the weight must be 2-D [num_embeddings, embedding_dim], got shape {Fmt(weight.Shape)}.", nameof(weight));
        var (index, valid, bounds) = BagLayout(input, offsets, includeLastOffset, paddingIdx, weight.Shape[0], op);
        using (index)
        using (valid)
        {
            if (maxNorm is double limit)
            {
                // Only the rows the input names are renormalized, not the index-0 filler of the padding slots.
                using var named = input.Reshape(-1);
                CheckIndices(named, weight.Shape[0], op);
                RenormRows(weight, named, limit, normType);
            }
            using var rows = Embedding(index, weight);                                          // [bags, longest, dim]
            using var keep = valid.Unsqueeze(-1);                                               // [bags, longest, 1]
            if (mode == "max")
            {
                using var masked = rows.MaskedFill(keep.LogicalNot(), double.NegativeInfinity);
                using var max = masked.Amax(1);
                using var anyValid = keep.Any(1);
                using var zeros = Tensor.ZerosLike(max);
                return Tensor.Where(anyValid, max, zeros);
            }
            using var mask = keep.To(rows.DType);
            using var weights = perSampleWeights is null ? null : BagWeights(perSampleWeights, input, bounds, valid.Shape[1], rows.DType);
            using var scale = weights is null ? mask : mask * weights.Unsqueeze(-1);
            using var product = rows * scale;
            using var sum = product.Sum(1);
            if (mode == "sum") return sum.Clone();
            using var count = mask.Sum(1).ClampMin(1);
            return sum / count;
        }
    }

    // The bags as a padded [bags, longest] index matrix (padding slots hold index 0), the mask of the slots that take
    // part, and where each bag starts and ends in the flattened input: the one read of the indices and offsets to the host.
    private static (Tensor Index, Tensor Valid, (long[] Starts, long[] Ends) Bounds) BagLayout(Tensor input, Tensor? offsets, bool includeLastOffset, long? paddingIdx, long rows, string op)
    {
        if (!input.DType.IsInteger())
            throw new ArgumentException($"{op}: input must hold Int64 or Int32 indices, got {input.DType.Name()}.", nameof(input));
        long pad = paddingIdx is long p ? (p < 0 ? p + rows : p) : -1;
        long[] values;
        using (var indices = input.To(DType.Int64)) values = indices.ToArray<long>();
        long[] starts;
        long[] ends;
        if (input.Dim == 2)
        {
            if (offsets is not null)
                throw new ArgumentException($"{op}: offsets must be null when the input is 2-D {Fmt(input.Shape)} (each row is a bag).", nameof(offsets));
            long n = input.Shape[1];
            starts = [.. Enumerable.Range(0, (int)input.Shape[0]).Select(b => b * n)];
            ends = [.. starts.Select(s => s + n)];
        }
        else if (input.Dim == 1)
        {
            if (offsets is null || offsets.Dim != 1)
                throw new ArgumentException($"{op}: a 1-D input needs 1-D offsets (where each bag starts), got {(offsets is null ? "none" : Fmt(offsets.Shape))}.", nameof(offsets));
            long[] o;
            using (var onHost = offsets.To(DType.Int64)) o = onHost.ToArray<long>();
            int bags = includeLastOffset ? o.Length - 1 : o.Length;
            if (bags < 0 || (o.Length > 0 && o[0] != 0) || o.Zip(o.Skip(1)).Any(pr => pr.Second < pr.First) || (o.Length > 0 && o[^1] > values.Length))
                throw new ArgumentException($"{op}: offsets must start at 0, never decrease and stay within the input's {values.Length} indices, got [{string.Join(", ", o)}].", nameof(offsets));
            starts = o[..bags];
            ends = [.. Enumerable.Range(0, bags).Select(b => b + 1 < o.Length ? o[b + 1] : values.Length)];
        }
        else
        {
            throw new ArgumentException($"{op}: input must be 1-D (with offsets) or 2-D [bags, n], got {Fmt(input.Shape)}.", nameof(input));
        }
        int count = starts.Length;
        int longest = Math.Max(1, (int)Enumerable.Range(0, count).Select(b => ends[b] - starts[b]).DefaultIfEmpty(0).Max());
        var index = new long[count * longest];
        var valid = new bool[count * longest];
        for (int b = 0; b < count; b++)
        {
            for (long i = starts[b]; i < ends[b]; i++)
            {
                long v = values[i];
                int slot = b * longest + (int)(i - starts[b]);
                index[slot] = v;
                valid[slot] = v != pad;
            }
        }
        return (Tensor.FromArray(index, [count, longest], input.Device), Tensor.FromArray(valid, [count, longest], input.Device), (starts, ends));
    }

    // perSampleWeights laid out like the bags: [bags, longest], zero in the padding slots (differentiable: a scatter of
    // the input), with the bag bounds BagLayout read.
    private static Tensor BagWeights(Tensor perSampleWeights, Tensor input, (long[] Starts, long[] Ends) bounds, long longest, DType dtype)
    {
        if (input.Dim == 2)
        {
            using var same = perSampleWeights.To(dtype);
            if (same.Shape[1] == longest) return same.Clone();
            return Pad(same, [0, longest - same.Shape[1]]);
        }
        var (starts, ends) = bounds;
        int bags = starts.Length;
        long n = input.Shape[0];
        // Slot of each input position in the flattened [bags, longest] layout.
        var slots = new long[n];
        for (int b = 0; b < bags; b++)
        {
            for (long i = starts[b]; i < ends[b]; i++) slots[i] = b * longest + (i - starts[b]);
        }
        using var slotIndex = Tensor.FromArray(slots, [n], input.Device);
        using var zeros = Tensor.Zeros([bags * longest], dtype, input.Device);
        using var w = perSampleWeights.To(dtype);
        using var flat = zeros.Scatter(0, slotIndex, w);
        return flat.View(bags, longest);
    }
}

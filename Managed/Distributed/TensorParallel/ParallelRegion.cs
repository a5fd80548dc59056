namespace CudaTensor.Distributed;

/// <summary>
/// Megatron-LM's mappings between replicated activations and tensor-parallel ones, as autograd functions. The ranks of
/// a tensor-parallel group compute the same loss from replicated activations, so each mapping's backward is the
/// conjugate that gives every rank the gradient of that one loss: copy (identity) pairs with all-reduce, gather with
/// split. Every rank must run the same calls, forward and backward.
/// </summary>
internal static class ParallelRegion
{
    /// <summary>Megatron's <c>f</c>: identity forward, all-reduce (sum) of the gradient backward.</summary>
    public static Tensor Copy(Tensor input, ProcessGroup group)
        => group.WorldSize == 1 ? input : Autograd.Function("CopyToParallelRegionBackward", [input], xs => xs[0].Clone(), (g, _) => [Summed(g, group)]);

    /// <summary>Megatron's <c>g</c>: all-reduce (sum) forward, identity backward.</summary>
    public static Tensor Reduce(Tensor input, ProcessGroup group)
        => group.WorldSize == 1 ? input : Autograd.Function("ReduceFromParallelRegionBackward", [input], xs => Summed(xs[0], group), (g, _) => [g.Clone()]);

    /// <summary>Concatenates the ranks' pieces along the last dimension; backward keeps this rank's piece of the gradient.</summary>
    public static Tensor Gather(Tensor input, ProcessGroup group)
        => group.WorldSize == 1 ? input : Autograd.Function("GatherFromParallelRegionBackward", [input], xs => GatheredLast(xs[0], group), (g, _) => [OwnPiece(g, group)]);

    /// <summary>Keeps this rank's piece of the last dimension; backward concatenates the ranks' gradients.</summary>
    public static Tensor Scatter(Tensor input, ProcessGroup group)
        => group.WorldSize == 1 ? input : Autograd.Function("ScatterToParallelRegionBackward", [input], xs => OwnPiece(xs[0], group), (g, _) => [GatheredLast(g, group)]);

    private static Tensor Summed(Tensor t, ProcessGroup group)
    {
        var sum = t.Contiguous().Clone();
        group.AllReduce(sum);
        return sum;
    }

    private static Tensor GatheredLast(Tensor t, ProcessGroup group)
    {
        var pieces = new Tensor[group.WorldSize];
        for (int r = 0; r < pieces.Length; r++) pieces[r] = Tensor.Empty(t.Shape, t.DType, t.Device);
        try
        {
            using var piece = t.Contiguous();
            group.AllGather(pieces, piece);
            return Tensor.Cat(pieces, t.Dim - 1);
        }
        finally
        {
            foreach (var p in pieces) p.Dispose();
        }
    }

    private static Tensor OwnPiece(Tensor t, ProcessGroup group)
    {
        long size = t.Size(-1);
        if (size % group.WorldSize != 0)
            throw new ArgumentException($"Tensor parallel: the last dimension of {t.Describe()} ({size}) does not divide by the {group.WorldSize} ranks of group {group.Name}.");
        long part = size / group.WorldSize;
        using var view = t.Narrow(t.Dim - 1, group.Rank * part, part);
        return view.Contiguous().Clone();
    }

    /// <summary>The part of <paramref name="features"/> each rank holds; throws unless it divides evenly.</summary>
    public static long Part(long features, ProcessGroup group, string layer, string what)
    {
        if (features % group.WorldSize != 0)
            throw new ArgumentException(
                $"{layer}: {what} ({features}) must divide by the size of the tensor-parallel group {group.Name} ({group.WorldSize}); " +
                $"choose a multiple of {group.WorldSize}.");
        return features / group.WorldSize;
    }

    /// <summary>Rows (dim 0) or columns (dim 1) <c>[rank * part, (rank + 1) * part)</c> of a full tensor, as a new leaf.</summary>
    public static Tensor Shard(Tensor full, int dim, long part, ProcessGroup group)
    {
        using var _ = Autograd.NoGrad();
        using var view = full.Narrow(dim, group.Rank * part, part);
        return view.Contiguous().Clone();
    }
}

namespace CudaTensor.Distributed;

/// <summary>
/// Collectives that autograd differentiates, for model parallelism (PyTorch's <c>torch.distributed.nn.functional</c>
/// and Megatron-LM's mappings). Each returns a new tensor and leaves its input alone; each backward runs the
/// conjugate collective, so every rank must run backward through the same calls.
/// </summary>
/// <remarks>
/// Megatron's tensor-parallel MLP is <c>RowParallel(ColumnParallel(CopyToParallelRegion(x)))</c> followed by
/// <see cref="ReduceFromParallelRegion"/>: one all-reduce forward (in g) and one backward (in f).
/// </remarks>
public static class DistributedFunctional
{
    /// <summary>
    /// The sum over the ranks, with the exact gradient: the gradient of every rank's input is the sum of the ranks'
    /// output gradients (an all-reduce in backward too).
    /// </summary>
    /// <param name="input">This rank's tensor.</param>
    /// <param name="group">The group.</param>
    /// <returns>The sum over the ranks.</returns>
    public static Tensor AllReduce(Tensor input, ProcessGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return Autograd.Function("AllReduceBackward", [input], xs => Summed(group, xs[0]), (g, _) => [Summed(group, g)]);
    }

    /// <summary>
    /// Megatron's <c>f</c>: identity forward, all-reduce (sum) of the gradient backward. Put it where a replicated
    /// activation enters a tensor-parallel region (before a column-parallel linear).
    /// </summary>
    /// <param name="input">The replicated activation.</param>
    /// <param name="group">The tensor-parallel group.</param>
    /// <returns>The same values (a new tensor).</returns>
    public static Tensor CopyToParallelRegion(Tensor input, ProcessGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return Autograd.Function("CopyToParallelRegionBackward", [input], xs => xs[0].Clone(), (g, _) => [Summed(group, g)]);
    }

    /// <summary>
    /// Megatron's <c>g</c>: all-reduce (sum) forward, identity backward. Put it where partial results of a
    /// tensor-parallel region are combined (after a row-parallel linear).
    /// </summary>
    /// <param name="input">This rank's partial result.</param>
    /// <param name="group">The tensor-parallel group.</param>
    /// <returns>The sum over the ranks.</returns>
    public static Tensor ReduceFromParallelRegion(Tensor input, ProcessGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return Autograd.Function("ReduceFromParallelRegionBackward", [input], xs => Summed(group, xs[0]), (g, _) => [g.Clone()]);
    }

    /// <summary>
    /// The ranks' tensors concatenated along <paramref name="dim"/> (rank order); backward reduce-scatters the gradient
    /// along <paramref name="dim"/>, so each rank's input gets the sum of every rank's gradient for its piece.
    /// </summary>
    /// <param name="input">This rank's piece; the same shape on every rank.</param>
    /// <param name="group">The group.</param>
    /// <param name="dim">The dimension to concatenate along (negative counts from the end).</param>
    /// <returns><c>[..., WorldSize * input.Size(dim), ...]</c>.</returns>
    public static Tensor AllGather(Tensor input, ProcessGroup group, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(group);
        int d = Dim(input, dim, nameof(AllGather));
        return Autograd.Function("AllGatherBackward", [input], xs => Gathered(group, xs[0], d), (g, _) => [Scattered(group, g, d)]);
    }

    /// <summary>
    /// The sum over the ranks, split along <paramref name="dim"/> into <c>WorldSize</c> pieces, of which this rank keeps
    /// piece <c>Rank</c>; backward all-gathers the gradient along <paramref name="dim"/>.
    /// </summary>
    /// <param name="input">This rank's tensor; its size along <paramref name="dim"/> divisible by the group's size.</param>
    /// <param name="group">The group.</param>
    /// <param name="dim">The dimension to split (negative counts from the end).</param>
    /// <returns><c>[..., input.Size(dim) / WorldSize, ...]</c>.</returns>
    public static Tensor ReduceScatter(Tensor input, ProcessGroup group, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(group);
        int d = Dim(input, dim, nameof(ReduceScatter));
        if (input.Size(d) % group.WorldSize != 0)
            throw new ArgumentException($"{nameof(ReduceScatter)}: dimension {d} of {input.Describe()} has size {input.Size(d)}, "
                + $"which the group's {group.WorldSize} ranks cannot split evenly.", nameof(input));
        return Autograd.Function("ReduceScatterBackward", [input], xs => Scattered(group, xs[0], d), (g, _) => [Gathered(group, g, d)]);
    }

    private static int Dim(Tensor input, int dim, string op)
    {
        int rank = Math.Max(input.Dim, 1);
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank || input.Dim == 0)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"DistributedFunctional.{op}: dimension {dim} is out of range for {input.Describe()}.");
        return d;
    }

    private static Tensor Summed(ProcessGroup group, Tensor x)
    {
        using var detached = x.Detach();
        var result = detached.Clone();
        group.AllReduce(result);
        return result;
    }

    // All-gather along dim 0 of the tensor with `dim` moved to the front, then move it back.
    private static Tensor Gathered(ProcessGroup group, Tensor x, int dim)
    {
        using var detached = x.Detach();
        using var front = detached.Transpose(0, dim);
        using var gathered = group.AllGather(front);
        using var back = gathered.Transpose(0, dim);
        return back.Contiguous();
    }

    private static Tensor Scattered(ProcessGroup group, Tensor x, int dim)
    {
        using var detached = x.Detach();
        using var front = detached.Transpose(0, dim);
        long[] shape = [.. front.Shape];
        shape[0] /= group.WorldSize;
        using var piece = Tensor.Empty(shape, x.DType, x.Device);
        group.ReduceScatterTensor(piece, front);
        using var back = piece.Transpose(0, dim);
        return back.Contiguous();
    }
}

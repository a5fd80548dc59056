using CudaTensor.NN;

namespace CudaTensor.Distributed;

/// <summary>
/// Data-parallel training (PyTorch's <c>DistributedDataParallel</c>): every rank holds a replica of the module, runs it
/// on its own part of the batch, and the gradients are averaged across the ranks during backward, so after
/// <c>loss.Backward()</c> each replica has the gradient of the whole batch and the optimizers keep the replicas equal.
/// </summary>
/// <remarks>
/// <para>
/// At construction the parameters and buffers of rank 0 are copied to every rank. Gradients live in contiguous
/// buckets (25 MiB by default; the first one 1 MiB so communication starts early), filled in reverse order of the
/// parameters: each parameter's <see cref="Tensor.Grad"/> is a view of its bucket, and the backward pass accumulates
/// into it in place. When the last gradient of a bucket arrives, the bucket's all-reduce starts at once, in the
/// background, while backward computes the earlier layers; the end of backward waits for the buckets (and averages).
/// After the first iteration the buckets are rebuilt in the order the gradients actually arrived (rank 0's order).
/// </para>
/// <para>
/// The module is registered as the child <c>module</c>, so <see cref="Module.StateDict"/> of the wrapper has PyTorch's
/// names (<c>module.fc1.weight</c>); save <c>ddp.Module.StateDict()</c> to get the plain module's names. Disposing the
/// wrapper disposes the module.
/// </para>
/// <code>
/// var world = ProcessGroup.Initialize();
/// var model = new DistributedDataParallel(new Mlp(), world);
/// var optimizer = new Adam(model.Parameters(), lr: 1e-3);
/// foreach (var batch in loader)   // a DataLoader over a DistributedSampler: each rank gets its share
/// {
///     optimizer.ZeroGrad();
///     lossFn.Forward(model.Forward(batch[0]), batch[1]).Backward();   // gradients averaged over the ranks
///     optimizer.Step();
/// }
/// </code>
/// </remarks>
public sealed class DistributedDataParallel : Module
{
    private readonly GradientReducer _reducer;
    private readonly Module _module;
    private int _noSyncDepth;

    /// <summary>Wraps <paramref name="module"/>; every rank of <paramref name="group"/> must construct it, with the same architecture.</summary>
    /// <param name="module">The replica on this rank (its parameters are overwritten with rank 0's).</param>
    /// <param name="group">The ranks that train together; null for <see cref="ProcessGroup.World"/>.</param>
    /// <param name="bucketCapMiB">The size of a gradient bucket in MiB (PyTorch's <c>bucket_cap_mb</c>).</param>
    /// <param name="findUnusedParameters">
    /// Allow parameters that get no gradient in some iterations (they contribute zeros to the average); without it
    /// such a parameter is an error at the end of backward.
    /// </param>
    /// <param name="broadcastBuffers">Copy rank 0's buffers (e.g. batch-norm statistics) to every rank before each forward with gradients.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bucketCapMiB"/> is not positive.</exception>
    /// <exception cref="ArgumentException">The module has no parameter that requires grad.</exception>
    /// <exception cref="InvalidOperationException">The ranks' modules differ in their parameters.</exception>
    public DistributedDataParallel(Module module, ProcessGroup? group = null, double bucketCapMiB = 25, bool findUnusedParameters = false,
        bool broadcastBuffers = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!(bucketCapMiB > 0))
            throw new ArgumentOutOfRangeException(nameof(bucketCapMiB), bucketCapMiB, "DistributedDataParallel: bucketCapMiB must be positive (PyTorch's default is 25).");
        _module = RegisterModule("module", module);
        Group = group ?? ProcessGroup.World;
        FindUnusedParameters = findUnusedParameters;
        BroadcastBuffers = broadcastBuffers;
        BucketCapMiB = bucketCapMiB;
        var trained = module.NamedParameters().Where(p => p.Parameter.RequiresGrad).ToList();
        if (trained.Count == 0)
            throw new ArgumentException($"DistributedDataParallel: {module.TypeName} has no parameter that requires grad, so there is nothing to train in parallel.", nameof(module));
        CheckSameParameters(module);
        SyncFromRankZero(module.Parameters().Concat(module.Buffers()));
        long cap = (long)(bucketCapMiB * 1024 * 1024);
        _reducer = new GradientReducer(Group, trained, Math.Min(FirstBucketBytes, cap), cap, findUnusedParameters);
    }

    /// <summary>The size of the first bucket (1 MiB, as in PyTorch): small, so the first all-reduce starts early in backward.</summary>
    public const long FirstBucketBytes = 1 << 20;

    /// <summary>The wrapped module (PyTorch's <c>ddp.module</c>).</summary>
    public Module Module => _module;

    /// <summary>The ranks that average their gradients.</summary>
    public ProcessGroup Group { get; }

    /// <summary>Whether parameters may get no gradient in an iteration.</summary>
    public bool FindUnusedParameters { get; }

    /// <summary>Whether rank 0's buffers are copied to every rank before each forward with gradients.</summary>
    public bool BroadcastBuffers { get; }

    /// <summary>The bucket size in MiB.</summary>
    public double BucketCapMiB { get; }

    /// <summary>
    /// The current buckets, in the order their all-reduces start: the names of their parameters (as in the module's
    /// <see cref="Module.NamedParameters"/>), each bucket in buffer order.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>> Buckets => _reducer.BucketNames;

    internal GradientReducer Reducer => _reducer;

    /// <inheritdoc/>
    public override string TypeName => "DistributedDataParallel";

    /// <summary>
    /// A scope in which backward passes accumulate gradients locally without communicating (PyTorch's <c>no_sync</c>):
    /// run the forward and backward of the first micro-batches inside it and the last one outside; that last backward
    /// averages the accumulated sum. What decides is where the forward runs.
    /// </summary>
    /// <returns>Dispose it to end the scope.</returns>
    public IDisposable NoSync()
    {
        Interlocked.Increment(ref _noSyncDepth);
        return new NoSyncScope(this);
    }

    private sealed class NoSyncScope(DistributedDataParallel owner) : IDisposable
    {
        private DistributedDataParallel? _owner = owner;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _owner, null) is { } o) Interlocked.Decrement(ref o._noSyncDepth);
        }
    }

    /// <summary>Runs the module on this rank's part of the batch; the backward pass of the result averages the gradients.</summary>
    /// <param name="input">This rank's input.</param>
    /// <returns>The module's output.</returns>
    public override Tensor Forward(Tensor input) => Forward(m => m.Forward(input));

    /// <summary>
    /// Runs <paramref name="forward"/> on the module, for modules whose forward takes other arguments
    /// (<c>ddp.Forward(m => ((Model)m).Forward(ids, mask))</c>); the backward pass of the result averages the gradients.
    /// </summary>
    /// <typeparam name="TResult">What the forward returns.</typeparam>
    /// <param name="forward">Calls the module.</param>
    /// <returns>What <paramref name="forward"/> returned.</returns>
    public TResult Forward<TResult>(Func<Module, TResult> forward)
    {
        ArgumentNullException.ThrowIfNull(forward);
        bool grad = Autograd.IsGradEnabled;
        if (grad && BroadcastBuffers) SyncFromRankZero(_module.Buffers());
        _reducer.Prepare(synchronize: grad && Volatile.Read(ref _noSyncDepth) == 0);
        return forward(_module);
    }

    private void SyncFromRankZero(IEnumerable<Tensor> tensors)
    {
        if (Group.WorldSize == 1) return;
        using var _ = Autograd.NoGrad();
        foreach (var t in tensors) Group.Broadcast(t, 0);
    }

    // Every rank must have the same parameters: compare the count, the element total and a hash of the shapes.
    private void CheckSameParameters(Module module)
    {
        if (Group.WorldSize == 1) return;
        var named = module.NamedParameters().ToList();
        long hash = 17;
        foreach (var (_, p) in named)
        {
            foreach (long d in p.Shape) hash = unchecked((hash * 31) + d);
            hash = unchecked((hash * 31) + (int)p.DType);
        }
        long[] mine = [named.Count, named.Sum(p => p.Parameter.NumElements), hash];
        using var max = Tensor.FromArray(mine, [3]);
        using var min = Tensor.FromArray(mine, [3]);
        Group.AllReduce(max, ReduceOp.Max);
        Group.AllReduce(min, ReduceOp.Min);
        if (!max.ToArray<long>().SequenceEqual(min.ToArray<long>()))
            throw new InvalidOperationException(
                $"DistributedDataParallel: the ranks' modules differ (rank {Group.Rank}: {mine[0]} parameters, {mine[1]} elements). " +
                "Every rank must wrap the same architecture with the same parameter shapes and dtypes.");
    }
}

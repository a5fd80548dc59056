using CudaTensor.Backends;
using CudaTensor.Ops;

namespace CudaTensor.Compilation;

/// <summary>
/// A backend that runs every core primitive on the real one and records it in a <see cref="Recorder"/>'s graph.
/// Storages are the real backend's (not wrapped), so tensors made during a trace are ordinary tensors. Host reads
/// (<see cref="ReadToHost"/>, <see cref="NonZero"/>) run too but make the capture unreplayable.
/// </summary>
internal class RecordingBackend(IBackend inner, Recorder recorder) : IBackend
{
    /// <summary>The real backend.</summary>
    protected IBackend Inner { get; } = inner;

    /// <summary>The recorder.</summary>
    protected Recorder Recorder { get; } = recorder;

    /// <summary>Whether nodes are recorded.</summary>
    protected bool On => Recorder.Recording;

    /// <summary>
    /// The wrapper of <paramref name="inner"/>: with every fused capability when it has them all (and host memory
    /// when it has that), else core primitives only, so the op layer takes the same path at trace and replay.
    /// </summary>
    public static IBackend Wrap(IBackend inner, Recorder recorder)
    {
        bool fused = inner is IFusedLayerNorm and IFusedCrossEntropy and IConvolution and IFusedOptimizerSteps;
        if (!fused) return new RecordingBackend(inner, recorder);
        if (inner is IHostMemory) return inner is IDeferredIndexChecks ? new HostDeferredRecordingBackend(inner, recorder) : new HostRecordingBackend(inner, recorder);
        return inner is IDeferredIndexChecks ? new DeferredRecordingBackend(inner, recorder) : new FusedRecordingBackend(inner, recorder);
    }

    /// <inheritdoc/>
    public Device Device => Inner.Device;

    /// <inheritdoc/>
    public Storage Allocate(long byteLength, bool zeroed)
    {
        var storage = Inner.Allocate(byteLength, zeroed);
        if (On) Recorder.Allocated(Inner.Device, storage, byteLength, zeroed);
        return storage;
    }

    /// <inheritdoc/>
    public void Copy(Strided dst, Strided src)
    {
        Inner.Copy(dst, src);
        if (On) Recorder.Add(new CopyNode(Device, Recorder.View(dst), Recorder.View(src)));
    }

    /// <inheritdoc/>
    public void Fill(Strided dst, Scalar value)
    {
        Inner.Fill(dst, value);
        if (On) Recorder.Add(new FillNode(Device, Recorder.View(dst), value));
    }

    /// <inheritdoc/>
    public void Unary(UnaryOp op, Strided dst, Strided src, double p0, double p1)
    {
        Inner.Unary(op, dst, src, p0, p1);
        if (On) Recorder.Add(new UnaryNode(Device, op, Recorder.View(dst), Recorder.View(src), p0, p1));
    }

    /// <inheritdoc/>
    public void Predicate(PredicateOp op, Strided dst, Strided src)
    {
        Inner.Predicate(op, dst, src);
        if (On) Recorder.Add(new PredicateNode(Device, op, Recorder.View(dst), Recorder.View(src)));
    }

    /// <inheritdoc/>
    public void Binary(BinaryOp op, Strided dst, Strided a, Strided b)
    {
        Inner.Binary(op, dst, a, b);
        if (On) Recorder.Add(new BinaryNode(Device, op, Recorder.View(dst), Recorder.View(a), Recorder.View(b)));
    }

    /// <inheritdoc/>
    public void Where(Strided dst, Strided cond, Strided a, Strided b)
    {
        Inner.Where(dst, cond, a, b);
        if (On) Recorder.Add(new WhereNode(Device, Recorder.View(dst), Recorder.View(cond), Recorder.View(a), Recorder.View(b)));
    }

    /// <inheritdoc/>
    public void Reduce(ReduceOp op, Strided dst, Strided src, int reducedDims)
    {
        Inner.Reduce(op, dst, src, reducedDims);
        if (On) Recorder.Add(new ReduceNode(Device, op, Recorder.View(dst), Recorder.View(src), reducedDims));
    }

    /// <inheritdoc/>
    public void ArgReduce(ReduceOp op, Strided values, Strided indices, Strided src)
    {
        Inner.ArgReduce(op, values, indices, src);
        if (On) Recorder.Add(new ArgReduceNode(Device, op, Recorder.View(values), Recorder.View(indices), Recorder.View(src)));
    }

    /// <inheritdoc/>
    public void CumSum(Strided dst, Strided src)
    {
        Inner.CumSum(dst, src);
        if (On) Recorder.Add(new CumSumNode(Device, Recorder.View(dst), Recorder.View(src)));
    }

    /// <inheritdoc/>
    public void Softmax(Strided dst, Strided src, bool log)
    {
        Inner.Softmax(dst, src, log);
        if (On) Recorder.Add(new SoftmaxNode(Device, Recorder.View(dst), Recorder.View(src), log));
    }

    /// <inheritdoc/>
    public void MatMul(Strided dst, Strided a, Strided b)
    {
        Inner.MatMul(dst, a, b);
        if (On) Recorder.Add(new MatMulNode(Device, Recorder.View(dst), Recorder.View(a), Recorder.View(b)));
    }

    /// <inheritdoc/>
    public void Gather(Strided dst, Strided src, Strided index, int dim)
    {
        Inner.Gather(dst, src, index, dim);
        if (On) Recorder.Add(new GatherNode(Device, Recorder.View(dst), Recorder.View(src), Recorder.View(index), dim));
    }

    /// <inheritdoc/>
    public void Scatter(Strided dst, Strided index, Strided src, int dim, bool accumulate)
    {
        Inner.Scatter(dst, index, src, dim, accumulate);
        if (On) Recorder.Add(new ScatterNode(Device, Recorder.View(dst), Recorder.View(index), Recorder.View(src), dim, accumulate));
    }

    /// <inheritdoc/>
    public void Random(Strided dst, RandomDistribution kind, double a, double b, ulong seed, ulong startBlock)
    {
        Inner.Random(dst, kind, a, b, seed, startBlock);
        if (On) Recorder.Add(new RandomNode(Device, Recorder.View(dst), kind, a, b, new RandomStream(seed, startBlock), Recorder.TakeLive()));
    }

    /// <inheritdoc/>
    /// <remarks>Not recorded: the capture runs it eagerly and is marked unreplayable, as a host read.</remarks>
    public void Sort(Strided values, Strided indices, Strided src, bool descending)
    {
        Recorder.Untraceable("Sort (Sort, ArgSort, TopK)");
        Inner.Sort(values, indices, src, descending);
    }

    /// <inheritdoc/>
    public long[] NonZero(Strided src)
    {
        Recorder.Untraceable("NonZero");
        return Inner.NonZero(src);
    }

    /// <inheritdoc/>
    public void ReadToHost(Strided src, Span<byte> destination)
    {
        Recorder.Untraceable("a read of tensor values on the host (ReadToHost)");
        Inner.ReadToHost(src, destination);
    }

    /// <inheritdoc/>
    public void WriteFromHost(Strided dst, ReadOnlySpan<byte> source)
    {
        Inner.WriteFromHost(dst, source);
        if (On) Recorder.Add(new HostWriteNode(Device, Recorder.View(dst), source.ToArray()));
    }

    /// <inheritdoc/>
    public void Im2Col(Strided cols, Strided image, in WindowGeometry g, double padValue)
    {
        Inner.Im2Col(cols, image, g, padValue);
        if (On) Recorder.Add(new Im2ColNode(Device, Recorder.View(cols), Recorder.View(image), g, padValue));
    }

    /// <inheritdoc/>
    public void Col2Im(Strided image, Strided cols, in WindowGeometry g)
    {
        Inner.Col2Im(image, cols, g);
        if (On) Recorder.Add(new Col2ImNode(Device, Recorder.View(image), Recorder.View(cols), g));
    }
}

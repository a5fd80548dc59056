using CudaTensor.Backends;
using CudaTensor.Ops;

namespace CudaTensor.Compilation;

// The non-elementwise core primitives: reductions, products, indexing, windows and random fills.

/// <summary>Reduces the last <see cref="ReducedDims"/> dimensions.</summary>
internal sealed class ReduceNode(Device device, ReduceOp op, BufferView dst, BufferView src, int reducedDims) : GraphNode(device, [dst], [src])
{
    /// <summary>The reduction.</summary>
    public ReduceOp Op { get; } = op;

    /// <summary>How many trailing dimensions are reduced.</summary>
    public int ReducedDims { get; } = reducedDims;

    /// <inheritdoc/>
    public override string Name => "Reduce." + Op;

    /// <inheritdoc/>
    public override string Arguments => $"dims={ReducedDims}";

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context) => Backend(context).Reduce(Op, W(context, 0), R(context, 0), ReducedDims);
}

/// <summary>Max or min over the last dimension with its index (Writes = [values, indices]).</summary>
internal sealed class ArgReduceNode(Device device, ReduceOp op, BufferView values, BufferView indices, BufferView src) : GraphNode(device, [values, indices], [src])
{
    /// <summary>Max or Min.</summary>
    public ReduceOp Op { get; } = op;

    /// <inheritdoc/>
    public override string Name => "ArgReduce." + Op;

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context) => Backend(context).ArgReduce(Op, W(context, 0), W(context, 1), R(context, 0));
}

/// <summary>Inclusive prefix sum over the last dimension.</summary>
internal sealed class CumSumNode(Device device, BufferView dst, BufferView src) : GraphNode(device, [dst], [src])
{
    /// <inheritdoc/>
    public override string Name => "CumSum";

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context) => Backend(context).CumSum(W(context, 0), R(context, 0));
}

/// <summary>(Log-)softmax over the last dimension.</summary>
internal sealed class SoftmaxNode(Device device, BufferView dst, BufferView src, bool log) : GraphNode(device, [dst], [src])
{
    /// <summary>Log-softmax rather than softmax.</summary>
    public bool Log { get; } = log;

    /// <inheritdoc/>
    public override string Name => Log ? "LogSoftmax" : "Softmax";

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context) => Backend(context).Softmax(W(context, 0), R(context, 0), Log);
}

/// <summary>Batched matrix product (Reads = [a, b]).</summary>
internal sealed class MatMulNode(Device device, BufferView dst, BufferView a, BufferView b) : GraphNode(device, [dst], [a, b])
{
    /// <inheritdoc/>
    public override string Name => "MatMul";

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context) => Backend(context).MatMul(W(context, 0), R(context, 0), R(context, 1));
}

/// <summary>Gather along <see cref="Dim"/> (Reads = [src, index]).</summary>
/// <remarks>With <paramref name="op"/>, the backend checks the indices on the device and reports a bad one, naming that op, at
/// the next synchronization (<see cref="IDeferredIndexChecks"/>).</remarks>
internal sealed class GatherNode(Device device, BufferView dst, BufferView src, BufferView index, int dim, string? op = null) : GraphNode(device, [dst], [src, index])
{
    /// <summary>The gathered dimension.</summary>
    public int Dim { get; } = dim;

    /// <inheritdoc/>
    public override string Name => "Gather";

    /// <inheritdoc/>
    public override string Arguments => $"dim={Dim}";

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context)
    {
        if (op is not null && Backend(context) is IDeferredIndexChecks deferred) deferred.Gather(W(context, 0), R(context, 0), R(context, 1), Dim, op);
        else Backend(context).Gather(W(context, 0), R(context, 0), R(context, 1), Dim);
    }
}

/// <summary>Scatter (or scatter-add) along <see cref="Dim"/>; dst keeps the elements it does not hit, so it is read too (Reads = [dst, index, src]).</summary>
/// <remarks>With <paramref name="op"/>, indices are checked on the device as for <see cref="GatherNode"/>.</remarks>
internal sealed class ScatterNode(Device device, BufferView dst, BufferView index, BufferView src, int dim, bool accumulate, string? op = null)
    : GraphNode(device, [dst], [dst, index, src])
{
    /// <summary>The scattered dimension.</summary>
    public int Dim { get; } = dim;

    /// <summary>Adds instead of overwriting.</summary>
    public bool Accumulate { get; } = accumulate;

    /// <inheritdoc/>
    public override string Name => Accumulate ? "ScatterAdd" : "Scatter";

    /// <inheritdoc/>
    public override string Arguments => $"dim={Dim}";

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context)
    {
        if (op is not null && Backend(context) is IDeferredIndexChecks deferred) deferred.Scatter(W(context, 0), R(context, 1), R(context, 2), Dim, Accumulate, op);
        else Backend(context).Scatter(W(context, 0), R(context, 1), R(context, 2), Dim, Accumulate);
    }
}

/// <summary>Unfolds windows of an image into columns.</summary>
internal sealed class Im2ColNode(Device device, BufferView cols, BufferView image, WindowGeometry geometry, double padValue) : GraphNode(device, [cols], [image])
{
    /// <summary>The windows.</summary>
    public WindowGeometry Geometry { get; } = geometry;

    /// <summary>The value read in the padding.</summary>
    public double PadValue { get; } = padValue;

    /// <inheritdoc/>
    public override string Name => "Im2Col";

    /// <inheritdoc/>
    public override string Arguments => $"{Geometry} pad={F(PadValue)}";

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context) => Backend(context).Im2Col(W(context, 0), R(context, 0), Geometry, PadValue);
}

/// <summary>Folds columns back into an image (sums the taps).</summary>
internal sealed class Col2ImNode(Device device, BufferView image, BufferView cols, WindowGeometry geometry) : GraphNode(device, [image], [cols])
{
    /// <summary>The windows.</summary>
    public WindowGeometry Geometry { get; } = geometry;

    /// <inheritdoc/>
    public override string Name => "Col2Im";

    /// <inheritdoc/>
    public override string Arguments => Geometry.ToString();

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context) => Backend(context).Col2Im(W(context, 0), R(context, 0), Geometry);
}

/// <summary>
/// A fill from the counter-based generator stream. With a live callback (the generator reservation made when the
/// trace ran), every replay reserves its blocks again, so a compiled function draws what eager mode would.
/// </summary>
internal sealed class RandomNode(Device device, BufferView dst, RandomDistribution kind, double a, double b, RandomStream stream, Func<object>? live)
    : GraphNode(device, [dst], [])
{
    /// <summary>The distribution.</summary>
    public RandomDistribution Kind { get; } = kind;

    /// <summary>The stream of the trace (used as is at replay when there is no live callback).</summary>
    public RandomStream Stream { get; } = stream;

    /// <inheritdoc/>
    public override bool HasHostEffect => live is not null;

    /// <inheritdoc/>
    public override string Name => "Random." + Kind;

    /// <inheritdoc/>
    public override string? GraphCaptureBlocker => live is null ? null
        : $"{Name}: the generator's offset advances on the host at every call, and a captured graph would draw the same numbers each time";

    /// <inheritdoc/>
    public override string Arguments => $"a={F(a)} b={F(b)}" + (live is null ? $" seed={Stream.Seed} block={Stream.StartBlock}" : "");

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context)
    {
        var s = live is null ? Stream : (RandomStream)live();
        Backend(context).Random(W(context, 0), Kind, a, b, s.Seed, s.StartBlock);
    }
}

using CudaTensor.Backends;
using CudaTensor.Ops;

namespace CudaTensor.Compilation;

// The elementwise primitives: the nodes the elementwise fusion pass groups (their operands are already broadcast
// to the destination's shape, stride 0 where expanded, as the backend contract says).

/// <summary>Storage allocation: marks where a buffer's life begins; zeroes it at replay when the trace asked for zeroed memory.</summary>
internal sealed class AllocNode(Device device, int buffer, long byteLength, bool zeroed)
    : GraphNode(device, [new BufferView(buffer, 0, [byteLength], [1], DType.Bool)], [])
{
    /// <summary>Bytes allocated.</summary>
    public long ByteLength { get; } = byteLength;

    /// <summary>Whether the memory starts zeroed.</summary>
    public bool Zeroed { get; } = zeroed;

    /// <inheritdoc/>
    public override string Name => Zeroed ? "AllocZeroed" : "Alloc";

    /// <inheritdoc/>
    public override string Arguments => $"bytes={ByteLength}";

    /// <inheritdoc/>
    public override string Format(Graph graph) => $"{graph.Buffers[Writes[0].Buffer].Label} = {Name}({ByteLength} bytes)";

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context)
    {
        if (Zeroed && ByteLength > 0) Backend(context).Fill(W(context, 0), (Scalar)false);
    }
}

/// <summary><c>dst = src</c> with dtype conversion.</summary>
internal sealed class CopyNode(Device device, BufferView dst, BufferView src) : GraphNode(device, [dst], [src])
{
    /// <inheritdoc/>
    public override string Name => "Copy";

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context) => Backend(context).Copy(W(context, 0), R(context, 0));
}

/// <summary><c>dst = value</c>.</summary>
internal sealed class FillNode(Device device, BufferView dst, Scalar value) : GraphNode(device, [dst], [])
{
    /// <summary>The value written.</summary>
    public Scalar Value { get; } = value;

    /// <inheritdoc/>
    public override string Name => "Fill";

    /// <inheritdoc/>
    public override string Arguments => Value.IsFloatingPoint ? $"value={F(Value.ToDouble())}" : $"value={Value.ToInt64()}{(Value.IsBool ? "b" : "")}";

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context) => Backend(context).Fill(W(context, 0), Value);
}

/// <summary><c>dst = op(src; p0, p1)</c>.</summary>
internal sealed class UnaryNode(Device device, UnaryOp op, BufferView dst, BufferView src, double p0, double p1) : GraphNode(device, [dst], [src])
{
    /// <summary>The function.</summary>
    public UnaryOp Op { get; } = op;

    /// <summary>First parameter (e.g. a clamp's low end, a leaky ReLU's slope).</summary>
    public double P0 { get; } = p0;

    /// <summary>Second parameter.</summary>
    public double P1 { get; } = p1;

    /// <inheritdoc/>
    public override string Name => "Unary." + Op;

    /// <inheritdoc/>
    public override string Arguments => P0 == 0 && P1 == 0 ? "" : $"p0={F(P0)} p1={F(P1)}";

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context) => Backend(context).Unary(Op, W(context, 0), R(context, 0), P0, P1);
}

/// <summary><c>dst (Bool) = op(src)</c>.</summary>
internal sealed class PredicateNode(Device device, PredicateOp op, BufferView dst, BufferView src) : GraphNode(device, [dst], [src])
{
    /// <summary>The predicate.</summary>
    public PredicateOp Op { get; } = op;

    /// <inheritdoc/>
    public override string Name => "Predicate." + Op;

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context) => Backend(context).Predicate(Op, W(context, 0), R(context, 0));
}

/// <summary><c>dst = a op b</c> (Reads = [a, b]).</summary>
internal sealed class BinaryNode(Device device, BinaryOp op, BufferView dst, BufferView a, BufferView b) : GraphNode(device, [dst], [a, b])
{
    /// <summary>The operator.</summary>
    public BinaryOp Op { get; } = op;

    /// <inheritdoc/>
    public override string Name => "Binary." + Op;

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context) => Backend(context).Binary(Op, W(context, 0), R(context, 0), R(context, 1));
}

/// <summary><c>dst = cond ? a : b</c> (Reads = [cond, a, b]).</summary>
internal sealed class WhereNode(Device device, BufferView dst, BufferView cond, BufferView a, BufferView b) : GraphNode(device, [dst], [cond, a, b])
{
    /// <inheritdoc/>
    public override string Name => "Where";

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context) => Backend(context).Where(W(context, 0), R(context, 0), R(context, 1), R(context, 2));
}

/// <summary>Host bytes written into a contiguous view: a constant of the capture (the bytes the trace wrote).</summary>
internal sealed class HostWriteNode(Device device, BufferView dst, byte[] bytes) : GraphNode(device, [dst], [])
{
    /// <inheritdoc/>
    public override string Name => "WriteFromHost";

    /// <inheritdoc/>
    public override string Arguments => $"bytes={bytes.Length}";

    /// <summary>
    /// A device copy of the bytes (set by a CUDA graph replay, which owns it): the node then copies device to device,
    /// which a CUDA graph can capture, where a copy from host memory cannot be.
    /// </summary>
    public Storage? DeviceCopy { get; set; }

    /// <summary>The constant's bytes.</summary>
    public ReadOnlySpan<byte> Bytes => bytes;

    /// <inheritdoc/>
    public override void Execute(ExecutionContext context)
    {
        var dst = W(context, 0);
        if (DeviceCopy is { } copy) Backend(context).Copy(dst, new Strided(copy, 0, dst.Shape, dst.Strides, dst.DType));
        else Backend(context).WriteFromHost(dst, bytes);
    }
}

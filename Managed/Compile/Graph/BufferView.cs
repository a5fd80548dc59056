using CudaTensor.Core;
namespace CudaTensor.Compilation;

/// <summary>
/// What a node sees of a buffer: the graph's form of a backend <see cref="Backends.Strided"/>, with the storage
/// replaced by a buffer id (offset, shape and strides in elements, as a tensor's).
/// </summary>
internal readonly record struct BufferView(int Buffer, long Offset, long[] Shape, long[] Strides, DType DType)
{
    /// <summary>Number of elements.</summary>
    public long NumElements => Shapes.NumElements(Shape);

    /// <summary>Whether the view is dense row-major.</summary>
    public bool IsContiguous => Shapes.IsContiguous(Shape, Strides);

    /// <summary>The same view of another buffer.</summary>
    public BufferView On(int buffer) => this with { Buffer = buffer };

    /// <summary>Whether two views are the same memory with the same layout (value comparison of the arrays).</summary>
    public bool SameAs(in BufferView other)
        => Buffer == other.Buffer && Offset == other.Offset && DType == other.DType
           && Shape.AsSpan().SequenceEqual(other.Shape) && Strides.AsSpan().SequenceEqual(other.Strides);

    /// <summary>Whether the view covers its buffer of <paramref name="byteLength"/> bytes exactly, from offset 0, densely.</summary>
    public bool CoversWhole(long byteLength) => Offset == 0 && IsContiguous && NumElements * DType.ElementSize() == byteLength;

    /// <summary>Layout text for reports: <c>[4, 3] f32</c>, with strides and offset when not plain.</summary>
    public string Format(Graph graph)
    {
        var text = $"{graph.Buffers[Buffer].Label}{Shapes.Format(Shape)} {DType.Name()}";
        if (!IsContiguous) text += $" strides{Shapes.Format(Strides)}";
        if (Offset != 0) text += $" +{Offset}";
        return text;
    }
}

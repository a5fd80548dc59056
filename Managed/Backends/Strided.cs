using CudaTensor.Core;

namespace CudaTensor.Backends;

/// <summary>
/// What a backend primitive sees of a tensor: storage, element offset, shape, element strides and dtype.
/// Backends never see <see cref="Tensor"/> (layers only reach downward).
/// </summary>
internal readonly struct Strided(Storage storage, long offset, long[] shape, long[] strides, DType dtype)
{
    public Storage Storage { get; } = storage;
    public long Offset { get; } = offset;
    public long[] Shape { get; } = shape;
    public long[] Strides { get; } = strides;
    public DType DType { get; } = dtype;

    public int Rank => Shape.Length;
    public long NumElements => Shapes.NumElements(Shape);
    public bool IsContiguous => Shapes.IsContiguous(Shape, Strides);

    /// <summary>The same memory with dimensions reordered (<c>order[i]</c> is the source dimension of new dimension i).</summary>
    public Strided Permute(ReadOnlySpan<int> order)
    {
        var shape = new long[order.Length];
        var strides = new long[order.Length];
        for (int i = 0; i < order.Length; i++)
        {
            shape[i] = Shape[order[i]];
            strides[i] = Strides[order[i]];
        }
        return new Strided(Storage, Offset, shape, strides, DType);
    }

    /// <summary>A contiguous operand seen with another shape of the same element count, row-major strides.</summary>
    public Strided AsContiguous(params long[] shape) => WithLayout(shape, Shapes.ContiguousStrides(shape));

    /// <summary>The same memory with another shape and strides (broadcasting, splitting).</summary>
    public Strided WithLayout(long[] shape, long[] strides) => new(Storage, Offset, shape, strides, DType);
}

namespace CudaTensor;

public sealed partial class Tensor
{
    /// <summary>
    /// NumPy/PyTorch basic indexing, always a view: <c>x[0]</c>, <c>x[^1]</c>, <c>x[.., 1]</c>, <c>x[0, .., 2..]</c>,
    /// <c>x[TensorIndex.Slice(0, 10, 2)]</c>, <c>x[TensorIndex.NewAxis]</c>, <c>x[TensorIndex.Ellipsis, 0]</c>.
    /// Setting copies the value (broadcast) into the selected view.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An integer index is outside its dimension.</exception>
    /// <exception cref="ArgumentException">More indices than dimensions, or two ellipses.</exception>
    [System.Runtime.CompilerServices.IndexerName("At")] // "Item" is taken by Item<T>()
    public Tensor this[params TensorIndex[] indices]
    {
        get => Index(indices);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            using var view = Index(indices);
            view.CopyFrom(value);
        }
    }

    private Tensor Index(ReadOnlySpan<TensorIndex> indices)
    {
        int consumed = 0, ellipses = 0;
        foreach (var ix in indices)
        {
            if (ix.Kind is TensorIndex.IndexKind.Single or TensorIndex.IndexKind.Slice) consumed++;
            else if (ix.Kind == TensorIndex.IndexKind.Ellipsis) ellipses++;
        }
        if (ellipses > 1) throw new ArgumentException("Indexing: an index can only have a single ellipsis.");
        if (consumed > Dim)
            throw new ArgumentException($"Indexing: too many indices for {Describe()}: {consumed} were given but it has {Dim} dimension(s).");

        var shape = new List<long>();
        var strides = new List<long>();
        long offset = StorageOffset;
        int d = 0;
        foreach (var ix in indices)
        {
            switch (ix.Kind)
            {
                case TensorIndex.IndexKind.Single:
                {
                    long size = _shape[d], i = ix.Position(size);
                    if (i < 0 || i >= size)
                        throw new ArgumentOutOfRangeException(nameof(indices), $"Indexing: index {ix.Describe()} is out of range for dimension {d} with size {size} of {Describe()}.");
                    offset += i * _strides[d];
                    d++;
                    break;
                }
                case TensorIndex.IndexKind.Slice:
                {
                    var (s, e) = ix.Bounds(_shape[d]);
                    long len = e > s ? (e - s + ix.Step - 1) / ix.Step : 0;
                    offset += s * _strides[d];
                    shape.Add(len);
                    strides.Add(_strides[d] * ix.Step);
                    d++;
                    break;
                }
                case TensorIndex.IndexKind.NewAxis:
                    shape.Add(1);
                    strides.Add(0);
                    break;
                default: // the ellipsis covers the dimensions no other index consumes
                    for (int k = 0; k < Dim - consumed; k++, d++)
                    {
                        shape.Add(_shape[d]);
                        strides.Add(_strides[d]);
                    }
                    break;
            }
        }
        for (; d < Dim; d++)
        {
            shape.Add(_shape[d]);
            strides.Add(_strides[d]);
        }
        var copy = indices.ToArray();
        return Region([.. shape], [.. strides], offset, "IndexBackward", t => t.Index(copy));
    }
}

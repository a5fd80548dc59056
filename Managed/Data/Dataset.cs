namespace CudaTensor.Data;

/// <summary>
/// A map-style dataset, like PyTorch's <c>torch.utils.data.Dataset</c>: <see cref="Count"/> samples, each a fixed
/// number of tensors (e.g. features and label). The caller owns (disposes) the tensors it is given.
/// </summary>
public abstract class Dataset
{
    /// <summary>The number of samples.</summary>
    public abstract long Count { get; }

    /// <summary>Sample <paramref name="index"/> (0 ≤ index &lt; <see cref="Count"/>).</summary>
    public abstract Tensor[] GetItem(long index);

    /// <summary>
    /// The samples at <paramref name="indices"/> stacked along a new first dimension. The default stacks
    /// <see cref="GetItem"/> results; datasets backed by tensors override it with one gather per tensor.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="indices"/> is empty.</exception>
    public virtual Tensor[] GetBatch(ReadOnlySpan<long> indices)
    {
        if (indices.IsEmpty) throw new ArgumentException("GetBatch: expected at least one index.", nameof(indices));
        var items = new Tensor[indices.Length][];
        try
        {
            for (int i = 0; i < indices.Length; i++) items[i] = GetItem(indices[i]);
            var batch = new Tensor[items[0].Length];
            for (int k = 0; k < batch.Length; k++) batch[k] = Tensor.Stack(items.Select(item => item[k]).ToArray());
            return batch;
        }
        finally
        {
            foreach (var item in items)
            {
                if (item is null) continue;
                foreach (var t in item) t.Dispose();
            }
        }
    }

    /// <summary>Throws unless <paramref name="index"/> is a valid sample index.</summary>
    protected void CheckIndex(long index)
    {
        if (index < 0 || index >= Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"{GetType().Name}: index {index} is out of range for a dataset of {Count} samples.");
    }
}

/// <summary>Tensors that share their first dimension, indexed along it (PyTorch's <c>TensorDataset</c>).</summary>
public sealed class TensorDataset : Dataset
{
    private readonly Tensor[] _tensors;

    /// <summary>A dataset over <paramref name="tensors"/> (at least one; all with the same size of dimension 0). They stay owned by the caller.</summary>
    /// <exception cref="ArgumentException">No tensors, a 0-d tensor, or different first sizes.</exception>
    public TensorDataset(params Tensor[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length == 0) throw new ArgumentException("TensorDataset: expected at least one tensor.", nameof(tensors));
        for (int i = 0; i < tensors.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(tensors[i], $"tensors[{i}]");
            if (tensors[i].Dim == 0) throw new ArgumentException($"TensorDataset: tensor {i} is 0-dimensional; samples are indexed along dimension 0.", nameof(tensors));
            if (tensors[i].Size(0) != tensors[0].Size(0))
                throw new ArgumentException(
                    $"TensorDataset: all tensors must have the same size in dimension 0, but tensor 0 has {tensors[0].Size(0)} and tensor {i} has {tensors[i].Size(0)}.", nameof(tensors));
        }
        _tensors = [.. tensors];
    }

    /// <summary>The underlying tensors.</summary>
    public IReadOnlyList<Tensor> Tensors => _tensors;

    /// <inheritdoc/>
    public override long Count => _tensors[0].Size(0);

    /// <summary>Views of row <paramref name="index"/> of each tensor (the caller disposes the views, not the data).</summary>
    public override Tensor[] GetItem(long index)
    {
        CheckIndex(index);
        return _tensors.Select(t => t.Select(0, index)).ToArray();
    }

    /// <inheritdoc/>
    public override Tensor[] GetBatch(ReadOnlySpan<long> indices)
    {
        if (indices.IsEmpty) throw new ArgumentException("GetBatch: expected at least one index.", nameof(indices));
        var idx = indices.ToArray();
        var result = new Tensor[_tensors.Length];
        using var onCpu = Tensor.FromArray(idx);
        for (int i = 0; i < _tensors.Length; i++)
        {
            using var index = onCpu.To(_tensors[i].Device);
            result[i] = _tensors[i].IndexSelect(0, index);
        }
        return result;
    }
}

/// <summary>The samples of another dataset at given indices (PyTorch's <c>Subset</c>).</summary>
public sealed class Subset : Dataset
{
    private readonly long[] _indices;

    /// <summary>The samples of <paramref name="dataset"/> at <paramref name="indices"/>, in that order.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the dataset.</exception>
    public Subset(Dataset dataset, IEnumerable<long> indices)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(indices);
        Dataset = dataset;
        _indices = indices.ToArray();
        foreach (var i in _indices)
        {
            if (i < 0 || i >= dataset.Count)
                throw new ArgumentOutOfRangeException(nameof(indices), i, $"Subset: index {i} is out of range for a dataset of {dataset.Count} samples.");
        }
    }

    /// <summary>The dataset this is a subset of.</summary>
    public Dataset Dataset { get; }

    /// <summary>The indices into <see cref="Dataset"/>.</summary>
    public IReadOnlyList<long> Indices => _indices;

    /// <inheritdoc/>
    public override long Count => _indices.Length;

    /// <inheritdoc/>
    public override Tensor[] GetItem(long index)
    {
        CheckIndex(index);
        return Dataset.GetItem(_indices[index]);
    }

    /// <inheritdoc/>
    public override Tensor[] GetBatch(ReadOnlySpan<long> indices)
    {
        var mapped = new long[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            CheckIndex(indices[i]);
            mapped[i] = _indices[indices[i]];
        }
        return Dataset.GetBatch(mapped);
    }

    /// <summary>All samples of the subset as one batch per tensor (e.g. to standardize features on the training split).</summary>
    public Tensor[] ToTensors() => GetBatch(_indices.Length == 0 ? throw new InvalidOperationException("Subset.ToTensors: the subset is empty.") : Enumerable.Range(0, _indices.Length).Select(i => (long)i).ToArray());
}

using CudaTensor.AutogradEngine;
using CudaTensor.Core;

namespace CudaTensor;

// View ops: new shape/strides/offset over the same storage, never a copy (except Reshape and Contiguous
// when the layout requires one). Writes through a view are seen by the base and every other view.
public sealed partial class Tensor
{
    /// <summary>The elements <c>start .. start + length - 1</c> along <paramref name="dim"/>, as a view.</summary>
    public Tensor Narrow(int dim, long start, long length)
    {
        int d = ExistingDim(dim, nameof(Narrow));
        long size = _shape[d];
        if (start < 0) start += size;
        if (start < 0 || length < 0 || start + length > size)
            throw new ArgumentOutOfRangeException(nameof(start),
                $"{nameof(Narrow)}: start {start} and length {length} do not fit dimension {dim} of size {size} in {Describe()}.");
        return Slice(d, start, start + length, 1);
    }

    /// <summary>
    /// Elements <c>start, start + step, ...</c> below <paramref name="end"/> along <paramref name="dim"/>, as a view
    /// (Python's <c>x[start:end:step]</c>; bounds are clamped as in Python, negative values count from the end).
    /// </summary>
    public Tensor Slice(int dim, long? start = null, long? end = null, long step = 1)
    {
        int d = ExistingDim(dim, nameof(Slice));
        if (step <= 0) throw new ArgumentOutOfRangeException(nameof(step), $"{nameof(Slice)}: step must be positive, got {step}.");
        long size = _shape[d];
        long s = Clamp(start ?? 0, size), e = Clamp(end ?? size, size);
        long len = e > s ? (e - s + step - 1) / step : 0;
        var shape = (long[])_shape.Clone();
        var strides = (long[])_strides.Clone();
        shape[d] = len;
        strides[d] = _strides[d] * step;
        return Region(shape, strides, StorageOffset + s * _strides[d], "SliceBackward", t => t.Slice(d, s, e, step));

        static long Clamp(long i, long size) => Math.Clamp(i < 0 ? i + size : i, 0, size);
    }

    /// <summary>The slice at <paramref name="index"/> along <paramref name="dim"/>, which removes that dimension.</summary>
    public Tensor Select(int dim, long index)
    {
        int d = Shapes.NormalizeDim(dim, Dim, nameof(Select));
        if (Dim == 0) throw new InvalidOperationException($"{nameof(Select)}: cannot index into a 0-d tensor ({Describe()}).");
        long size = _shape[d];
        long i = index < 0 ? index + size : index;
        if (i < 0 || i >= size)
            throw new ArgumentOutOfRangeException(nameof(index), $"{nameof(Select)}: index {index} is out of range for dimension {d} with size {size} of {Describe()}.");
        return Region(Remove(_shape, d), Remove(_strides, d), StorageOffset + i * _strides[d], "SelectBackward", t => t.Select(d, i));
    }

    /// <summary>Swaps dimensions <paramref name="dim0"/> and <paramref name="dim1"/> (a view).</summary>
    public Tensor Transpose(int dim0, int dim1)
    {
        int a = Shapes.NormalizeDim(dim0, Dim, nameof(Transpose)), b = Shapes.NormalizeDim(dim1, Dim, nameof(Transpose));
        if (Dim == 0) return Alias(); // torch allows transpose(0, -1) of a 0-d tensor
        var shape = (long[])_shape.Clone();
        var strides = (long[])_strides.Clone();
        (shape[a], shape[b]) = (shape[b], shape[a]);
        (strides[a], strides[b]) = (strides[b], strides[a]);
        return Relayout(shape, strides, StorageOffset, "TransposeBackward", g => g.Transpose(a, b));
    }

    /// <summary>The transpose of a 2-D tensor (a 0-d or 1-D tensor is returned as a view of itself).</summary>
    /// <exception cref="InvalidOperationException">The tensor has more than 2 dimensions; use Transpose or Permute.</exception>
    public Tensor T => Dim switch
    {
        < 2 => Alias(),
        2 => Transpose(0, 1),
        _ => throw new InvalidOperationException($"T: {Describe()} has {Dim} dimensions; T is for 2-D tensors. Use Transpose(d0, d1) or Permute(...)."),
    };

    /// <summary>Reorders the dimensions: new dimension i is old dimension <c>dims[i]</c> (a view).</summary>
    public Tensor Permute(params ReadOnlySpan<int> dims)
    {
        if (dims.Length != Dim)
            throw new ArgumentException($"{nameof(Permute)}: got {dims.Length} dimensions for {Describe()}, which has {Dim}.");
        var seen = new bool[Dim];
        var inverse = new int[Dim];
        var shape = new long[Dim];
        var strides = new long[Dim];
        for (int i = 0; i < dims.Length; i++)
        {
            int d = Shapes.NormalizeDim(dims[i], Dim, nameof(Permute));
            if (seen[d]) throw new ArgumentException($"{nameof(Permute)}: dimension {d} appears twice in [{string.Join(", ", dims.ToArray())}].");
            seen[d] = true;
            shape[i] = _shape[d];
            strides[i] = _strides[d];
            inverse[d] = i;
        }
        return Relayout(shape, strides, StorageOffset, "PermuteBackward", g => g.Permute(inverse));
    }

    /// <summary>
    /// The same elements with another shape, sharing storage. One size may be -1 (inferred).
    /// </summary>
    /// <exception cref="InvalidOperationException">The strides do not allow a view (e.g. after a transpose); use <see cref="Reshape"/>.</exception>
    public Tensor View(params ReadOnlySpan<long> shape)
    {
        var newShape = Shapes.InferSize(shape, NumElements, nameof(View));
        var strides = Shapes.ViewStrides(_shape, _strides, newShape)
            ?? throw new InvalidOperationException(
                $"{nameof(View)}: cannot view {Describe()} with strides {Shapes.Format(_strides)} as {Shapes.Format(newShape)}: " +
                "the size is not compatible with the memory layout (at least one dimension spans across two contiguous runs). " +
                "Use .Reshape(...) instead, which copies when it must.");
        var oldShape = _shape;
        return Relayout(newShape, strides, StorageOffset, "ViewBackward", g => g.Reshape(oldShape));
    }

    /// <summary>The same elements with another shape: a view when the layout allows, otherwise a contiguous copy.</summary>
    public Tensor Reshape(params ReadOnlySpan<long> shape)
    {
        var newShape = Shapes.InferSize(shape, NumElements, nameof(Reshape));
        var strides = Shapes.ViewStrides(_shape, _strides, newShape);
        var oldShape = _shape;
        if (strides is not null) return Relayout(newShape, strides, StorageOffset, "ReshapeBackward", g => g.Reshape(oldShape));
        using var dense = Contiguous();
        return dense.Relayout(newShape, Shapes.ContiguousStrides(newShape), dense.StorageOffset, "ReshapeBackward", g => g.Reshape(oldShape));
    }

    /// <summary>Merges dimensions <paramref name="startDim"/> ..<paramref name="endDim"/> into one (a view when possible).</summary>
    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        if (Dim == 0) return Reshape(1);
        int s = Shapes.NormalizeDim(startDim, Dim, nameof(Flatten)), e = Shapes.NormalizeDim(endDim, Dim, nameof(Flatten));
        if (s > e) throw new ArgumentException($"{nameof(Flatten)}: startDim {startDim} comes after endDim {endDim}.");
        var shape = new List<long>();
        for (int i = 0; i < s; i++) shape.Add(_shape[i]);
        long merged = 1;
        for (int i = s; i <= e; i++) merged *= _shape[i];
        shape.Add(merged);
        for (int i = e + 1; i < Dim; i++) shape.Add(_shape[i]);
        return Reshape([.. shape]);
    }

    /// <summary>
    /// Splits dimension <paramref name="dim"/> into <paramref name="sizes"/> (whose product must be its size; one of them
    /// may be -1, inferred), as PyTorch's <c>unflatten</c>: [N, 64] with dim 1 and sizes [1, 8, 8] becomes [N, 1, 8, 8].
    /// A view when the layout allows, like <see cref="Reshape(ReadOnlySpan{long})"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The sizes do not multiply to the dimension's size (the message gives both).</exception>
    public Tensor Unflatten(int dim, params ReadOnlySpan<long> sizes)
    {
        int d = Shapes.NormalizeDim(dim, Dim, nameof(Unflatten));
        if (sizes.Length == 0) throw new ArgumentException($"{nameof(Unflatten)}: sizes must not be empty.", nameof(sizes));
        long known = 1;
        int inferred = -1;
        for (int i = 0; i < sizes.Length; i++)
        {
            if (sizes[i] == -1 && inferred < 0) inferred = i;
            else if (sizes[i] < 0) throw new ArgumentException($"{nameof(Unflatten)}: sizes {Shapes.Format(sizes)} may hold one -1 and otherwise sizes >= 0.", nameof(sizes));
            else known *= sizes[i];
        }
        var split = sizes.ToArray();
        if (inferred >= 0 && known != 0 && _shape[d] % known == 0) split[inferred] = _shape[d] / known;
        if (Shapes.NumElements(split) != _shape[d] || split.Any(v => v < 0))
            throw new ArgumentException(
                $"{nameof(Unflatten)}: sizes {Shapes.Format(sizes)} do not multiply to {_shape[d]}, the size of dimension {dim} of shape {Shapes.Format(_shape)}.", nameof(sizes));
        return Reshape([.. _shape[..d], .. split, .. _shape[(d + 1)..]]);
    }

    /// <summary>Removes every dimension of size 1.</summary>
    public Tensor Squeeze()
    {
        var keep = Enumerable.Range(0, Dim).Where(i => _shape[i] != 1).ToArray();
        var oldShape = _shape;
        return Relayout([.. keep.Select(i => _shape[i])], [.. keep.Select(i => _strides[i])], StorageOffset, "SqueezeBackward", g => g.Reshape(oldShape));
    }

    /// <summary>Removes dimension <paramref name="dim"/> if its size is 1 (otherwise returns a view of the same shape, as PyTorch).</summary>
    public Tensor Squeeze(int dim)
    {
        int d = Shapes.NormalizeDim(dim, Dim, nameof(Squeeze));
        if (Dim == 0 || _shape[d] != 1) return Alias();
        var oldShape = _shape;
        return Relayout(Remove(_shape, d), Remove(_strides, d), StorageOffset, "SqueezeBackward", g => g.Reshape(oldShape));
    }

    /// <summary>
    /// Removes those of <paramref name="dims"/> whose size is 1 and leaves the others (torch.squeeze with a tuple of dims).
    /// An empty array squeezes nothing, as in PyTorch (use <see cref="Squeeze()"/> to remove every size-1 dimension).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A dimension appears more than once.</exception>
    public Tensor Squeeze(int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var squeeze = new bool[Math.Max(Dim, 1)];
        foreach (var dim in dims)
        {
            int d = Shapes.NormalizeDim(dim, Dim, nameof(Squeeze));
            if (squeeze[d]) throw new ArgumentException($"{nameof(Squeeze)}: dimension {d} appears more than once in [{string.Join(", ", dims)}].", nameof(dims));
            squeeze[d] = true;
        }
        var keep = Enumerable.Range(0, Dim).Where(i => !(squeeze[i] && _shape[i] == 1)).ToArray();
        if (keep.Length == Dim) return Alias();
        var oldShape = _shape;
        return Relayout([.. keep.Select(i => _shape[i])], [.. keep.Select(i => _strides[i])], StorageOffset, "SqueezeBackward", g => g.Reshape(oldShape));
    }

    /// <summary>Inserts a dimension of size 1 at <paramref name="dim"/> (which may be Dim, or negative).</summary>
    public Tensor Unsqueeze(int dim)
    {
        int d = Shapes.NormalizeDim(dim, Dim + 1, nameof(Unsqueeze));
        var shape = new List<long>(_shape);
        var strides = new List<long>(_strides);
        shape.Insert(d, 1);
        strides.Insert(d, d < Dim ? _strides[d] * _shape[d] : 1);
        return Relayout([.. shape], [.. strides], StorageOffset, "UnsqueezeBackward", g => g.Squeeze(d));
    }

    /// <summary>
    /// Repeats size-1 dimensions (and adds leading ones) without copying: stride 0. A size of -1 keeps the
    /// current size. Writing to an expanded tensor writes the same memory several times.
    /// </summary>
    public Tensor Expand(params ReadOnlySpan<long> shape)
    {
        var target = shape.ToArray();
        int lead = target.Length - Dim;
        if (lead < 0)
            throw new ArgumentException($"{nameof(Expand)}: the target {Shapes.Format(target)} has fewer dimensions than {Describe()}.");
        for (int i = 0; i < target.Length; i++)
        {
            if (target[i] == -1)
            {
                if (i < lead) throw new ArgumentException($"{nameof(Expand)}: -1 is not allowed for the new leading dimension {i} in {Shapes.Format(target)}.");
                target[i] = _shape[i - lead];
            }
        }
        var strides = Shapes.BroadcastStrides(_shape, _strides, target, nameof(Expand));
        var view = AsStrided(target, strides, StorageOffset);
        Derivatives.RecordExpand(view, this);
        return view;
    }

    /// <summary>Expands to the shape of <paramref name="other"/>.</summary>
    public Tensor ExpandAs(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Expand(other.Shape);
    }

    /// <summary>A view with the shape of <paramref name="other"/> (torch.Tensor.view_as), as <see cref="View"/>.</summary>
    /// <exception cref="ArgumentException">The element counts differ.</exception>
    /// <exception cref="InvalidOperationException">The strides do not allow a view; use <see cref="ReshapeAs"/>.</exception>
    public Tensor ViewAs(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return View(other.Shape);
    }

    /// <summary>This tensor with the shape of <paramref name="other"/> (torch.Tensor.reshape_as), as <see cref="Reshape"/>.</summary>
    /// <exception cref="ArgumentException">The element counts differ.</exception>
    public Tensor ReshapeAs(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Reshape(other.Shape);
    }

    /// <summary>Broadcasts to <paramref name="shape"/> (NumPy rules), as a view with stride 0 where expanded.</summary>
    public Tensor BroadcastTo(params ReadOnlySpan<long> shape) => Expand(shape);

    /// <summary>Splits into views of <paramref name="splitSize"/> along <paramref name="dim"/> (the last may be smaller).</summary>
    public Tensor[] Split(long splitSize, int dim = 0)
    {
        int d = ExistingDim(dim, nameof(Split));
        if (splitSize <= 0 && !(splitSize == 0 && _shape[d] == 0))
            throw new ArgumentOutOfRangeException(nameof(splitSize), $"{nameof(Split)}: splitSize must be positive, got {splitSize}.");
        long size = _shape[d];
        if (size == 0) return [Narrow(d, 0, 0)];
        var parts = new List<Tensor>();
        for (long s = 0; s < size; s += splitSize) parts.Add(Narrow(d, s, Math.Min(splitSize, size - s)));
        return [.. parts];
    }

    /// <summary>Splits into views of the given sizes along <paramref name="dim"/>; the sizes must add up to the dimension.</summary>
    public Tensor[] Split(ReadOnlySpan<long> sizes, int dim = 0)
    {
        int d = ExistingDim(dim, nameof(Split));
        long total = 0;
        foreach (var s in sizes)
        {
            if (s < 0) throw new ArgumentException($"{nameof(Split)}: sizes must be non-negative, got {Shapes.Format(sizes)}.");
            total += s;
        }
        if (total != _shape[d])
            throw new ArgumentException($"{nameof(Split)}: sizes {Shapes.Format(sizes)} add up to {total}, but dimension {d} of {Describe()} has size {_shape[d]}.");
        var parts = new Tensor[sizes.Length];
        long start = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            parts[i] = Narrow(d, start, sizes[i]);
            start += sizes[i];
        }
        return parts;
    }

    /// <summary>Splits into <paramref name="chunks"/> views of equal size (the last may be smaller; fewer when the dimension is short).</summary>
    public Tensor[] Chunk(int chunks, int dim = 0)
    {
        if (chunks <= 0) throw new ArgumentOutOfRangeException(nameof(chunks), $"{nameof(Chunk)}: chunks must be positive, got {chunks}.");
        int d = ExistingDim(dim, nameof(Chunk));
        long size = _shape[d];
        return Split(Math.Max(1, (size + chunks - 1) / chunks), d);
    }

    /// <summary>All slices along <paramref name="dim"/>, each without that dimension.</summary>
    public Tensor[] Unbind(int dim = 0)
    {
        int d = ExistingDim(dim, nameof(Unbind));
        var parts = new Tensor[_shape[d]];
        for (long i = 0; i < parts.Length; i++) parts[i] = Select(d, i);
        return parts;
    }

    /// <summary>A contiguous tensor with the same values: a new view of this storage if already contiguous, else a copy.</summary>
    public Tensor Contiguous() => IsContiguous ? Alias() : Clone();

    /// <summary>A view with the same layout that passes gradients straight through.</summary>
    internal Tensor Alias() => Relayout(_shape, _strides, StorageOffset, "AliasBackward", g => g);

    /// <summary>A view that only re-lays out the elements; <paramref name="gradient"/> maps its gradient back to this tensor's layout.</summary>
    private Tensor Relayout(long[] shape, long[] strides, long offset, string name, Func<Tensor, Tensor> gradient)
    {
        var view = AsStrided(shape, strides, offset);
        Derivatives.RecordRelayout(name, view, this, gradient);
        return view;
    }

    /// <summary>A view of part of this tensor; <paramref name="select"/> takes the same part of a tensor shaped like this one.</summary>
    internal Tensor Region(long[] shape, long[] strides, long offset, string name, Func<Tensor, Tensor> select)
    {
        var view = AsStrided(shape, strides, offset);
        Derivatives.RecordRegion(name, view, this, select);
        return view;
    }

    /// <summary>
    /// Normalizes a dimension that must exist. <see cref="Shapes.NormalizeDim"/> accepts 0 and -1 for a 0-d tensor
    /// (reductions over "dim 0" of a scalar are legal), but ops that index the shape would then read past it.
    /// </summary>
    internal int ExistingDim(long dim, string op)
    {
        if (Dim == 0)
            throw new ArgumentOutOfRangeException(nameof(dim),
                $"{op}: dimension {dim} was given but {Describe()} is 0-d and has no dimensions. Unsqueeze(0) it first if you need one.");
        return Shapes.NormalizeDim(dim, Dim, op);
    }

    private static long[] Remove(long[] a, int index)
    {
        var r = new long[a.Length - 1];
        Array.Copy(a, 0, r, 0, index);
        Array.Copy(a, index + 1, r, index, a.Length - index - 1);
        return r;
    }
}

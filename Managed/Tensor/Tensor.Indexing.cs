using CudaTensor.AutogradEngine;
using CudaTensor.Backends;
using CudaTensor.Core;

namespace CudaTensor;

// Index-based selection and assembly: IndexSelect, Gather, Scatter(Add), boolean masks, OneHot, Cat, Stack.
public sealed partial class Tensor
{
    /// <summary>The slices at <paramref name="index"/> (1-D, Int64/Int32) along <paramref name="dim"/>, copied into a new tensor.</summary>
    public Tensor IndexSelect(int dim, Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        RequireDims(1, nameof(IndexSelect));
        int d = Shapes.NormalizeDim(dim, Dim, nameof(IndexSelect));
        if (index.Dim > 1)
            throw new ArgumentException($"{nameof(IndexSelect)}: the index must be 1-D (or 0-d), got {index.Describe()}.");
        using var idx = IndexTensor(index, nameof(IndexSelect));
        using var flat = idx.Reshape(-1);
        // Gather with the index laid along `dim` and broadcast (stride 0) over every other dimension.
        var outShape = (long[])_shape.Clone();
        outShape[d] = flat.NumElements;
        var viewShape = Enumerable.Repeat(1L, Dim).ToArray();
        viewShape[d] = flat.NumElements;
        using var shaped = flat.View(viewShape);
        using var expanded = shaped.Expand(outShape);
        // Check the (short) index itself rather than its expansion to the output's size.
        if (Backend is not IDeferredIndexChecks) CheckIndexRange(flat, _shape[d], d, nameof(IndexSelect));
        return GatherCore(d, expanded, nameof(IndexSelect), rangeChecked: true);
    }

    /// <summary>
    /// out[i][j][k] = this[i][index[i][j][k]][k] for <paramref name="dim"/> = 1 (and likewise for other dims);
    /// <paramref name="index"/> has the output's shape and this tensor's rank.
    /// </summary>
    public Tensor Gather(int dim, Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        RequireDims(1, nameof(Gather));
        int d = Shapes.NormalizeDim(dim, Dim, nameof(Gather));
        using var idx = IndexTensor(index, nameof(Gather));
        if (idx.Dim != Dim)
            throw new ArgumentException($"{nameof(Gather)}: the index {index.Describe()} must have as many dimensions as {Describe()}.");
        for (int i = 0; i < idx.Dim; i++)
        {
            if (i != d && idx._shape[i] > _shape[i])
                throw new ArgumentException(
                    $"{nameof(Gather)}: index size {idx._shape[i]} exceeds the size {_shape[i]} of {Describe()} in dimension {i} (only dimension {d} may differ).");
        }
        return GatherCore(d, idx, nameof(Gather));
    }

    private Tensor GatherCore(int d, Tensor idx, string op, bool rangeChecked = false)
    {
        // Checked up front: a kernel running on several threads would report a bad index wrapped in an AggregateException.
        // Checked on the device where the backend can (reported at the next synchronization, naming `op`).
        var deferred = Backend as IDeferredIndexChecks;
        if (!rangeChecked && deferred is null) CheckIndexRange(idx, _shape[d], d, op);
        var result = Allocate(idx._shape, DType, Device);
        try
        {
            // The source is read through the index's extents, except along `dim`, which keeps its own size.
            var srcShape = (long[])idx._shape.Clone();
            srcShape[d] = _shape[d];
            if (deferred is not null) deferred.Gather(result.Layout, Layout.WithLayout(srcShape, _strides), idx.Layout, d, op);
            else Backend.Gather(result.Layout, Layout.WithLayout(srcShape, _strides), idx.Layout, d);
        }
        catch (ArgumentOutOfRangeException e)
        {
            result.Dispose();
            throw new ArgumentOutOfRangeException($"{op}: {e.Message} (in {Describe()}).", e);
        }
        Derivatives.RecordGather(result, this, idx, d);
        return result;
    }

    /// <summary>A copy with this[...index[i]...] = src[i] along <paramref name="dim"/> (the last write wins on duplicates).</summary>
    public Tensor Scatter(int dim, Tensor index, Tensor src) => ScatterCopy(dim, index, src, accumulate: false, nameof(Scatter));

    /// <summary>A copy with this[...index[i]...] += src[i] along <paramref name="dim"/> (duplicates accumulate).</summary>
    public Tensor ScatterAdd(int dim, Tensor index, Tensor src) => ScatterCopy(dim, index, src, accumulate: true, nameof(ScatterAdd));

    private Tensor ScatterCopy(int dim, Tensor index, Tensor src, bool accumulate, string op)
    {
        Tensor result;
        using (GradMode.Set(false))
        {
            result = Clone();
            try { result.ScatterCore(dim, index, src, accumulate, op); }
            catch { result.Dispose(); throw; }
        }
        Derivatives.RecordScatter(result, this, index, src, Shapes.NormalizeDim(dim, Dim, op), accumulate);
        return result;
    }

    /// <summary>In place: this[...index[i]...] = src[i] along <paramref name="dim"/>.</summary>
    public Tensor ScatterInPlace(int dim, Tensor index, Tensor src) => ScatterCore(dim, index, src, false, nameof(ScatterInPlace));

    /// <summary>In place: this[...index[i]...] += src[i] along <paramref name="dim"/>.</summary>
    public Tensor ScatterAddInPlace(int dim, Tensor index, Tensor src) => ScatterCore(dim, index, src, true, nameof(ScatterAddInPlace));

    private Tensor ScatterCore(int dim, Tensor index, Tensor src, bool accumulate, string op)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(src);
        if (InPlaceNeedsGrad(src, op)) return RebaseInPlace(old => old.ScatterCopy(dim, index, src, accumulate, op));
        CheckSameDevice(op, this, src);
        RequireDims(1, op);
        int d = Shapes.NormalizeDim(dim, Dim, op);
        using var idx = IndexTensor(index, op);
        if (idx.Dim != Dim || src.Dim != Dim)
            throw new ArgumentException($"{op}: index {index.Describe()} and src {src.Describe()} must have as many dimensions as {Describe()}.");
        for (int i = 0; i < Dim; i++)
        {
            if (idx._shape[i] > src._shape[i] || (i != d && idx._shape[i] > _shape[i]))
                throw new ArgumentException(
                    $"{op}: index {index.Describe()} must not be larger than src {src.Describe()} in any dimension, nor than {Describe()} outside dimension {d}.");
        }
        var deferred = Backend as IDeferredIndexChecks;
        if (deferred is null) CheckIndexRange(idx, _shape[d], d, op);
        CheckWritable(op);
        Tensor? temp = null;
        try
        {
            var s = src.LayoutAs(DType, ref temp);
            if (deferred is not null) deferred.Scatter(Layout, idx.Layout, s, d, accumulate, op);
            else Backend.Scatter(Layout, idx.Layout, s, d, accumulate);
        }
        finally
        {
            temp?.Dispose();
        }
        BumpVersion();
        return this;
    }

    /// <summary>The elements where <paramref name="mask"/> (Bool, broadcast to this shape) is true, as a 1-D copy.</summary>
    public Tensor MaskedSelect(Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (mask.DType != DType.Bool)
            throw new ArgumentException($"{nameof(MaskedSelect)}: the mask must be a Bool tensor, got {mask.Describe()}.");
        CheckSameDevice(nameof(MaskedSelect), this, mask);
        var shape = Shapes.Broadcast(_shape, mask._shape, nameof(MaskedSelect));
        using var m = mask.Expand(shape);
        using var mc = m.Contiguous();
        using var x = Expand(shape);
        using var flat = x.Reshape(-1);
        using var positions = FromArray(Backend.NonZero(mc.Layout), Device);
        return flat.IndexSelect(0, positions);
    }

    /// <summary>Indices of the non-zero elements: an Int64 tensor of shape [count, Dim].</summary>
    public Tensor NonZero()
    {
        using var b = To(DType.Bool);
        using var bc = b.Contiguous();
        var flat = Backend.NonZero(bc.Layout);
        var coords = new long[flat.Length * Dim];
        for (int i = 0; i < flat.Length; i++)
        {
            long rem = flat[i];
            for (int d = Dim - 1; d >= 0; d--)
            {
                coords[i * Dim + d] = rem % _shape[d];
                rem /= _shape[d];
            }
        }
        return FromArray(coords, [flat.Length, Dim], Device);
    }

    /// <summary>One-hot encoding of integer class indices: shape [..., numClasses], Int64 (<paramref name="numClasses"/> -1 infers max + 1).</summary>
    /// <remarks>
    /// With <paramref name="numClasses"/> given, the indices are range-checked inside the scatter (on the CPU before
    /// anything is written; on CUDA at the next synchronization, as PyTorch's device-side asserts), so nothing is read
    /// back to the host and the op records into compiled functions. Inferring the count reads the maximum on the host
    /// (the result's shape depends on it): a compiled function runs that call eagerly.
    /// </remarks>
    public Tensor OneHot(long numClasses = -1)
    {
        if (!DType.IsInteger())
            throw new ArgumentException($"{nameof(OneHot)}: class indices must be an integer tensor, got {Describe()}.");
        if (numClasses < 0)
        {
            if (NumElements == 0) throw new ArgumentException($"{nameof(OneHot)}: cannot infer the number of classes of an empty tensor; pass numClasses.");
            using var max = Max();
            using var max64 = max.To(DType.Int64);
            numClasses = max64.Item<long>() + 1;
        }
        using var idx = IndexTensor(this, nameof(OneHot));
        var result = Zeros([.. _shape, numClasses], DType.Int64, Device);
        using var index = idx.Unsqueeze(-1);
        using var ones = Ones(index.Shape, DType.Int64, Device);
        // The scatter checks the range itself (deferred where the backend can), reporting a bad index as OneHot's.
        try
        {
            return result.ScatterCore(-1, index, ones, accumulate: false, nameof(OneHot));
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Joins tensors along an existing dimension; all other sizes must match.</summary>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException($"{nameof(Cat)}: expected a non-empty list of tensors.");
        var first = tensors[0];
        int d = Shapes.NormalizeDim(dim, first.Dim, nameof(Cat));
        if (first.Dim == 0) throw new ArgumentException($"{nameof(Cat)}: zero-dimensional tensors cannot be concatenated; use Stack.");
        var dtype = first.DType;
        long total = 0;
        for (int t = 0; t < tensors.Count; t++)
        {
            var x = tensors[t];
            ArgumentNullException.ThrowIfNull(x);
            CheckSameDevice(nameof(Cat), first, x);
            if (x.Dim != first.Dim)
                throw new ArgumentException($"{nameof(Cat)}: tensor {t} is {x.Describe()}, but tensor 0 is {first.Describe()}: the number of dimensions must match.");
            for (int i = 0; i < x.Dim; i++)
            {
                if (i != d && x._shape[i] != first._shape[i])
                    throw new ArgumentException(
                        $"{nameof(Cat)}: sizes must match except in dimension {d}, but tensor {t} is {x.Describe()} and tensor 0 is {first.Describe()} (dimension {i}).");
            }
            dtype = DTypes.Promote(dtype, x.DType);
            total += x._shape[d];
        }
        var shape = (long[])first._shape.Clone();
        shape[d] = total;
        var result = Allocate(shape, dtype, first.Device);
        long offset = 0;
        foreach (var x in tensors)
        {
            using var part = result.Narrow(d, offset, x._shape[d]);
            part.Backend.Copy(part.Layout, x.Layout);
            offset += x._shape[d];
        }
        Derivatives.RecordCat(result, tensors, d);
        return result;
    }

    /// <summary>Joins same-shaped tensors along a new dimension.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException($"{nameof(Stack)}: expected a non-empty list of tensors.");
        var first = tensors[0];
        for (int t = 1; t < tensors.Count; t++)
        {
            if (!Shapes.SameShape(tensors[t]._shape, first._shape))
                throw new ArgumentException($"{nameof(Stack)}: all tensors must have the same shape, but tensor {t} is {tensors[t].Describe()} and tensor 0 is {first.Describe()}.");
        }
        int d = Shapes.NormalizeDim(dim, first.Dim + 1, nameof(Stack));
        var views = tensors.Select(t => t.Unsqueeze(d)).ToArray();
        try { return Cat(views, d); }
        finally { foreach (var v in views) v.Dispose(); }
    }

    private void RequireDims(int min, string op)
    {
        if (Dim < min) throw new ArgumentException($"{op}: expected a tensor with at least {min} dimension(s), got {Describe()}. Use .Reshape(1) first.");
    }

    /// <summary>Index tensors are Int64 (Int32 is accepted and widened).</summary>
    private static Tensor IndexTensor(Tensor index, string op)
    {
        if (!index.DType.IsInteger())
            throw new ArgumentException($"{op}: indices must be an Int64 (or Int32) tensor, got {index.Describe()}.");
        return index.To(DType.Int64);
    }

    // Validated before any write, so a bad index leaves the destination untouched.
    private static void CheckIndexRange(Tensor idx, long size, int dim, string op)
    {
        if (idx.NumElements == 0) return;
        using var min = idx.Min();
        using var max = idx.Max();
        long lo = min.Item<long>(), hi = max.Item<long>();
        if (lo < 0 || hi >= size)
            throw new ArgumentOutOfRangeException(nameof(idx), $"{op}: index {(lo < 0 ? lo : hi)} is out of bounds for dimension {dim} with size {size}; valid indices are 0..{size - 1}.");
    }
}

using CudaTensor.AutogradEngine;
using CudaTensor.Core;

namespace CudaTensor;

// Sorting along one dimension: one backend primitive (a stable sort of contiguous rows, NaN largest) gives the values
// and their source positions; the values' gradient is a Gather's (it scatters back to those positions). ArgSort and
// TopK are built on Sort.
public sealed partial class Tensor
{
    /// <summary>
    /// The elements sorted along <paramref name="dim"/> (default the last), ascending unless <paramref name="descending"/>,
    /// and the Int64 indices of their positions in this tensor (torch.sort). NaN sorts as the largest value, as in
    /// PyTorch. The sort is always stable (equal elements keep their order), which PyTorch promises only with
    /// <paramref name="stable"/> = true; the argument is accepted for the same calls.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The dimension is out of range.</exception>
    public (Tensor Values, Tensor Indices) Sort(int dim = -1, bool descending = false, bool stable = false)
    {
        _ = stable; // every sort here is stable
        ThrowIfDisposed(nameof(Sort));
        return SortCore(dim, descending, nameof(Sort));
    }

    /// <summary>The Int64 indices that sort this tensor along <paramref name="dim"/> (torch.argsort); see <see cref="Sort"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The dimension is out of range.</exception>
    public Tensor ArgSort(int dim = -1, bool descending = false, bool stable = false)
    {
        _ = stable;
        ThrowIfDisposed(nameof(ArgSort));
        Tensor values, indices;
        using (Autograd.NoGrad()) (values, indices) = SortCore(dim, descending, nameof(ArgSort));
        values.Dispose();
        return indices;
    }

    /// <summary>
    /// The <paramref name="k"/> largest (or, with <paramref name="largest"/> = false, smallest) elements along
    /// <paramref name="dim"/> and their Int64 indices (torch.topk). The result is always in sorted order (largest first
    /// when <paramref name="largest"/>), and among equal values the earlier position comes first; PyTorch leaves the
    /// order of ties, and with <paramref name="sorted"/> = false the order of the result, unspecified. NaN counts as the
    /// largest value.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is negative or larger than the dimension, or the dimension is out of range.</exception>
    public (Tensor Values, Tensor Indices) TopK(long k, int dim = -1, bool largest = true, bool sorted = true)
    {
        _ = sorted;
        ThrowIfDisposed(nameof(TopK));
        int d = Shapes.NormalizeDim(dim, Dim, nameof(TopK));
        long size = Dim == 0 ? 1 : _shape[d];
        if (k < 0 || k > size)
            throw new ArgumentOutOfRangeException(nameof(k), k,
                $"{nameof(TopK)}: k = {k} is out of range for dimension {dim} of size {size} in {Describe()}; use 0 <= k <= {size}.");
        var (values, indices) = SortCore(d, largest, nameof(TopK));
        if (k == size) return (values, indices);
        using (values)
        using (indices)
        using (var v = values.Narrow(d, 0, k))
        using (var i = indices.Narrow(d, 0, k))
            return (v.Contiguous(), i.Contiguous());
    }

    private (Tensor Values, Tensor Indices) SortCore(int dim, bool descending, string op)
    {
        if (Dim == 0)
        {
            using var row = Reshape(1);
            var (v, i) = row.SortCore(0, descending, op);
            using (v)
            using (i)
                return (v.Reshape([]), i.Reshape([]));
        }
        int d = Shapes.NormalizeDim(dim, Dim, op);
        int last = Dim - 1;
        Tensor values, indices;
        using (Autograd.NoGrad())
        {
            // The backend sorts the last dimension of contiguous rows; Bool sorts as Int32 (false < true).
            using var moved = d == last ? Alias() : Transpose(d, last);
            using var src = DType == DType.Bool ? moved.To(DType.Int32) : moved.Contiguous();
            var sortedValues = Allocate(src.ShapeArray, src.DType, Device);
            var sortedIndices = Allocate(src.ShapeArray, DType.Int64, Device);
            try
            {
                Backend.Sort(sortedValues.Layout, sortedIndices.Layout, src.Layout, descending);
            }
            catch
            {
                sortedValues.Dispose();
                sortedIndices.Dispose();
                throw;
            }
            values = MoveBack(sortedValues, d, last);
            indices = MoveBack(sortedIndices, d, last);
            if (DType == DType.Bool)
            {
                using var asInt = values;
                values = asInt.To(DType.Bool);
            }
        }
        Derivatives.RecordGather(values, this, indices, d);
        return (values, indices);

        static Tensor MoveBack(Tensor t, int d, int last)
        {
            if (d == last) return t;
            using (t)
            using (var back = t.Transpose(d, last))
                return back.Clone();
        }
    }
}

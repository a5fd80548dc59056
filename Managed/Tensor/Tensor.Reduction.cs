using CudaTensor.Ops;
using CudaTensor.AutogradEngine;
using CudaTensor.Core;

namespace CudaTensor;

// Reductions over one, several or all dimensions. The axes are permuted to the end of a view (no copy) and
// the backend reduces the trailing axes.
public sealed partial class Tensor
{
    /// <summary>
    /// Sum of all elements: 0-d, or with <paramref name="keepDim"/> every dimension kept with size 1 (torch.sum).
    /// Integer and Bool tensors sum to Int64.
    /// </summary>
    public Tensor Sum(bool keepDim = false) => Reduce(ReduceOp.Sum, null, keepDim, nameof(Sum));
    /// <summary>Sum over <paramref name="dim"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The dimension is out of range.</exception>
    public Tensor Sum(int dim, bool keepDim = false) => Reduce(ReduceOp.Sum, [dim], keepDim, nameof(Sum));
    /// <summary>Sum over several dimensions; an empty array reduces every dimension, as PyTorch's <c>sum(dim=[])</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException">A dimension appears more than once.</exception>
    public Tensor Sum(int[] dims, bool keepDim = false) => Reduce(ReduceOp.Sum, dims, keepDim, nameof(Sum));

    /// <summary>Product of all elements: 0-d, or every dimension kept with size 1. Integers multiply in Int64.</summary>
    public Tensor Prod(bool keepDim = false) => Reduce(ReduceOp.Prod, null, keepDim, nameof(Prod));
    /// <summary>Product over one dimension.</summary>
    public Tensor Prod(int dim, bool keepDim = false) => Reduce(ReduceOp.Prod, [dim], keepDim, nameof(Prod));

    /// <summary>Mean of all elements (floating-point tensors only, as in PyTorch): 0-d, or every dimension kept with size 1.</summary>
    /// <exception cref="ArgumentException">The tensor is not floating point.</exception>
    public Tensor Mean(bool keepDim = false) => MeanOver(null, keepDim);
    /// <summary>Mean over one dimension.</summary>
    public Tensor Mean(int dim, bool keepDim = false) => MeanOver([dim], keepDim);
    /// <summary>Mean over several dimensions; an empty array reduces every dimension.</summary>
    public Tensor Mean(int[] dims, bool keepDim = false) => MeanOver(dims, keepDim);

    /// <summary>Largest element (NaN if any element is NaN): 0-d, or every dimension kept with size 1.</summary>
    /// <exception cref="ArgumentException">The tensor is empty (a maximum has no identity).</exception>
    public Tensor Max(bool keepDim = false) => Reduce(ReduceOp.Max, null, keepDim, nameof(Max));
    /// <summary>Smallest element (NaN if any element is NaN): 0-d, or every dimension kept with size 1.</summary>
    /// <exception cref="ArgumentException">The tensor is empty (a minimum has no identity).</exception>
    public Tensor Min(bool keepDim = false) => Reduce(ReduceOp.Min, null, keepDim, nameof(Min));

    /// <summary>Largest values along <paramref name="dim"/> and the index of their first occurrence.</summary>
    public (Tensor Values, Tensor Indices) Max(int dim, bool keepDim = false) => ArgReduce(ReduceOp.Max, dim, keepDim, nameof(Max));
    /// <summary>Smallest values along <paramref name="dim"/> and the index of their first occurrence.</summary>
    public (Tensor Values, Tensor Indices) Min(int dim, bool keepDim = false) => ArgReduce(ReduceOp.Min, dim, keepDim, nameof(Min));

    /// <summary>Largest element, without indices (torch.amax with the default dim=()): 0-d, or every dimension kept with size 1. Ties share the gradient.</summary>
    public Tensor Amax(bool keepDim = false) => Reduce(ReduceOp.Max, null, keepDim, nameof(Amax));
    /// <summary>Largest values over <paramref name="dim"/> (no indices).</summary>
    public Tensor Amax(int dim, bool keepDim = false) => Reduce(ReduceOp.Max, [dim], keepDim, nameof(Amax));
    /// <summary>Largest values over several dimensions (no indices); an empty array reduces every dimension, as torch.amax.</summary>
    public Tensor Amax(int[] dims, bool keepDim = false) => Reduce(ReduceOp.Max, dims, keepDim, nameof(Amax));
    /// <summary>Smallest element, without indices (torch.amin with the default dim=()): 0-d, or every dimension kept with size 1.</summary>
    public Tensor Amin(bool keepDim = false) => Reduce(ReduceOp.Min, null, keepDim, nameof(Amin));
    /// <summary>Smallest values over <paramref name="dim"/> (no indices).</summary>
    public Tensor Amin(int dim, bool keepDim = false) => Reduce(ReduceOp.Min, [dim], keepDim, nameof(Amin));
    /// <summary>Smallest values over several dimensions (no indices); an empty array reduces every dimension, as torch.amin.</summary>
    public Tensor Amin(int[] dims, bool keepDim = false) => Reduce(ReduceOp.Min, dims, keepDim, nameof(Amin));

    /// <summary>Flat index (Int64, 0-d) of the first largest element.</summary>
    public Tensor ArgMax()
    {
        using var flat = Reshape(-1);
        var (v, i) = flat.ArgReduce(ReduceOp.Max, 0, false, nameof(ArgMax));
        v.Dispose();
        return i;
    }

    /// <summary>Index (Int64) of the first largest element along <paramref name="dim"/>.</summary>
    public Tensor ArgMax(int dim, bool keepDim = false)
    {
        var (v, i) = ArgReduce(ReduceOp.Max, dim, keepDim, nameof(ArgMax));
        v.Dispose();
        return i;
    }

    /// <summary>Flat index (Int64, 0-d) of the first smallest element.</summary>
    public Tensor ArgMin()
    {
        using var flat = Reshape(-1);
        var (v, i) = flat.ArgReduce(ReduceOp.Min, 0, false, nameof(ArgMin));
        v.Dispose();
        return i;
    }

    /// <summary>Index (Int64) of the first smallest element along <paramref name="dim"/>.</summary>
    public Tensor ArgMin(int dim, bool keepDim = false)
    {
        var (v, i) = ArgReduce(ReduceOp.Min, dim, keepDim, nameof(ArgMin));
        v.Dispose();
        return i;
    }

    /// <summary>Whether every element is non-zero (Bool, 0-d; true for an empty tensor).</summary>
    public Tensor All() => LogicalReduce(ReduceOp.Min, null, false, nameof(All));
    /// <summary>Whether every element along <paramref name="dim"/> is non-zero.</summary>
    public Tensor All(int dim, bool keepDim = false) => LogicalReduce(ReduceOp.Min, [dim], keepDim, nameof(All));
    /// <summary>Whether any element is non-zero (Bool, 0-d; false for an empty tensor).</summary>
    public Tensor Any() => LogicalReduce(ReduceOp.Max, null, false, nameof(Any));
    /// <summary>Whether any element along <paramref name="dim"/> is non-zero.</summary>
    public Tensor Any(int dim, bool keepDim = false) => LogicalReduce(ReduceOp.Max, [dim], keepDim, nameof(Any));

    /// <summary>
    /// Variance of all elements (torch.var): Σ(x - mean)² / max(0, N - <paramref name="correction"/>), 0-d or, with
    /// <paramref name="keepDim"/>, every dimension kept with size 1. The correction defaults to 1 (Bessel's);
    /// <paramref name="unbiased"/> is the older spelling (true is correction 1, false is 0). As in PyTorch, where
    /// N - correction ≤ 0 the divisor is 0 and the result is inf, or NaN where every deviation is 0 (PyTorch also prints
    /// a warning; this library does not).
    /// </summary>
    /// <exception cref="ArgumentException">Both <paramref name="unbiased"/> and <paramref name="correction"/> are given; or the tensor is not floating point.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="correction"/> is negative or NaN.</exception>
    public Tensor Var(bool? unbiased = null, bool keepDim = false, double? correction = null)
        => VarOver(null, Correction(unbiased, correction, nameof(Var)), keepDim, nameof(Var));
    /// <summary>Variance over <paramref name="dim"/> (see <see cref="Var(bool?, bool, double?)"/>).</summary>
    public Tensor Var(int dim, bool? unbiased = null, bool keepDim = false, double? correction = null)
        => VarOver([dim], Correction(unbiased, correction, nameof(Var)), keepDim, nameof(Var));
    /// <summary>Variance over several dimensions; an empty array reduces every dimension (see <see cref="Var(bool?, bool, double?)"/>).</summary>
    public Tensor Var(int[] dims, bool? unbiased = null, bool keepDim = false, double? correction = null)
        => VarOver(dims, Correction(unbiased, correction, nameof(Var)), keepDim, nameof(Var));
    /// <summary>Standard deviation of all elements: the square root of <see cref="Var(bool?, bool, double?)"/>, with the same arguments and edge cases.</summary>
    /// <exception cref="ArgumentException">Both <paramref name="unbiased"/> and <paramref name="correction"/> are given; or the tensor is not floating point.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="correction"/> is negative or NaN.</exception>
    public Tensor Std(bool? unbiased = null, bool keepDim = false, double? correction = null)
        => SqrtOf(VarOver(null, Correction(unbiased, correction, nameof(Std)), keepDim, nameof(Std)));
    /// <summary>Standard deviation over <paramref name="dim"/>.</summary>
    public Tensor Std(int dim, bool? unbiased = null, bool keepDim = false, double? correction = null)
        => SqrtOf(VarOver([dim], Correction(unbiased, correction, nameof(Std)), keepDim, nameof(Std)));
    /// <summary>Standard deviation over several dimensions; an empty array reduces every dimension.</summary>
    public Tensor Std(int[] dims, bool? unbiased = null, bool keepDim = false, double? correction = null)
        => SqrtOf(VarOver(dims, Correction(unbiased, correction, nameof(Std)), keepDim, nameof(Std)));

    /// <summary>
    /// The p-norm of all elements (torch.norm / torch.linalg.vector_norm): p = 1, 2 or <see cref="double.PositiveInfinity"/>
    /// (any p &gt; 0 works); 0-d, or every dimension kept with size 1.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is not positive.</exception>
    /// <exception cref="ArgumentException">The tensor is not floating point.</exception>
    public Tensor Norm(double p = 2, bool keepDim = false) => NormOver(p, null, keepDim);
    /// <summary>The p-norm over <paramref name="dim"/>.</summary>
    public Tensor Norm(double p, int dim, bool keepDim = false) => NormOver(p, [dim], keepDim);
    /// <summary>The p-norm over several dimensions; an empty array reduces every dimension.</summary>
    public Tensor Norm(double p, int[] dims, bool keepDim = false) => NormOver(p, dims, keepDim);

    /// <summary>log(Σ exp(x)) of all elements, computed stably (the max is factored out): 0-d, or every dimension kept with size 1. Empty: -inf.</summary>
    /// <exception cref="ArgumentException">The tensor is not floating point.</exception>
    public Tensor LogSumExp(bool keepDim = false) => LogSumExpOver(null, keepDim);
    /// <summary>log(Σ exp(x)) over <paramref name="dim"/>, computed stably (the max is factored out).</summary>
    public Tensor LogSumExp(int dim, bool keepDim = false) => LogSumExpOver([dim], keepDim);
    /// <summary>log(Σ exp(x)) over several dimensions (torch.logsumexp with a tuple); an empty array reduces every dimension.</summary>
    public Tensor LogSumExp(int[] dims, bool keepDim = false) => LogSumExpOver(dims, keepDim);

    /// <summary>Softmax over <paramref name="dim"/> (numerically stable).</summary>
    public Tensor Softmax(int dim) => SoftmaxOp(dim, log: false, nameof(Softmax));

    /// <summary>Log-softmax over <paramref name="dim"/> (numerically stable).</summary>
    public Tensor LogSoftmax(int dim) => SoftmaxOp(dim, log: true, nameof(LogSoftmax));

    /// <summary>Running sum along <paramref name="dim"/>; integer and Bool tensors accumulate in Int64.</summary>
    public Tensor CumSum(int dim)
    {
        int d = Shapes.NormalizeDim(dim, Dim, nameof(CumSum));
        var dtype = DType.IsFloatingPoint() ? DType : DType.Int64;
        var result = Allocate(_shape, dtype, Device);
        if (Dim == 0)
        {
            Backend.Copy(result.Layout, Layout);
            Derivatives.RecordCopy("CumSumBackward", result, this);
            return result;
        }
        Tensor? temp = null;
        try
        {
            var order = MoveToEnd(Dim, [d]);
            Backend.CumSum(result.Layout.Permute(order), LayoutAs(dtype, ref temp).Permute(order));
        }
        finally
        {
            temp?.Dispose();
        }
        Derivatives.RecordCumSum(result, this, d);
        return result;
    }

    private Tensor SoftmaxOp(int dim, bool log, string op)
    {
        RequireFloat(op);
        int d = Shapes.NormalizeDim(dim, Dim, op);
        var result = Allocate(_shape, DType, Device);
        if (Dim == 0)
        {
            Backend.Fill(result.Layout, log ? 0 : 1);
        }
        else
        {
            var order = MoveToEnd(Dim, [d]);
            Backend.Softmax(result.Layout.Permute(order), Layout.Permute(order), log);
        }
        Derivatives.RecordSoftmax(result, this, d, log);
        return result;
    }

    private void RequireFloat(string op)
    {
        if (!DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating-point tensor, got {Describe()}. Convert with .To(DType.Float32).");
    }

    private static Tensor SqrtOf(Tensor t)
    {
        using (t) return t.Sqrt();
    }

    private Tensor MeanOver(int[]? dims, bool keepDim)
    {
        if (!DType.IsFloatingPoint())
            throw new ArgumentException($"{nameof(Mean)}: could not infer the output dtype: {Describe()} is not floating point. Convert with .To(DType.Float32) first.");
        long count = ReducedCount(dims, nameof(Mean));
        using var sum = Reduce(ReduceOp.Sum, dims, keepDim, nameof(Mean));
        // Mean of nothing is NaN (0/0), as in PyTorch.
        return sum / (double)count;
    }

    private Tensor VarOver(int[]? dims, double correction, bool keepDim, string name)
    {
        RequireFloat(name);
        long count = ReducedCount(dims, name);
        using var scope = NewScope();
        // Two passes (mean, then squared deviations) avoid the cancellation of E[x²] - E[x]².
        var mean = MeanOver(dims, keepDim: true);
        var sq = (this - mean).Square();
        // PyTorch divides by max(0, N - correction): 0 gives inf (or NaN for 0/0), not an error.
        var result = sq.Reduce(ReduceOp.Sum, dims, keepDim, name) / Math.Max(count - correction, 0);
        return scope.MoveToOuter(result);
    }

    private static double Correction(bool? unbiased, double? correction, string name)
    {
        if (correction is not { } c) return unbiased == false ? 0 : 1;
        if (unbiased is not null)
            throw new ArgumentException($"{name}: give unbiased or correction, not both (unbiased: true is correction: 1, false is correction: 0).", nameof(correction));
        if (!(c >= 0))
            throw new ArgumentOutOfRangeException(nameof(correction), $"{name}: correction must be a non-negative number (1 is Bessel's correction, 0 the population variance), got {c}.");
        return c;
    }

    private Tensor LogSumExpOver(int[]? dims, bool keepDim)
    {
        RequireFloat(nameof(LogSumExp));
        var reduced = ReducedDims(dims, nameof(LogSumExp));
        if (reduced.Any(d => _shape[d] == 0))
        {
            // log of an empty sum is -inf, as in PyTorch (the max below would reject the empty extent).
            using var empty = Reduce(ReduceOp.Sum, reduced, keepDim, nameof(LogSumExp));
            return FullLike(empty, double.NegativeInfinity);
        }
        using var scope = NewScope();
        var max = Reduce(ReduceOp.Max, reduced, keepDim: true, nameof(LogSumExp));
        // Rows whose max is ±inf would give inf - inf = NaN: use 0 as the shift there.
        var shift = Where(max.IsFinite(), max, 0.0);
        var sum = (this - shift).Exp().Reduce(ReduceOp.Sum, reduced, keepDim: true, nameof(LogSumExp));
        var result = sum.Log() + shift;
        if (!keepDim) result = result.Squeeze(reduced);
        return scope.MoveToOuter(result.Contiguous());
    }

    private Tensor NormOver(double p, int[]? dims, bool keepDim)
    {
        RequireFloat(nameof(Norm));
        if (!(p > 0)) throw new ArgumentOutOfRangeException(nameof(p), $"{nameof(Norm)}: p must be positive (1, 2, infinity, ...), got {p}.");
        using var scope = NewScope();
        var abs = Abs();
        Tensor result = double.IsPositiveInfinity(p) ? abs.Reduce(ReduceOp.Max, dims, keepDim, nameof(Norm))
            : p == 1 ? abs.Reduce(ReduceOp.Sum, dims, keepDim, nameof(Norm))
            : p == 2 ? abs.Square().Reduce(ReduceOp.Sum, dims, keepDim, nameof(Norm)).Sqrt()
            : abs.Pow(p).Reduce(ReduceOp.Sum, dims, keepDim, nameof(Norm)).Pow(1 / p);
        return scope.MoveToOuter(result);
    }

    private Tensor LogicalReduce(ReduceOp op, int[]? dims, bool keepDim, string name)
    {
        using var b = To(DType.Bool);
        // On Bool, Min is All and Max is Any: both have an identity (true, false), so empty extents are fine.
        return b.Reduce(op, dims, keepDim, name, logical: true);
    }

    private long ReducedCount(int[]? dims, string op)
    {
        long n = 1;
        foreach (var d in ReducedDims(dims, op)) n *= _shape[d];
        return n;
    }

    /// <summary>The normalized dimensions a reduction covers: all of them for null or an empty array (PyTorch's dim=None and dim=[]).</summary>
    private int[] ReducedDims(int[]? dims, string op)
    {
        if (dims is null || dims.Length == 0) return [.. Enumerable.Range(0, Dim)];
        var normalized = NormalizeDims(dims, op);
        // A 0-d tensor accepts dim 0 or -1 and has nothing to reduce.
        return Dim == 0 ? [] : normalized;
    }

    private int[] NormalizeDims(int[] dims, string op)
    {
        var result = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            result[i] = Shapes.NormalizeDim(dims[i], Dim, op);
            for (int j = 0; j < i; j++)
            {
                if (result[j] == result[i]) throw new ArgumentException($"{op}: dimension {result[i]} appears more than once in [{string.Join(", ", dims)}].");
            }
        }
        return result;
    }

    /// <summary>A permutation of <paramref name="rank"/> dims that keeps the others in order and puts <paramref name="dims"/> last.</summary>
    private static int[] MoveToEnd(int rank, int[] dims)
    {
        var order = new List<int>(rank);
        for (int i = 0; i < rank; i++)
        {
            if (Array.IndexOf(dims, i) < 0) order.Add(i);
        }
        order.AddRange(dims);
        return [.. order];
    }

    internal Tensor Reduce(ReduceOp op, int[]? dims, bool keepDim, string name, bool logical = false)
    {
        ThrowIfDisposed(name);
        var reduced = ReducedDims(dims, name);
        if (!logical && op is ReduceOp.Max or ReduceOp.Min)
        {
            foreach (var d in reduced)
            {
                if (_shape[d] == 0)
                    throw new ArgumentException($"{name}: cannot reduce over dimension {d} of size 0 in {Describe()}: the operation has no identity. Use a non-empty tensor.");
            }
        }
        // Sums and products of integers accumulate in Int64, as in PyTorch.
        var dtype = op is ReduceOp.Sum or ReduceOp.Prod && !DType.IsFloatingPoint() ? DType.Int64 : DType;
        var outShape = new List<long>();
        for (int i = 0; i < Dim; i++)
        {
            if (Array.IndexOf(reduced, i) < 0) outShape.Add(_shape[i]);
            else if (keepDim) outShape.Add(1);
        }
        var result = Allocate([.. outShape], dtype, Device);
        Tensor? temp = null;
        try
        {
            var src = LayoutAs(dtype, ref temp).Permute(MoveToEnd(Dim, reduced));
            var dstShape = src.Shape[..(Dim - reduced.Length)];
            var dst = result.Layout.WithLayout(dstShape, Shapes.ContiguousStrides(dstShape));
            Backend.Reduce(op, dst, src, reduced.Length);
        }
        finally
        {
            temp?.Dispose();
        }
        if (!logical) Derivatives.RecordReduce(op, result, this, reduced, keepDim);
        return result;
    }

    private (Tensor Values, Tensor Indices) ArgReduce(ReduceOp op, int dim, bool keepDim, string name)
    {
        int d = Shapes.NormalizeDim(dim, Dim, name);
        if (Dim > 0 && _shape[d] == 0)
            throw new ArgumentException($"{name}: cannot reduce over dimension {d} of size 0 in {Describe()}.");
        if (Dim == 0)
        {
            return (Clone(), Zeros([], DType.Int64, Device));
        }
        var outShape = new List<long>();
        for (int i = 0; i < Dim; i++)
        {
            if (i != d) outShape.Add(_shape[i]);
            else if (keepDim) outShape.Add(1);
        }
        var values = Allocate([.. outShape], DType, Device);
        var indices = Allocate([.. outShape], DType.Int64, Device);
        var src = Layout.Permute(MoveToEnd(Dim, [d]));
        var keptShape = src.Shape[..(Dim - 1)];
        var keptStrides = Shapes.ContiguousStrides(keptShape);
        Backend.ArgReduce(op, values.Layout.WithLayout(keptShape, keptStrides), indices.Layout.WithLayout(keptShape, keptStrides), src);
        Derivatives.RecordArgReduce(values, this, indices, d, keepDim, name);
        return (values, indices);
    }
}

using CudaTensor.Ops;

namespace CudaTensor;

// Reductions over one, several or all dimensions. The axes are permuted to the end of a view (no copy) and
// the backend reduces the trailing axes.
public sealed partial class Tensor
{
    /// <summary>Sum of all elements (0-d). Integer and Bool tensors sum to Int64.</summary>
    public Tensor Sum() => Reduce(ReduceOp.Sum, null, false, nameof(Sum));
    /// <summary>Sum over <paramref name="dim"/>.</summary>
    public Tensor Sum(int dim, bool keepDim = false) => Reduce(ReduceOp.Sum, [dim], keepDim, nameof(Sum));
    /// <summary>Sum over several dimensions.</summary>
    public Tensor Sum(int[] dims, bool keepDim = false) => Reduce(ReduceOp.Sum, dims, keepDim, nameof(Sum));

    /// <summary>Product of all elements (0-d).</summary>
    public Tensor Prod() => Reduce(ReduceOp.Prod, null, false, nameof(Prod));
    /// <summary>Product over one dimension.</summary>
    public Tensor Prod(int dim, bool keepDim = false) => Reduce(ReduceOp.Prod, [dim], keepDim, nameof(Prod));

    /// <summary>Mean of all elements (floating-point tensors only, as in PyTorch).</summary>
    public Tensor Mean() => MeanOver(null, false);
    /// <summary>Mean over one dimension.</summary>
    public Tensor Mean(int dim, bool keepDim = false) => MeanOver([dim], keepDim);
    /// <summary>Mean over several dimensions.</summary>
    public Tensor Mean(int[] dims, bool keepDim = false) => MeanOver(dims, keepDim);

    /// <summary>Largest element (0-d); NaN if any element is NaN.</summary>
    public Tensor Max() => Reduce(ReduceOp.Max, null, false, nameof(Max));
    /// <summary>Smallest element (0-d); NaN if any element is NaN.</summary>
    public Tensor Min() => Reduce(ReduceOp.Min, null, false, nameof(Min));

    /// <summary>Largest values along <paramref name="dim"/> and the index of their first occurrence.</summary>
    public (Tensor Values, Tensor Indices) Max(int dim, bool keepDim = false) => ArgReduce(ReduceOp.Max, dim, keepDim, nameof(Max));
    /// <summary>Smallest values along <paramref name="dim"/> and the index of their first occurrence.</summary>
    public (Tensor Values, Tensor Indices) Min(int dim, bool keepDim = false) => ArgReduce(ReduceOp.Min, dim, keepDim, nameof(Min));

    /// <summary>Largest values over several dimensions (no indices).</summary>
    public Tensor Amax(int[] dims, bool keepDim = false) => Reduce(ReduceOp.Max, dims, keepDim, nameof(Amax));
    /// <summary>Smallest values over several dimensions (no indices).</summary>
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

    /// <summary>Variance of all elements; <paramref name="unbiased"/> divides by N - 1 (Bessel's correction).</summary>
    public Tensor Var(bool unbiased = true) => VarOver(null, unbiased, false);
    /// <summary>Variance over <paramref name="dim"/>.</summary>
    public Tensor Var(int dim, bool unbiased = true, bool keepDim = false) => VarOver([dim], unbiased, keepDim);
    /// <summary>Variance over several dimensions.</summary>
    public Tensor Var(int[] dims, bool unbiased = true, bool keepDim = false) => VarOver(dims, unbiased, keepDim);
    /// <summary>Standard deviation of all elements.</summary>
    public Tensor Std(bool unbiased = true) => SqrtOf(VarOver(null, unbiased, false));
    /// <summary>Standard deviation over <paramref name="dim"/>.</summary>
    public Tensor Std(int dim, bool unbiased = true, bool keepDim = false) => SqrtOf(VarOver([dim], unbiased, keepDim));
    /// <summary>Standard deviation over several dimensions.</summary>
    public Tensor Std(int[] dims, bool unbiased = true, bool keepDim = false) => SqrtOf(VarOver(dims, unbiased, keepDim));

    /// <summary>The p-norm of all elements: p = 1, 2 or <see cref="double.PositiveInfinity"/> (any p &gt; 0 works).</summary>
    public Tensor Norm(double p = 2) => NormOver(p, null, false);
    /// <summary>The p-norm over <paramref name="dim"/>.</summary>
    public Tensor Norm(double p, int dim, bool keepDim = false) => NormOver(p, [dim], keepDim);

    /// <summary>log(Σ exp(x)) over <paramref name="dim"/>, computed stably (the max is factored out).</summary>
    public Tensor LogSumExp(int dim, bool keepDim = false)
    {
        RequireFloat(nameof(LogSumExp));
        int d = Shapes.NormalizeDim(dim, Dim, nameof(LogSumExp));
        if (Dim > 0 && _shape[d] == 0)
        {
            // log of an empty sum is -inf, as in PyTorch (Amax below would reject the empty extent).
            using var empty = Sum(d, keepDim);
            return FullLike(empty, double.NegativeInfinity);
        }
        using var scope = NewScope();
        var max = Amax([dim], keepDim: true);
        // Rows whose max is ±inf would give inf - inf = NaN: use 0 as the shift there.
        var shift = Where(max.IsFinite(), max, 0.0);
        var sum = (this - shift).Exp().Sum(dim, keepDim: true);
        var result = sum.Log() + shift;
        if (!keepDim) result = result.Squeeze(dim);
        return scope.MoveToOuter(result.Contiguous());
    }

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

    private Tensor VarOver(int[]? dims, bool unbiased, bool keepDim)
    {
        RequireFloat(nameof(Var));
        long count = ReducedCount(dims, nameof(Var));
        using var scope = NewScope();
        // Two passes (mean, then squared deviations) avoid the cancellation of E[x²] - E[x]².
        var mean = MeanOver(dims, keepDim: true);
        var sq = (this - mean).Square();
        var result = sq.Reduce(ReduceOp.Sum, dims, keepDim, nameof(Var)) / (double)Math.Max(count - (unbiased ? 1 : 0), 0);
        return scope.MoveToOuter(result);
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
        if (dims is null) return NumElements;
        long n = 1;
        foreach (var d in NormalizeDims(dims, op)) n *= _shape[d];
        return n;
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
        var reduced = dims is null ? [.. Enumerable.Range(0, Dim)] : NormalizeDims(dims, name);
        if (Dim == 0) reduced = [];
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

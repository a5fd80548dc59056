using CudaTensor.Backends;
using CudaTensor.Ops;
using CudaTensor.AutogradEngine;
using CudaTensor.Core;

namespace CudaTensor;

// The elementwise op machinery, shared by every public elementwise method: validation, dtype promotion,
// broadcasting, output allocation, and the in-place rules. Public methods are one line each on top of it.
public sealed partial class Tensor
{
    /// <summary>Set on 0-d tensors made from C# numbers: they do not raise a tensor's width in promotion.</summary>
    internal bool IsWrappedNumber { get; private set; }

    internal static Tensor WrapNumber(Scalar value, DType dtype, Device device)
    {
        var t = new Tensor(Backends.Backend.For(device).Allocate(dtype.ElementSize(), false), 0, Shapes.Empty, Shapes.Empty, dtype) { IsWrappedNumber = true };
        t.Backend.Fill(t.Layout, value);
        return t;
    }

    /// <summary>This tensor's layout in <paramref name="dtype"/>: itself, or a converted copy handed out in <paramref name="temp"/>.</summary>
    internal Strided LayoutAs(DType dtype, ref Tensor? temp)
    {
        if (dtype == DType) return Layout;
        temp = Allocate(_shape, dtype, Device);
        Backend.Copy(temp.Layout, Layout);
        return temp.Layout;
    }

    internal static Tensor Unary(UnaryOp op, Tensor x, double p0 = 0, double p1 = 0, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        string opName = name ?? op.ToString();
        x.ThrowIfDisposed(opName);
        var dtype = UnaryResultType(op, x.DType, opName);
        var result = Allocate(x._shape, dtype, x.Device);
        Tensor? temp = null;
        try
        {
            x.Backend.Unary(op, result.Layout, x.LayoutAs(dtype, ref temp), p0, p1);
        }
        finally
        {
            temp?.Dispose();
        }
        Derivatives.RecordUnary(op, result, x, p0, p1);
        return result;
    }

    internal Tensor UnaryInPlace(UnaryOp op, double p0 = 0, double p1 = 0, string? name = null)
    {
        string opName = name ?? op + "InPlace";
        ThrowIfDisposed(opName);
        var dtype = UnaryResultType(op, DType, opName);
        if (dtype != DType)
            throw new InvalidOperationException(
                $"{opName}: the result of {op} on {Describe()} is {dtype.Name()}, which cannot be stored in place in a {DType.Name()} tensor. Use the out-of-place {op}() instead.");
        CheckWritable(opName);
        if (InPlaceNeedsGrad(null, opName)) return RebaseInPlace(old => Unary(op, old, p0, p1, opName));
        Backend.Unary(op, Layout, Layout, p0, p1);
        BumpVersion();
        return this;
    }

    private static DType UnaryResultType(UnaryOp op, DType dtype, string opName)
    {
        if (dtype == DType.Bool)
            throw new ArgumentException($"{opName}: not defined for Bool tensors. Convert first, e.g. .To(DType.Float32).");
        // Integer inputs of floating functions (Exp, Sqrt, ...) are computed in the default float dtype, as in PyTorch.
        return op.NeedsFloat() && !dtype.IsFloatingPoint() ? DTypes.DefaultFloat : dtype;
    }

    internal static Tensor Predicate(PredicateOp op, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var result = Allocate(x._shape, DType.Bool, x.Device);
        x.Backend.Predicate(op, result.Layout, x.Layout);
        return result;
    }

    /// <summary>
    /// PyTorch's result type of two operands (torch.result_type). Operands fall in three tiers: tensors with dimensions,
    /// 0-d tensors, and wrapped C# numbers. A lower tier only counts when it is of a higher category
    /// (bool &lt; integer &lt; floating) than everything above it, so a Float32 [3] tensor plus a 0-d Float64 tensor or
    /// a double stays Float32, and an Int32 tensor plus a long stays Int32; a floating C# number counts as the
    /// default float dtype.
    /// </summary>
    internal static DType ResultType(Tensor a, Tensor b) => ResultType(a.DType, TierOf(a), b.DType, TierOf(b));

    // The three promotion tiers, highest first.
    private enum PromotionTier { Dims, ZeroDim, Wrapped }

    private static PromotionTier TierOf(Tensor t) => t.IsWrappedNumber ? PromotionTier.Wrapped : t.Dim == 0 ? PromotionTier.ZeroDim : PromotionTier.Dims;

    private static DType ResultType(DType a, PromotionTier tierA, DType b, PromotionTier tierB)
    {
        DType? dims = null, zeroDim = null, wrapped = null;
        Add(a, tierA);
        Add(b, tierB);
        return DTypes.CombineTiers(dims, DTypes.CombineTiers(zeroDim, wrapped)) ?? a;

        void Add(DType d, PromotionTier tier)
        {
            switch (tier)
            {
                case PromotionTier.Wrapped: wrapped = Join(wrapped, d.IsFloatingPoint() ? DTypes.DefaultFloat : d); break;
                case PromotionTier.ZeroDim: zeroDim = Join(zeroDim, d); break;
                default: dims = Join(dims, d); break;
            }
        }

        static DType Join(DType? acc, DType d) => acc is { } x ? DTypes.Promote(x, d) : d;
    }

    // Bool arithmetic: + is "or", * is "and" (PyTorch's result for bool + bool and bool * bool).
    private static BinaryOp BoolArithmetic(BinaryOp op, DType dtype) => dtype != DType.Bool ? op : op switch
    {
        BinaryOp.Add => BinaryOp.LogicalOr,
        BinaryOp.Mul => BinaryOp.LogicalAnd,
        _ => op,
    };

    /// <summary>The dtype an arithmetic op computes in, after PyTorch's promotion (wrapped numbers do not widen).</summary>
    private static DType ComputeType(BinaryOp op, DType t, string opName)
    {
        if (op.IsLogical()) return DType.Bool;
        // True division and float powers of integers give floats.
        if (op == BinaryOp.Div && !t.IsFloatingPoint()) return DTypes.DefaultFloat;
        if (t == DType.Bool && op is BinaryOp.Sub or BinaryOp.Div or BinaryOp.Pow or BinaryOp.Remainder or BinaryOp.FMod or BinaryOp.TruncDivide or BinaryOp.FloorDivide)
            throw new ArgumentException($"{opName}: not supported for two Bool tensors. Use LogicalXor/LogicalNot, or convert with .To(DType.Int64).");
        return t;
    }

    internal static Tensor Binary(BinaryOp op, Tensor a, Tensor b, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        string opName = name ?? op.ToString();
        CheckSameDevice(opName, a, b);
        var ct = ComputeType(op, ResultType(a, b), opName);
        op = BoolArithmetic(op, ct);
        // Shape arrays are never written after construction, so equal shapes share one array.
        var shape = Shapes.SameShape(a._shape, b._shape) ? a._shape : Shapes.Broadcast(a._shape, b._shape, opName);
        var outType = op.IsComparison() || op.IsLogical() ? DType.Bool : ct;
        var result = Allocate(shape, outType, a.Device);
        try
        {
            RunBinary(op, result.Layout, a, b, ct, opName);
        }
        catch
        {
            result.Dispose();
            throw;
        }
        Derivatives.RecordBinary(op, result, a, b);
        return result;
    }

    internal Tensor BinaryInPlace(BinaryOp op, Tensor other, string opName)
    {
        ArgumentNullException.ThrowIfNull(other);
        CheckSameDevice(opName, this, other);
        var ct = ComputeType(op, ResultType(this, other), opName);
        CheckInPlaceResult(ct, other.Describe(), opName);
        op = BoolArithmetic(op, DType);
        var shape = Shapes.Broadcast(_shape, other._shape, opName);
        if (!Shapes.SameShape(shape, _shape))
            throw new ArgumentException(
                $"{opName}: {other.Describe()} broadcasts with {Describe()} to {Shapes.Format(shape)}, which is not this tensor's shape; an in-place op cannot change the shape.");
        CheckWritable(opName);
        if (InPlaceNeedsGrad(other, opName)) return RebaseInPlace(old => Binary(op, old, other, opName));
        // An operand that shares memory with this tensor in another layout (x.T, a shifted slice, a broadcast row)
        // would be read after the loop has overwritten it: read it from a copy. The exact same layout is safe.
        Tensor? staged = MayOverlap(other) ? other.Clone() : null;
        try
        {
            RunBinary(op, Layout, this, staged ?? other, op.IsLogical() ? DType.Bool : DType, opName);
        }
        finally
        {
            staged?.Dispose();
        }
        BumpVersion();
        return this;
    }

    /// <summary>
    /// As PyTorch's in-place ops: the result may be narrowed within its category (Float64 into Float32, Int64 into
    /// Int32) but never moved to a lower one (float into int, int into bool).
    /// </summary>
    private void CheckInPlaceResult(DType ct, string other, string opName)
    {
        if (DTypes.Category(ct) > DTypes.Category(DType))
            throw new InvalidOperationException(
                $"{opName}: the result type {ct.Name()} of {Describe()} and {other} cannot be stored in place in a {DType.Name()} tensor. " +
                "Use the out-of-place op, or convert this tensor first.");
    }

    /// <summary>Whether <paramref name="other"/> may read memory this tensor writes, in a different layout.</summary>
    internal bool MayOverlap(Tensor other)
    {
        if (!ReferenceEquals(other.Storage, Storage) || NumElements == 0 || other.NumElements == 0) return false;
        if (other.StorageOffset == StorageOffset && other._strides.AsSpan().SequenceEqual(_strides) && other._shape.AsSpan().SequenceEqual(_shape))
            return false;
        var (lo, hi) = Extent();
        var (olo, ohi) = other.Extent();
        return lo <= ohi && olo <= hi;
    }

    // First and last element offsets (inclusive) this view touches in its storage.
    private (long Lo, long Hi) Extent()
    {
        long lo = StorageOffset, hi = StorageOffset;
        for (int i = 0; i < _shape.Length; i++)
        {
            long span = (_shape[i] - 1) * _strides[i];
            if (span < 0) lo += span;
            else hi += span;
        }
        return (lo, hi);
    }

    private static void RunBinary(BinaryOp op, Strided dst, Tensor a, Tensor b, DType ct, string opName)
    {
        Tensor? ta = null, tb = null;
        try
        {
            var la = a.LayoutAs(ct, ref ta);
            var lb = b.LayoutAs(ct, ref tb);
            if (!Shapes.SameShape(la.Shape, dst.Shape))
                la = la.WithLayout(dst.Shape, Shapes.BroadcastStrides(la.Shape, la.Strides, dst.Shape, opName));
            if (!Shapes.SameShape(lb.Shape, dst.Shape))
                lb = lb.WithLayout(dst.Shape, Shapes.BroadcastStrides(lb.Shape, lb.Strides, dst.Shape, opName));
            a.Backend.Binary(op, dst, la, lb);
        }
        finally
        {
            ta?.Dispose();
            tb?.Dispose();
        }
    }

    /// <summary>Refuses in-place writes into expanded tensors, where one memory location stands for several elements.</summary>
    internal void CheckWritable(string opName)
    {
        for (int i = 0; i < _shape.Length; i++)
        {
            if (_strides[i] == 0 && _shape[i] > 1)
                throw new InvalidOperationException(
                    $"{opName}: {Describe()} is an expanded view (stride 0 in dimension {i}), so several of its elements share one memory location. " +
                    "Write into a .Clone() or .Contiguous() copy instead.");
        }
    }
}

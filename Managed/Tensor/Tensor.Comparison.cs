using CudaTensor.Ops;

namespace CudaTensor;

// Comparisons (Bool results) and logic. C# reserves == for reference equality of objects, so comparisons are
// methods: a.Eq(b), a.Lt(0.5f).
public sealed partial class Tensor
{
    /// <summary>Elementwise a == b.</summary>
    public Tensor Eq(Tensor other) => Binary(BinaryOp.Eq, this, other, nameof(Eq));
    /// <summary>Elementwise a == s.</summary>
    public Tensor Eq(Scalar s) => BinaryScalar(BinaryOp.Eq, this, s, false, nameof(Eq));
    /// <summary>Elementwise a != b.</summary>
    public Tensor Ne(Tensor other) => Binary(BinaryOp.Ne, this, other, nameof(Ne));
    /// <summary>Elementwise a != s.</summary>
    public Tensor Ne(Scalar s) => BinaryScalar(BinaryOp.Ne, this, s, false, nameof(Ne));
    /// <summary>Elementwise a &lt; b.</summary>
    public Tensor Lt(Tensor other) => Binary(BinaryOp.Lt, this, other, nameof(Lt));
    /// <summary>Elementwise a &lt; s.</summary>
    public Tensor Lt(Scalar s) => BinaryScalar(BinaryOp.Lt, this, s, false, nameof(Lt));
    /// <summary>Elementwise a &lt;= b.</summary>
    public Tensor Le(Tensor other) => Binary(BinaryOp.Le, this, other, nameof(Le));
    /// <summary>Elementwise a &lt;= s.</summary>
    public Tensor Le(Scalar s) => BinaryScalar(BinaryOp.Le, this, s, false, nameof(Le));
    /// <summary>Elementwise a &gt; b.</summary>
    public Tensor Gt(Tensor other) => Binary(BinaryOp.Gt, this, other, nameof(Gt));
    /// <summary>Elementwise a &gt; s.</summary>
    public Tensor Gt(Scalar s) => BinaryScalar(BinaryOp.Gt, this, s, false, nameof(Gt));
    /// <summary>Elementwise a &gt;= b.</summary>
    public Tensor Ge(Tensor other) => Binary(BinaryOp.Ge, this, other, nameof(Ge));
    /// <summary>Elementwise a &gt;= s.</summary>
    public Tensor Ge(Scalar s) => BinaryScalar(BinaryOp.Ge, this, s, false, nameof(Ge));

    /// <summary>Elementwise logical and (non-zero is true).</summary>
    public Tensor LogicalAnd(Tensor other) => Binary(BinaryOp.LogicalAnd, this, other, nameof(LogicalAnd));
    /// <summary>Elementwise logical or (non-zero is true).</summary>
    public Tensor LogicalOr(Tensor other) => Binary(BinaryOp.LogicalOr, this, other, nameof(LogicalOr));
    /// <summary>Elementwise logical exclusive or (non-zero is true).</summary>
    public Tensor LogicalXor(Tensor other) => Binary(BinaryOp.LogicalXor, this, other, nameof(LogicalXor));
    /// <summary>Elementwise logical not (zero becomes true).</summary>
    public Tensor LogicalNot() => BinaryScalar(BinaryOp.Eq, this, 0, false, nameof(LogicalNot));

    /// <summary>
    /// Whether all elements satisfy |a - b| ≤ atol + rtol·|b| (broadcast), with NaNs equal only if
    /// <paramref name="equalNan"/>. Mirrors <c>torch.allclose</c>.
    /// </summary>
    public bool AllClose(Tensor other, double rtol = 1e-5, double atol = 1e-8, bool equalNan = false)
    {
        ArgumentNullException.ThrowIfNull(other);
        using var scope = NewScope();
        var ct = DTypes.Promote(DTypes.Promote(DType, other.DType), DType.Float32);
        var a = To(ct);
        var b = other.To(ct);
        // As torch.isclose: equal values (equal infinities too) are close; otherwise the difference must be finite
        // (an infinity is never close to a finite value, though |inf - 1| <= rtol·inf would hold) and within tolerance.
        var diff = (a - b).Abs();
        var close = diff.Le(b.Abs() * rtol + atol).LogicalAnd(diff.IsFinite());
        if (equalNan) close = close.LogicalOr(a.IsNan().LogicalAnd(b.IsNan()));
        close = close.LogicalOr(a.Eq(b));
        return close.All().Item<bool>();
    }

    /// <summary>Elements of <paramref name="a"/> where <paramref name="condition"/> is true, else of <paramref name="b"/> (all broadcast).</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (condition.DType != DType.Bool)
            throw new ArgumentException($"{nameof(Where)}: the condition must be a Bool tensor, got {condition.Describe()}. Compare first, e.g. x.Gt(0).");
        CheckSameDevice(nameof(Where), condition, a);
        CheckSameDevice(nameof(Where), a, b);
        var dtype = ResultType(a, b);
        var shape = Shapes.Broadcast(Shapes.Broadcast(condition._shape, a._shape, nameof(Where)), b._shape, nameof(Where));
        var result = Allocate(shape, dtype, a.Device);
        Tensor? ta = null, tb = null;
        try
        {
            var la = a.LayoutAs(dtype, ref ta);
            var lb = b.LayoutAs(dtype, ref tb);
            var lc = condition.Layout;
            a.Backend.Where(result.Layout,
                lc.WithLayout(shape, Shapes.BroadcastStrides(lc.Shape, lc.Strides, shape, nameof(Where))),
                la.WithLayout(shape, Shapes.BroadcastStrides(la.Shape, la.Strides, shape, nameof(Where))),
                lb.WithLayout(shape, Shapes.BroadcastStrides(lb.Shape, lb.Strides, shape, nameof(Where))));
        }
        finally
        {
            ta?.Dispose();
            tb?.Dispose();
        }
        if (result.DType.IsFloatingPoint()) Derivatives.RecordWhere(result, condition, a, b);
        return result;
    }

    /// <summary>Where with a number for the false branch.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Scalar b)
    {
        ArgumentNullException.ThrowIfNull(a);
        using var sb = WrapNumber(b, WrappedType(b), a.Device);
        return Where(condition, a, sb);
    }

    /// <summary>Where with a number for the true branch.</summary>
    public static Tensor Where(Tensor condition, Scalar a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(b);
        using var sa = WrapNumber(a, WrappedType(a), b.Device);
        return Where(condition, sa, b);
    }

    /// <summary>A copy with <paramref name="value"/> where <paramref name="mask"/> (Bool, broadcast) is true.</summary>
    public Tensor MaskedFill(Tensor mask, Scalar value)
    {
        // The value takes this tensor's dtype (as torch.masked_fill), so the result never changes dtype.
        using var v = WrapNumber(value, DType, Device);
        return Where(mask, v, this);
    }

    /// <summary>In place: sets elements where <paramref name="mask"/> is true to <paramref name="value"/>.</summary>
    public Tensor MaskedFillInPlace(Tensor mask, Scalar value)
    {
        using var filled = MaskedFill(mask, value);
        if (!Shapes.SameShape(filled._shape, _shape))
            throw new ArgumentException($"{nameof(MaskedFillInPlace)}: the mask {mask.Describe()} broadcasts this {Describe()} to {Shapes.Format(filled._shape)}; an in-place op cannot change the shape.");
        return CopyFrom(filled);
    }
}

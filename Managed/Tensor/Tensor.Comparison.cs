using CudaTensor.Ops;
using CudaTensor.AutogradEngine;
using CudaTensor.Core;

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
    public static Tensor Where(Tensor condition, Tensor a, Tensor b) => Where(condition, a, b, nameof(Where));

    // `op` is the op the user called (Where, MaskedFill), so errors name it.
    private static Tensor Where(Tensor condition, Tensor a, Tensor b, string op)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (condition.DType != DType.Bool)
            throw new ArgumentException(op == nameof(Where)
                ? $"{op}: the condition must be a Bool tensor, got {condition.Describe()}. Compare first, e.g. x.Gt(0)."
                : $"{op}: the mask must be a Bool tensor, got {condition.Describe()}. Compare first (e.g. x.Gt(0)) or convert it with .To(DType.Bool).");
        CheckSameDevice(op, condition, a);
        CheckSameDevice(op, a, b);
        var dtype = ResultType(a, b);
        var shape = Shapes.Broadcast(Shapes.Broadcast(condition._shape, a._shape, op), b._shape, op);
        var result = Allocate(shape, dtype, a.Device);
        Tensor? ta = null, tb = null;
        try
        {
            var la = a.LayoutAs(dtype, ref ta);
            var lb = b.LayoutAs(dtype, ref tb);
            var lc = condition.Layout;
            a.Backend.Where(result.Layout,
                lc.WithLayout(shape, Shapes.BroadcastStrides(lc.Shape, lc.Strides, shape, op)),
                la.WithLayout(shape, Shapes.BroadcastStrides(la.Shape, la.Strides, shape, op)),
                lb.WithLayout(shape, Shapes.BroadcastStrides(lb.Shape, lb.Strides, shape, op)));
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
        a.ThrowIfDisposed(nameof(Where));
        using var sb = WrapNumber(b, WrappedType(b), a.Device);
        return Where(condition, a, sb);
    }

    /// <summary>Where with a number for the true branch.</summary>
    public static Tensor Where(Tensor condition, Scalar a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(b);
        b.ThrowIfDisposed(nameof(Where));
        using var sa = WrapNumber(a, WrappedType(a), b.Device);
        return Where(condition, sa, b);
    }

    /// <summary>A copy with <paramref name="value"/> where <paramref name="mask"/> (Bool, broadcast) is true.</summary>
    /// <exception cref="ArgumentException">The mask is not Bool, is on another device, or does not broadcast with this tensor.</exception>
    public Tensor MaskedFill(Tensor mask, Scalar value) => MaskedFill(mask, value, nameof(MaskedFill));

    private Tensor MaskedFill(Tensor mask, Scalar value, string op)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ThrowIfDisposed(op);
        // The value takes this tensor's dtype (as torch.masked_fill), so the result never changes dtype.
        using var v = WrapNumber(value, DType, Device);
        return Where(mask, v, this, op);
    }

    /// <summary>In place: sets elements where <paramref name="mask"/> is true to <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">The mask is not Bool, is on another device, or would broadcast this tensor to a larger shape.</exception>
    public Tensor MaskedFillInPlace(Tensor mask, Scalar value)
    {
        ArgumentNullException.ThrowIfNull(mask);
        // Checked before anything is computed or written, under this op's name (CopyFrom checks again).
        CheckWritable(nameof(MaskedFillInPlace));
        InPlaceNeedsGrad(null, nameof(MaskedFillInPlace));
        if (!Shapes.SameShape(Shapes.Broadcast(mask._shape, _shape, nameof(MaskedFillInPlace)), _shape))
            throw new ArgumentException($"{nameof(MaskedFillInPlace)}: the mask {mask.Describe()} broadcasts this {Describe()} to a larger shape; an in-place op cannot change the shape. Pass a mask whose shape broadcasts to {Shapes.Format(_shape)}.");
        using var filled = MaskedFill(mask, value, nameof(MaskedFillInPlace));
        return CopyFrom(filled);
    }
}

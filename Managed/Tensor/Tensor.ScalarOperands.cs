using CudaTensor.Backends;
using CudaTensor.Ops;
using CudaTensor.AutogradEngine;
using CudaTensor.Core;

namespace CudaTensor;

// Ops with a C# number as one operand (x * 2.0, 1 - x, x.AddInPlace(1)), which backward formulas and optimizer
// updates use on every step. The number promotes as a wrapped number: it does not widen the tensor's dtype. When no
// graph is recorded, it reaches the backend as a kernel argument where the backend takes one (IBinaryWithNumber: CUDA),
// else as a one-element operand already in the compute dtype (converted once, broadcast by stride 0), with no tensor
// object, conversion pass or graph node around it. When a graph is recorded,
// it is wrapped in a 0-d tensor, so the gradient formulas see an ordinary operand.
public sealed partial class Tensor
{
    // Stride-0 arrays by rank: broadcasting one element to any shape. Never written.
    private static readonly long[][] ZeroStrides = [.. Enumerable.Range(0, 65).Select(r => new long[r])];

    internal static Tensor BinaryScalar(BinaryOp op, Tensor a, Scalar b, bool scalarFirst, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        a.ThrowIfDisposed(name ?? op.ToString());
        if (Derivatives.Needs(a))
        {
            using var s = WrapNumber(b, WrappedType(b), a.Device);
            return scalarFirst ? Binary(op, s, a, name) : Binary(op, a, s, name);
        }
        string opName = name ?? op.ToString();
        var ct = ComputeType(op, ResultType(a.DType, TierOf(a), WrappedType(b), PromotionTier.Wrapped), opName);
        op = BoolArithmetic(op, ct);
        var result = Allocate(a._shape, op.IsComparison() || op.IsLogical() ? DType.Bool : ct, a.Device);
        try
        {
            RunWithNumber(op, result.Layout, a, b, scalarFirst, ct);
        }
        catch
        {
            result.Dispose();
            throw;
        }
        return result;
    }

    internal Tensor BinaryScalarInPlace(BinaryOp op, Scalar b, string opName)
    {
        ThrowIfDisposed(opName);
        if (InPlaceNeedsGrad(null, opName))
        {
            using var s = WrapNumber(b, WrappedType(b), Device);
            return BinaryInPlace(op, s, opName);
        }
        var ct = ComputeType(op, ResultType(DType, TierOf(this), WrappedType(b), PromotionTier.Wrapped), opName);
        CheckInPlaceResult(ct, $"the number {b}", opName);
        op = BoolArithmetic(op, DType);
        CheckWritable(opName);
        RunWithNumber(op, Layout, this, b, scalarFirst: false, op.IsLogical() ? DType.Bool : DType);
        BumpVersion();
        return this;
    }

    private static void RunWithNumber(BinaryOp op, Strided dst, Tensor a, Scalar b, bool scalarFirst, DType ct)
    {
        Tensor? converted = null;
        if (a.Backend is IBinaryWithNumber direct)
        {
            // The number is a kernel argument: no buffer, no fill launch (and nothing to allocate inside a graph capture).
            try
            {
                direct.BinaryWithNumber(op, dst, a.LayoutAs(ct, ref converted), b, scalarFirst);
            }
            finally
            {
                converted?.Dispose();
            }
            return;
        }
        var number = a.Backend.Allocate(ct.ElementSize(), zeroed: false);
        try
        {
            var la = a.LayoutAs(ct, ref converted);
            var one = new Strided(number, 0, Shapes.Empty, Shapes.Empty, ct);
            a.Backend.Fill(one, b);
            var lb = one.WithLayout(dst.Shape, dst.Rank < ZeroStrides.Length ? ZeroStrides[dst.Rank] : new long[dst.Rank]);
            if (scalarFirst) a.Backend.Binary(op, dst, lb, la);
            else a.Backend.Binary(op, dst, la, lb);
        }
        finally
        {
            converted?.Dispose();
            number.Release();
        }
    }

    // Wrapped numbers are stored at full width (Float64/Int64) so that converting them to the compute dtype
    // rounds once; their flag keeps them from widening the tensor's dtype.
    private static DType WrappedType(Scalar s) => s.IsFloatingPoint ? DType.Float64 : s.IsBool ? DType.Bool : DType.Int64;
}

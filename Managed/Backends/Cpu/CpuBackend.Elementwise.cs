using System.Numerics;
using CudaTensor.Ops;

namespace CudaTensor.Backends.Cpu;

// Elementwise primitives: RowKernelTable (the one table of CPU formulas, shared with fused tiles and GEMM
// epilogues) dispatches the dtype and the op to an operator struct's row kernel once; the strided loop does the rest.
internal sealed partial class CpuBackend
{
    public void Copy(Strided dst, Strided src) => RowKernelTable.Cast(new StridedRun(dst.Shape, [dst, src]), src.DType, dst.DType);

    public void Fill(Strided dst, Scalar value)
    {
        switch (dst.DType)
        {
            // An integer converts to float directly: through double it could round twice.
            case DType.Float32: Run(new ElementwiseRows.Fill<float>(value.IsFloatingPoint ? (float)value.ToDouble() : value.ToInt64()), dst); break;
            case DType.Float64: Run(new ElementwiseRows.Fill<double>(value.ToDouble()), dst); break;
            case DType.Int32: Run(new ElementwiseRows.Fill<int>((int)value.ToInt64()), dst); break;
            case DType.Int64: Run(new ElementwiseRows.Fill<long>(value.ToInt64()), dst); break;
            default: Run(new ElementwiseRows.Fill<byte>(value.ToDouble() != 0 ? (byte)1 : (byte)0), dst); break;
        }
    }

    // The work weight (cost per element, which sets when the loop goes parallel) is the op's row in OpTable.
    public void Unary(UnaryOp op, Strided dst, Strided src, double p0, double p1)
        => RowKernelTable.Unary(new StridedRun(dst.Shape, [dst, src], OpTable.Of(op).CpuWork), op, src.DType, p0, p1);

    public void Predicate(PredicateOp op, Strided dst, Strided src)
    {
        // Integers and bools are always finite and never NaN: the row holds the answer.
        if (src.DType is not (DType.Float32 or DType.Float64)) Fill(dst, OpTable.Of(op).IntegerAnswer);
        else RowKernelTable.Predicate(new StridedRun(dst.Shape, [dst, src, src]), op, src.DType);
    }

    public void Binary(BinaryOp op, Strided dst, Strided a, Strided b)
        => RowKernelTable.Binary(new StridedRun(dst.Shape, [dst, a, b], op == BinaryOp.Pow ? OpTable.Of(op).CpuWork : 1), op, a.DType);

    public void Where(Strided dst, Strided cond, Strided a, Strided b)
        => RowKernelTable.Where(new StridedRun(dst.Shape, [dst, cond, a, b]), dst.DType.ElementSize());

    /// <summary>Runs the kernel <see cref="RowKernelTable"/> chose over strided operands (destination first).</summary>
    private readonly ref struct StridedRun(long[] shape, ReadOnlySpan<Strided> operands, double work = 1) : IRowKernelSink
    {
        private readonly ReadOnlySpan<Strided> _operands = operands;

        public void Take<TK>(TK kernel) where TK : struct, IRowKernel => StridedLoop.Run(kernel, shape, _operands, work);
    }

    private static void Run<TK>(TK kernel, Strided dst, double work = 1) where TK : struct, IRowKernel
        => StridedLoop.Run(kernel, dst.Shape, [dst], work);

    private static NotSupportedException Unsupported(string op, DType dtype)
        => new($"{op} is not implemented for dtype {dtype.Name()} on the CPU.");
}

using CudaTensor.Backends.Cpu;

namespace CudaTensor.Compilation.Fusion;

/// <summary>
/// Binds fused instructions to the CPU backend's row kernels through <see cref="RowKernelTable"/>, so a fused tile
/// runs exactly the code an eager op runs on a contiguous row.
/// </summary>
internal static class CpuTileKernels
{
    /// <summary>The kernel of instruction <paramref name="ins"/> whose first operand has dtype <paramref name="operand"/>.</summary>
    public static ITileKernel For(in FusedInstruction ins, DType operand) => ins.Kind switch
    {
        FusedOpKind.Unary => RowKernelTable.Unary(ins.UnaryOp, operand, ins.P0, ins.P1),
        FusedOpKind.Predicate => RowKernelTable.Predicate(ins.PredicateOp, operand),
        FusedOpKind.Binary => RowKernelTable.Binary(ins.BinaryOp, operand),
        FusedOpKind.Where => RowKernelTable.Where(ins.DType.ElementSize()),
        FusedOpKind.Cast => RowKernelTable.Cast(operand, ins.DType),
        _ => throw new ArgumentException($"{ins.Kind} has no row kernel.", nameof(ins)),
    };
}

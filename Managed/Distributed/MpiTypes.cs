using CudaTensor.Native;

namespace CudaTensor.Distributed;

/// <summary>How dtypes and reductions map to MPI's predefined datatypes and operations.</summary>
internal static class MpiTypes
{
    public static IntPtr Datatype(DType dtype) => Mpi.Datatype(dtype switch
    {
        DType.Float32 => MpiDatatype.Float,
        DType.Float64 => MpiDatatype.Double,
        DType.Int32 => MpiDatatype.Int32,
        DType.Int64 => MpiDatatype.Int64,
        DType.Bool => MpiDatatype.CBool,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "No MPI datatype for this dtype."),
    });

    // MPI defines only the logical operations on MPI_C_BOOL: or for Sum/Max, and for Product/Min.
    public static IntPtr Op(ReduceOp op, DType dtype) => Mpi.Op(dtype == DType.Bool
        ? op is ReduceOp.Sum or ReduceOp.Max ? MpiOp.LogicalOr : MpiOp.LogicalAnd
        : op switch
        {
            ReduceOp.Sum or ReduceOp.Avg => MpiOp.Sum,
            ReduceOp.Product => MpiOp.Prod,
            ReduceOp.Min => MpiOp.Min,
            ReduceOp.Max => MpiOp.Max,
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown reduction."),
        });

    /// <summary>An element count as MPI's int, or a clear error (MPI 3.1 counts are C ints).</summary>
    public static int Count(string collective, long elements)
    {
        if (elements > int.MaxValue)
            throw new ArgumentException($"{collective}: {elements} elements exceed MPI's count limit of {int.MaxValue} (a C int); "
                + "split the tensor into chunks (e.g. tensor.Chunk(n)) and run the collective on each.");
        return (int)elements;
    }
}

namespace CudaTensor.Native;

/// <summary>
/// The predefined MPI datatypes the binding uses. In the Open MPI ABI each is the address of an exported global
/// (<c>MPI_FLOAT</c> is <c>&amp;ompi_mpi_float</c> in mpi.h); <see cref="Mpi.Datatype"/> resolves them.
/// </summary>
public enum MpiDatatype
{
    /// <summary>MPI_BYTE (ompi_mpi_byte): raw bytes, for moving data that is not reduced.</summary>
    Byte,

    /// <summary>MPI_FLOAT (ompi_mpi_float).</summary>
    Float,

    /// <summary>MPI_DOUBLE (ompi_mpi_double).</summary>
    Double,

    /// <summary>MPI_INT32_T (ompi_mpi_int32_t).</summary>
    Int32,

    /// <summary>MPI_INT64_T (ompi_mpi_int64_t).</summary>
    Int64,

    /// <summary>MPI_UINT8_T (ompi_mpi_uint8_t).</summary>
    UInt8,

    /// <summary>MPI_C_BOOL (ompi_mpi_c_bool): one byte holding 0 or 1.</summary>
    CBool,
}

/// <summary>The predefined MPI reduction operations (<c>MPI_SUM</c> is <c>&amp;ompi_mpi_op_sum</c>, ...).</summary>
public enum MpiOp
{
    /// <summary>MPI_SUM (ompi_mpi_op_sum).</summary>
    Sum,

    /// <summary>MPI_PROD (ompi_mpi_op_prod).</summary>
    Prod,

    /// <summary>MPI_MAX (ompi_mpi_op_max).</summary>
    Max,

    /// <summary>MPI_MIN (ompi_mpi_op_min).</summary>
    Min,

    /// <summary>MPI_LAND (ompi_mpi_op_land): logical and, for booleans.</summary>
    LogicalAnd,

    /// <summary>MPI_LOR (ompi_mpi_op_lor): logical or, for booleans.</summary>
    LogicalOr,
}

/// <summary>The thread support levels of <c>MPI_Init_thread</c> (mpi.h's enum, in order).</summary>
#pragma warning disable CA1707 // mpi.h's names.
public enum MpiThreadLevel
{
    /// <summary>MPI_THREAD_SINGLE: one thread only.</summary>
    MPI_THREAD_SINGLE = 0,

    /// <summary>MPI_THREAD_FUNNELED: only the thread that initialized MPI calls it.</summary>
    MPI_THREAD_FUNNELED = 1,

    /// <summary>MPI_THREAD_SERIALIZED: any thread, one at a time.</summary>
    MPI_THREAD_SERIALIZED = 2,

    /// <summary>MPI_THREAD_MULTIPLE: any thread, concurrently.</summary>
    MPI_THREAD_MULTIPLE = 3,
}
#pragma warning restore CA1707

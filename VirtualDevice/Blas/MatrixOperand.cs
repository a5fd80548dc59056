namespace CudaTensor.VirtualDevice.Blas;

/// <summary>
/// A (batch of) matrix in device memory as the reference GEMM sees it: element (r, c) of batch b lies at
/// <c>Address + (b * BatchStride + r * RowStride + c * ColStride) * size</c>. Column-major storage has
/// RowStride 1 and ColStride ld; a transposed operand is the same storage with rows and strides swapped.
/// </summary>
/// <param name="Name">What the operand is ("A", "bias"), for fault messages.</param>
/// <param name="Address">Device address of element (0, 0) of batch 0.</param>
/// <param name="Type">Element type.</param>
/// <param name="Rows">Rows.</param>
/// <param name="Cols">Columns.</param>
/// <param name="RowStride">Elements between rows.</param>
/// <param name="ColStride">Elements between columns.</param>
/// <param name="BatchStride">Elements between consecutive matrices of a batch (0: one matrix shared by all).</param>
internal readonly record struct MatrixOperand(string Name, ulong Address, BlasDataType Type, long Rows, long Cols,
    long RowStride, long ColStride, long BatchStride)
{
    /// <summary>A column-major matrix with leading dimension <paramref name="ld"/>.</summary>
    public static MatrixOperand ColumnMajor(string name, ulong address, BlasDataType type, long rows, long cols, long ld, long batchStride)
        => new(name, address, type, rows, cols, 1, ld, batchStride);

    /// <summary>A row-major matrix with leading dimension <paramref name="ld"/> (cuBLASLt's CUBLASLT_ORDER_ROW).</summary>
    public static MatrixOperand RowMajor(string name, ulong address, BlasDataType type, long rows, long cols, long ld, long batchStride)
        => new(name, address, type, rows, cols, ld, 1, batchStride);

    /// <summary>op(this): the transpose for T and C (the types emulated are real), this for N.</summary>
    public MatrixOperand Apply(BlasOperation op) => op == BlasOperation.None
        ? this
        : this with { Rows = Cols, Cols = Rows, RowStride = ColStride, ColStride = RowStride };

    /// <summary>Elements from the first to the last one a matrix touches (0 for an empty matrix).</summary>
    public long ExtentElements => Rows == 0 || Cols == 0 ? 0 : ((Rows - 1) * RowStride) + ((Cols - 1) * ColStride) + 1;

    /// <summary>
    /// Host address of batch <paramref name="batch"/>, after checking that one live allocation holds the whole
    /// matrix (as compute-sanitizer would flag the GEMM kernel's first stray access). Null for an empty matrix.
    /// </summary>
    /// <exception cref="DeviceFaultException">The matrix is not wholly inside one live allocation.</exception>
    public unsafe byte* Map(IGlobalMemory memory, long batch, bool write)
    {
        long extent = ExtentElements;
        if (extent == 0) return null;
        int size = ElementAccess.SizeOf(Type);
        ulong address = unchecked(Address + (ulong)(batch * BatchStride * size));
        ulong bytes = (ulong)extent * (ulong)size;
        MemoryRegion region;
        try
        {
            region = memory.Resolve(address);
        }
        catch (DeviceFaultException e)
        {
            throw new DeviceFaultException(e.Error, $"{Describe(batch, address, bytes)}: {e.Message}", e);
        }
        if (!region.Contains(address, bytes))
        {
            DeviceFaultException fault = memory.OutOfBounds(address, bytes, write);
            throw new DeviceFaultException(fault.Error, $"{Describe(batch, address, bytes)} runs past its allocation: {fault.Message}", fault);
        }
        return region.Host + (address - region.Start);
    }

    private string Describe(long batch, ulong address, ulong bytes)
        => $"matrix {Name} (batch {batch}, {Rows}x{Cols} {Type}, row stride {RowStride}, column stride {ColStride}: "
         + $"{bytes} bytes from 0x{address:X})";
}

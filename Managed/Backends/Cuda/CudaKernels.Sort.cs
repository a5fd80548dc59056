namespace CudaTensor.Backends.Cuda;

// The sort program (Kernels/sort.cu): a per-row bitonic sort for every numeric dtype (Bool is sorted as Int32 above).
internal static partial class CudaKernels
{
    /// <summary>The program of the row sort.</summary>
    public const string SortProgram = "sort.cu";

    public const string SortRowsKernel = "ct_sort_rows";

    /// <summary>Rows up to this many elements (padded to a power of two) sort in shared memory; sort.cu's CT_SORT_SHARED.</summary>
    public const long SortSharedElements = 2048;

    /// <summary>The dtypes sort.cu is compiled for.</summary>
    /// <remarks>A new array per call, not a static field, for the reason given at <see cref="WindowDTypes"/>.</remarks>
    public static DType[] SortDTypes => [DType.Float32, DType.Float64, DType.Int32, DType.Int64];

    private static IEnumerable<(string Program, DType? DType, string Kernel)> SortInstantiations()
        => SortDTypes.Select(d => (SortProgram, (DType?)d, SortRowsKernel));
}

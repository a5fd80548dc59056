using CudaTensor.Core;

namespace CudaTensor.Backends.Cuda;

// Row sort (sort.cu): one block per row; rows longer than the shared-memory tile sort in a global scratch buffer of one
// padded row per block, so the grid is capped for them to bound that buffer.
internal sealed unsafe partial class CudaBackend
{
    // Blocks (hence scratch rows) for rows that do not fit in shared memory.
    private const long LongRowBlocks = 64;

    public void Sort(Strided values, Strided indices, Strided src, bool descending)
    {
        if (!src.IsContiguous || !values.IsContiguous || !indices.IsContiguous || indices.DType != DType.Int64 || values.DType != src.DType)
            throw new ArgumentException("Sort needs contiguous rows: values and src of one dtype, indices Int64.");
        if (Array.IndexOf(CudaKernels.SortDTypes, src.DType) < 0) throw Unsupported("Sort", src.DType);
        long n = src.Rank == 0 ? 1 : src.Shape[^1];
        long rows = n == 0 ? 0 : src.NumElements / n;
        if (rows == 0) return;
        long npad = 1;
        while (npad < n) npad <<= 1;
        bool shared = npad <= CudaKernels.SortSharedElements;
        long blocks = shared ? Math.Min(rows, 65535L * 16) : Math.Min(rows, LongRowBlocks);
        nint stream = Begin();
        Strided? keys = shared ? null : Temp([blocks, npad], src.DType);
        Strided? pos = shared ? null : Temp([blocks, npad], DType.Int64);
        try
        {
            ulong pv = Ptr(values, stream), pi = Ptr(indices, stream), ps = Ptr(src, stream);
            ulong pk = keys is { } k ? Ptr(k, stream) : 0, pp = pos is { } q ? Ptr(q, stream) : 0;
            int desc = descending ? 1 : 0;
            LaunchGrid(Kernel(CudaKernels.SortProgram, src.DType, CudaKernels.SortRowsKernel), ((uint)blocks, 1, 1), BlockSize, stream,
                [(nint)(&pv), (nint)(&pi), (nint)(&ps), (nint)(&pk), (nint)(&pp), (nint)(&rows), (nint)(&n), (nint)(&npad), (nint)(&desc)]);
        }
        finally
        {
            keys?.Storage.Release();
            pos?.Storage.Release();
        }
    }
}

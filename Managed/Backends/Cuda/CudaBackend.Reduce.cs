using CudaTensor.Ops;
using CudaTensor.Core;

namespace CudaTensor.Backends.Cuda;

// Axis primitives over rows: the op layer puts the reduced axes last; a strided input is first copied to a
// contiguous [rows, len] scratch (one extra pass, only for non-contiguous inputs) and a strided output is written
// through a contiguous scratch. Kernels: reduce.cu and softmax.cu.
internal sealed unsafe partial class CudaBackend
{
    // Rows shorter than this, or more rows than this many blocks can cover, take the one-pass kernel.
    private const long TwoPassMinLength = 1 << 16;
    private const long ChunkElements = BlockSize * 16; // elements one block of the first pass folds (16 per thread)

    public void Reduce(ReduceOp op, Strided dst, Strided src, int reducedDims)
    {
        int keep = src.Rank - reducedDims;
        long len = Shapes.NumElements(src.Shape.AsSpan(keep)), rows = Shapes.NumElements(src.Shape.AsSpan(0, keep));
        if (rows == 0) return;
        if (len == 0)
        {
            // Reducing over an empty extent gives the identity (max/min of nothing reach here only as Bool Any/All).
            Fill(dst, op switch { ReduceOp.Prod or ReduceOp.Min => 1, _ => 0 });
            return;
        }
        nint stream = Begin();
        var (input, ownsInput) = ContiguousInput(src);
        var (output, ownsOutput) = ContiguousOutput(dst);
        try
        {
            ulong pin = Ptr(input, stream), pout = Ptr(output, stream);
            nint rowsKernel = Kernel("reduce.cu", src.DType, CudaKernels.ReduceRows(op));
            if (len >= TwoPassMinLength && rows < _device.Info.MultiprocessorCount * 2L)
            {
                // Few long rows: spread each row over many blocks, then reduce the partial results.
                long chunks = Math.Min((len + ChunkElements - 1) / ChunkElements, 1024);
                long chunk = (len + chunks - 1) / chunks;
                var partial = Temp([rows, chunks], src.DType);
                try
                {
                    ulong pp = Ptr(partial, stream);
                    nint first = Kernel("reduce.cu", src.DType, CudaKernels.ReducePartial(op));
                    LaunchGrid(first, ((uint)chunks, (uint)rows, 1), BlockSize, stream, [(nint)(&pp), (nint)(&pin), (nint)(&rows), (nint)(&len), (nint)(&chunk)]);
                    LaunchRows(rowsKernel, rows, stream, [(nint)(&pout), (nint)(&pp), (nint)(&rows), (nint)(&chunks)]);
                }
                finally
                {
                    partial.Storage.Release();
                }
            }
            else
            {
                LaunchRows(rowsKernel, rows, stream, [(nint)(&pout), (nint)(&pin), (nint)(&rows), (nint)(&len)]);
            }
            if (ownsOutput) Copy(dst, output);
        }
        finally
        {
            if (ownsInput) input.Storage.Release();
            if (ownsOutput) output.Storage.Release();
        }
    }

    public void ArgReduce(ReduceOp op, Strided values, Strided indices, Strided src)
    {
        long len = src.Shape[^1], rows = values.NumElements;
        if (rows == 0 || len == 0) return;
        nint stream = Begin();
        var (input, ownsInput) = ContiguousInput(src);
        var (v, ownsV) = ContiguousOutput(values);
        var (ix, ownsIx) = ContiguousOutput(indices);
        try
        {
            ulong pin = Ptr(input, stream), pv = Ptr(v, stream), pi = Ptr(ix, stream);
            nint f = Kernel("reduce.cu", src.DType, op == ReduceOp.Max ? "ct_argmax_rows" : "ct_argmin_rows");
            LaunchRows(f, rows, stream, [(nint)(&pv), (nint)(&pi), (nint)(&pin), (nint)(&rows), (nint)(&len)]);
            if (ownsV) Copy(values, v);
            if (ownsIx) Copy(indices, ix);
        }
        finally
        {
            if (ownsInput) input.Storage.Release();
            if (ownsV) v.Storage.Release();
            if (ownsIx) ix.Storage.Release();
        }
    }

    public void CumSum(Strided dst, Strided src)
    {
        if (src.DType == DType.Bool) throw Unsupported("CumSum", src.DType);
        RowKernel("reduce.cu", "ct_cumsum_rows", dst, src);
    }

    public void Softmax(Strided dst, Strided src, bool log)
    {
        if (!src.DType.IsFloatingPoint()) throw Unsupported(log ? "LogSoftmax" : "Softmax", src.DType);
        RowKernel("softmax.cu", log ? "ct_log_softmax_rows" : "ct_softmax_rows", dst, src);
    }

    // out[rows, len] = kernel(in[rows, len]) for kernels with that signature.
    private void RowKernel(string program, string name, Strided dst, Strided src)
    {
        long len = src.Shape[^1], rows = src.NumElements / Math.Max(1, len);
        if (len == 0 || src.NumElements == 0) return;
        nint stream = Begin();
        var (input, ownsInput) = ContiguousInput(src);
        var (output, ownsOutput) = ContiguousOutput(dst);
        try
        {
            ulong pin = Ptr(input, stream), pout = Ptr(output, stream);
            LaunchRows(Kernel(program, src.DType, name), rows, stream, [(nint)(&pout), (nint)(&pin), (nint)(&rows), (nint)(&len)]);
            if (ownsOutput) Copy(dst, output);
        }
        finally
        {
            if (ownsInput) input.Storage.Release();
            if (ownsOutput) output.Storage.Release();
        }
    }

    // One block per row (grid-stride over rows beyond the grid limit).
    private static void LaunchRows(nint function, long rows, nint stream, ReadOnlySpan<nint> args)
        => LaunchGrid(function, ((uint)Math.Min(rows, 65535L * 16), 1, 1), BlockSize, stream, args);

    private (Strided View, bool Owned) ContiguousInput(Strided src)
    {
        if (src.IsContiguous) return (src, false);
        var temp = Temp((long[])src.Shape.Clone(), src.DType);
        Copy(temp, src);
        return (temp, true);
    }

    private (Strided View, bool Owned) ContiguousOutput(Strided dst)
        => dst.IsContiguous ? (dst, false) : (Temp((long[])dst.Shape.Clone(), dst.DType), true);
}

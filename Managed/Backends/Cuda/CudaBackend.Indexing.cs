using CudaTensor.Native;
using CudaTensor.Core;

namespace CudaTensor.Backends.Cuda;

// Gather and scatter along one dimension (index.cu), with the CPU's layouts: the tensor indexed along `dim` is passed
// with stride 0 there, and the kernel adds index * stride. Bad indices are reported through a two-word error buffer
// that is read back (the only synchronization), so they throw the CPU's exception.
internal sealed unsafe partial class CudaBackend
{
    public void Gather(Strided dst, Strided src, Strided index, int dim)
    {
        var srcBase = src.WithLayout(dst.Shape, WithZero(src.Strides, dim));
        IndexKernel("ct_gather", "Gather", dst.DType, dst.Shape, dst, index, srcBase, src.Shape[dim], src.Strides[dim], dim);
    }

    public void Scatter(Strided dst, Strided index, Strided src, int dim, bool accumulate)
    {
        if (accumulate && dst.DType == DType.Bool) throw Unsupported("ScatterAdd", dst.DType);
        var dstBase = dst.WithLayout(index.Shape, WithZero(dst.Strides, dim));
        var srcView = src.WithLayout(index.Shape, src.Strides);
        IndexKernel(accumulate ? "ct_scatter_add" : "ct_scatter", "Scatter", dst.DType, index.Shape, dstBase, index, srcView, dst.Shape[dim], dst.Strides[dim], dim);
    }

    private void IndexKernel(string name, string op, DType dtype, long[] shape, Strided first, Strided index, Strided third, long size, long step, int dim)
    {
        long n = Shapes.NumElements(shape);
        if (n == 0) return;
        nint stream = Begin();
        var layout = KernelLayout.Build(shape, first.Strides, index.Strides, third.Strides);
        var error = Temp([2], DType.Int64);
        try
        {
            ulong p0 = Ptr(first, stream), pi = Ptr(index, stream), p2 = Ptr(third, stream), pe = Ptr(error, stream), count = (ulong)n;
            Driver.SetBytesAsync(pe, 0, 16, stream);
            nint f = Kernel("index.cu", dtype, name);
            Launch(f, n, stream, [(nint)(&p0), (nint)(&pi), (nint)(&p2), (nint)(&count), (nint)(&layout), (nint)(&size), (nint)(&step), (nint)(&pe)]);
            Span<long> flag = stackalloc long[2];
            ReadToHost(error, System.Runtime.InteropServices.MemoryMarshal.AsBytes(flag));
            if (flag[0] != 0) throw IndexErrors.OutOfBounds(op, flag[1], size, dim);
        }
        finally
        {
            error.Storage.Release();
        }
    }

    private static long[] WithZero(long[] strides, int dim)
    {
        var s = (long[])strides.Clone();
        s[dim] = 0;
        return s;
    }
}

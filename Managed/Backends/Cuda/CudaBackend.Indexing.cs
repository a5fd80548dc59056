using CudaTensor.Core;

namespace CudaTensor.Backends.Cuda;

// Gather and scatter along one dimension (index.cu), with the CPU's layouts: the tensor indexed along `dim` is passed
// with stride 0 there, and the kernel adds index * stride. Bad indices are reported through a two-word error buffer
// armed in the device's error log and read at the next host synchronization (DeviceErrorLog), where they throw the
// CPU's exception; nothing waits here.
internal sealed unsafe partial class CudaBackend
{
    public void Gather(Strided dst, Strided src, Strided index, int dim) => Gather(dst, src, index, dim, "Gather");

    public void Scatter(Strided dst, Strided index, Strided src, int dim, bool accumulate) => Scatter(dst, index, src, dim, accumulate, "Scatter");

    public void Gather(Strided dst, Strided src, Strided index, int dim, string op)
    {
        var srcBase = src.WithLayout(dst.Shape, WithZero(src.Strides, dim));
        IndexKernel("ct_gather", op, dst.DType, dst.Shape, dst, index, srcBase, src.Shape[dim], src.Strides[dim], dim);
    }

    public void Scatter(Strided dst, Strided index, Strided src, int dim, bool accumulate, string op)
    {
        if (accumulate && dst.DType == DType.Bool) throw Unsupported("ScatterAdd", dst.DType);
        var dstBase = dst.WithLayout(index.Shape, WithZero(dst.Strides, dim));
        var srcView = src.WithLayout(index.Shape, src.Strides);
        IndexKernel(accumulate ? "ct_scatter_add" : "ct_scatter", op, dst.DType, index.Shape, dstBase, index, srcView, dst.Shape[dim], dst.Strides[dim], dim);
    }

    private void IndexKernel(string name, string op, DType dtype, long[] shape, Strided first, Strided index, Strided third, long size, long step, int dim)
    {
        long n = Shapes.NumElements(shape);
        if (n == 0) return;
        nint stream = Begin();
        var layout = KernelLayout.Build(shape, first.Strides, index.Strides, third.Strides);
        ulong p0 = Ptr(first, stream), pi = Ptr(index, stream), p2 = Ptr(third, stream), count = (ulong)n;
        ulong pe = _device.ErrorLog.Arm(new IndexCheck(op, size, dim), stream);
        nint f = Kernel("index.cu", dtype, name);
        Launch(f, n, stream, [(nint)(&p0), (nint)(&pi), (nint)(&p2), (nint)(&count), (nint)(&layout), (nint)(&size), (nint)(&step), (nint)(&pe)]);
    }

    private static long[] WithZero(long[] strides, int dim)
    {
        var s = (long[])strides.Clone();
        s[dim] = 0;
        return s;
    }
}

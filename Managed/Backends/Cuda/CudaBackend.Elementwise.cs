using CudaTensor.Native;
using CudaTensor.Ops;

namespace CudaTensor.Backends.Cuda;

// Elementwise primitives: one kernel per (op, dtype, variant) from elementwise.cu; the formulas are the table of
// Kernels/ops.cuh. Operands reach the kernel as one KernelLayout over the destination's shape.
internal sealed unsafe partial class CudaBackend
{
    public void Copy(Strided dst, Strided src)
    {
        long n = dst.NumElements;
        if (n == 0) return;
        nint stream = Begin();
        var layout = KernelLayout.Build(dst.Shape, dst.Strides, src.Strides);
        ulong o = Ptr(dst, stream), i = Ptr(src, stream);
        if (layout.IsContiguous && dst.DType == src.DType)
        {
            Driver.CopyDeviceToDeviceAsync(o, i, (ulong)(n * dst.DType.ElementSize()), stream);
            return;
        }
        ulong count = (ulong)n;
        nint f = Kernel("elementwise.cu", src.DType, CudaKernels.Convert(dst.DType, Variant(layout)));
        Launch(f, n, stream, [(nint)(&o), (nint)(&i), (nint)(&count), (nint)(&layout)]);
    }

    public void Fill(Strided dst, Scalar value)
    {
        long n = dst.NumElements;
        if (n == 0) return;
        nint stream = Begin();
        var layout = KernelLayout.Build(dst.Shape, dst.Strides);
        ulong o = Ptr(dst, stream), count = (ulong)n;
        double vd = value.ToDouble();
        long vl = value.ToInt64();
        nint f = Kernel("elementwise.cu", dst.DType, layout.IsContiguous ? "ct_fill_c64" : "ct_fill_s64");
        Launch(f, n, stream, [(nint)(&o), (nint)(&count), (nint)(&vd), (nint)(&vl), (nint)(&layout)]);
    }

    public void Unary(UnaryOp op, Strided dst, Strided src, double p0, double p1)
    {
        if (!CudaKernels.Supports(op, src.DType)) throw Unsupported(op.ToString(), src.DType);
        long n = dst.NumElements;
        if (n == 0) return;
        nint stream = Begin();
        var layout = KernelLayout.Build(dst.Shape, dst.Strides, src.Strides);
        ulong o = Ptr(dst, stream), i = Ptr(src, stream), count = (ulong)n;
        nint f = Kernel("elementwise.cu", src.DType, CudaKernels.Unary(op, Variant(layout)));
        Launch(f, n, stream, [(nint)(&o), (nint)(&i), (nint)(&count), (nint)(&p0), (nint)(&p1), (nint)(&layout)]);
    }

    public void Predicate(PredicateOp op, Strided dst, Strided src)
    {
        if (!src.DType.IsFloatingPoint())
        {
            // Integers and bools are always finite and never NaN.
            Fill(dst, op == PredicateOp.IsFinite);
            return;
        }
        long n = dst.NumElements;
        if (n == 0) return;
        nint stream = Begin();
        var layout = KernelLayout.Build(dst.Shape, dst.Strides, src.Strides);
        ulong o = Ptr(dst, stream), i = Ptr(src, stream), count = (ulong)n;
        nint f = Kernel("elementwise.cu", src.DType, CudaKernels.Predicate(op, Variant(layout)));
        Launch(f, n, stream, [(nint)(&o), (nint)(&i), (nint)(&count), (nint)(&layout)]);
    }

    public void Binary(BinaryOp op, Strided dst, Strided a, Strided b)
    {
        DType dtype = op.IsLogical() ? DType.Bool : a.DType;
        if (!CudaKernels.Supports(op, dtype)) throw Unsupported(op.ToString(), dtype);
        long n = dst.NumElements;
        if (n == 0) return;
        nint stream = Begin();
        var layout = KernelLayout.Build(dst.Shape, dst.Strides, a.Strides, b.Strides);
        ulong o = Ptr(dst, stream), pa = Ptr(a, stream), pb = Ptr(b, stream), count = (ulong)n;
        nint f = Kernel("elementwise.cu", dtype, CudaKernels.Binary(op, Variant(layout)));
        Launch(f, n, stream, [(nint)(&o), (nint)(&pa), (nint)(&pb), (nint)(&count), (nint)(&layout)]);
    }

    public void Where(Strided dst, Strided cond, Strided a, Strided b)
    {
        long n = dst.NumElements;
        if (n == 0) return;
        nint stream = Begin();
        var layout = KernelLayout.Build(dst.Shape, dst.Strides, cond.Strides, a.Strides, b.Strides);
        ulong o = Ptr(dst, stream), c = Ptr(cond, stream), pa = Ptr(a, stream), pb = Ptr(b, stream), count = (ulong)n;
        nint f = Kernel("elementwise.cu", dst.DType, layout.Fits32 ? "ct_where_s32" : "ct_where_s64");
        Launch(f, n, stream, [(nint)(&o), (nint)(&c), (nint)(&pa), (nint)(&pb), (nint)(&count), (nint)(&layout)]);
    }
}

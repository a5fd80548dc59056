using CudaTensor.Native;
using CudaTensor.Ops;

namespace CudaTensor.Backends.Cuda;

// Elementwise primitives: one kernel per (op, dtype, variant) from elementwise.cu; the formulas are the table of
// Kernels/ops.cuh. Operands reach the kernel as one KernelLayout over the destination's shape.
internal sealed unsafe partial class CudaBackend : IBinaryWithNumber
{
    // The _c32 kernels take CT_VEC elements per thread and iteration (Kernels/elementwise.cu), so they need a quarter
    // of the threads; a grid sized for n would leave three blocks in four with nothing to do.
    private const int ElementsPerThread = 4;

    private static long Threads(string variant, long n) => variant == "c32" ? (n + ElementsPerThread - 1) / ElementsPerThread : n;

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
        string variant = Variant(layout);
        nint f = Kernel("elementwise.cu", src.DType, CudaKernels.Convert(dst.DType, variant));
        Launch(f, Threads(variant, n), stream, [(nint)(&o), (nint)(&i), (nint)(&count), (nint)(&layout)]);
    }

    public void Fill(Strided dst, Scalar value)
    {
        long n = dst.NumElements;
        if (n == 0) return;
        nint stream = Begin();
        var layout = KernelLayout.Build(dst.Shape, dst.Strides);
        ulong o = Ptr(dst, stream), count = (ulong)n;
        // An integer meant for a float tensor is rounded to float here, once: through double it could round twice.
        double vd = dst.DType == DType.Float32 && !value.IsFloatingPoint ? (float)value.ToInt64() : value.ToDouble();
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
        string variant = Variant(layout);
        nint f = Kernel("elementwise.cu", src.DType, CudaKernels.Unary(op, variant));
        Launch(f, Threads(variant, n), stream, [(nint)(&o), (nint)(&i), (nint)(&count), (nint)(&p0), (nint)(&p1), (nint)(&layout)]);
    }

    public void Predicate(PredicateOp op, Strided dst, Strided src)
    {
        if (!src.DType.IsFloatingPoint())
        {
            // Integers and bools are always finite and never NaN: the row holds the answer.
            Fill(dst, OpTable.Of(op).IntegerAnswer);
            return;
        }
        long n = dst.NumElements;
        if (n == 0) return;
        nint stream = Begin();
        var layout = KernelLayout.Build(dst.Shape, dst.Strides, src.Strides);
        ulong o = Ptr(dst, stream), i = Ptr(src, stream), count = (ulong)n;
        string variant = Variant(layout);
        nint f = Kernel("elementwise.cu", src.DType, CudaKernels.Predicate(op, variant));
        Launch(f, Threads(variant, n), stream, [(nint)(&o), (nint)(&i), (nint)(&count), (nint)(&layout)]);
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
        string variant = Variant(layout);
        nint f = Kernel("elementwise.cu", dtype, CudaKernels.Binary(op, variant));
        Launch(f, Threads(variant, n), stream, [(nint)(&o), (nint)(&pa), (nint)(&pb), (nint)(&count), (nint)(&layout)]);
    }

    public void BinaryWithNumber(BinaryOp op, Strided dst, Strided a, Scalar number, bool numberFirst)
    {
        DType dtype = op.IsLogical() ? DType.Bool : a.DType;
        if (!CudaKernels.Supports(op, dtype)) throw Unsupported(op.ToString(), dtype);
        long n = dst.NumElements;
        if (n == 0) return;
        nint stream = Begin();
        var layout = KernelLayout.Build(dst.Shape, dst.Strides, a.Strides);
        ulong o = Ptr(dst, stream), pa = Ptr(a, stream), count = (ulong)n;
        // The number as Fill converts it (an integer meant for float32 rounds once, directly to float).
        double vd = a.DType == DType.Float32 && !number.IsFloatingPoint ? (float)number.ToInt64() : number.ToDouble();
        long vl = number.ToInt64();
        int first = numberFirst ? 1 : 0;
        string variant = Variant(layout) == "c64" ? "s64" : Variant(layout);
        nint f = Kernel("elementwise.cu", dtype, CudaKernels.BinaryWithNumber(op, variant));
        Launch(f, Threads(variant, n), stream, [(nint)(&o), (nint)(&pa), (nint)(&count), (nint)(&vd), (nint)(&vl), (nint)(&first), (nint)(&layout)]);
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

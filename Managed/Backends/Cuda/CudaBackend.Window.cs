using CudaTensor.Native;

namespace CudaTensor.Backends.Cuda;

// Sliding-window primitives (window.cu): im2col and its adjoint col2im over contiguous images [planes, H, W] and columns
// [planes, taps, positions], one thread per output element. The geometry travels as twelve long long kernel
// parameters in WindowGeometry's order.
internal sealed unsafe partial class CudaBackend
{
    private const int WindowGeometryParams = 12;

    public void Im2Col(Strided cols, Strided image, in WindowGeometry g, double padValue)
    {
        g.Validate("Im2Col", cols, image);
        long n = cols.NumElements;
        if (n == 0) return;
        nint stream = Begin();
        ulong pc = Ptr(cols, stream), pi = Ptr(image, stream), count = (ulong)n;
        ulong pad = PadBits(cols.DType, padValue);
        long* geometry = stackalloc long[WindowGeometryParams];
        Span<nint> args = stackalloc nint[WindowGeometryParams + 4];
        args[0] = (nint)(&pc);
        args[1] = (nint)(&pi);
        args[2] = (nint)(&count);
        GeometryArgs(g, geometry, args.Slice(3, WindowGeometryParams));
        args[^1] = (nint)(&pad);
        Launch(Kernel(CudaKernels.WindowProgram, cols.DType, CudaKernels.Im2ColKernel), n, stream, args);
    }

    public void Col2Im(Strided image, Strided cols, in WindowGeometry g)
    {
        g.Validate("Col2Im", cols, image);
        if (!image.DType.IsFloatingPoint()) throw Unsupported("Col2Im", image.DType);
        long n = image.NumElements;
        if (n == 0) return;
        nint stream = Begin();
        ulong pim = Ptr(image, stream), pc = Ptr(cols, stream), count = (ulong)n;
        long* geometry = stackalloc long[WindowGeometryParams];
        Span<nint> args = stackalloc nint[WindowGeometryParams + 3];
        args[0] = (nint)(&pim);
        args[1] = (nint)(&pc);
        args[2] = (nint)(&count);
        GeometryArgs(g, geometry, args[3..]);
        Launch(Kernel(CudaKernels.WindowProgram, image.DType, CudaKernels.Col2ImKernel), n, stream, args);
    }

    // The geometry's twelve values copied to `values` (stack memory of the caller, alive until the launch), and a
    // pointer to each in `args`, in window.cu's parameter order: H, W, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW.
    private static void GeometryArgs(in WindowGeometry g, long* values, Span<nint> args)
    {
        ReadOnlySpan<long> v = [g.Height, g.Width, g.KernelHeight, g.KernelWidth, g.StrideH, g.StrideW, g.PadH, g.PadW, g.DilationH, g.DilationW, g.OutHeight, g.OutWidth];
        for (int k = 0; k < WindowGeometryParams; k++)
        {
            values[k] = v[k];
            args[k] = (nint)(values + k);
        }
    }

    // The pad value in the element type, in the low bytes of a 64-bit slot: the driver copies the kernel's T parameter
    // (1 to 8 bytes) from the start of the slot, which on the little-endian hosts CUDA runs on is the low end. Rounded
    // or saturated here once, as T.CreateSaturating on the CPU: ±inf and out-of-range values clamp to an integer
    // dtype's min/max, NaN becomes 0; a Bool is 1 for any nonzero value (NaN included).
    private static ulong PadBits(DType dtype, double padValue) => dtype switch
    {
        DType.Float32 => BitConverter.SingleToUInt32Bits((float)padValue),
        DType.Float64 => BitConverter.DoubleToUInt64Bits(padValue),
        DType.Int32 => (uint)int.CreateSaturating(padValue),
        DType.Int64 => (ulong)long.CreateSaturating(padValue),
        DType.Bool => padValue != 0 ? 1UL : 0UL,
        _ => throw Unsupported("Im2Col", dtype),
    };
}

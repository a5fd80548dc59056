namespace CudaTensor.Backends.Cuda;

// Fused row primitives (layernorm.cu, cross_entropy.cu). The op layer hands over contiguous operands, so no scratch
// copies are needed here. Rows of at most CudaKernels.WarpRowMaxLength elements go one per warp, longer ones one per block.
internal sealed unsafe partial class CudaBackend
{
    public void LayerNormForward(Strided y, Strided mean, Strided rstd, Strided x, Strided? weight, Strided? bias, double eps)
    {
        RequireFused("LayerNorm", x.DType);
        long len = x.Shape[^1], rows = x.NumElements / Math.Max(len, 1);
        if (rows == 0) return;
        nint stream = Begin();
        ulong py = Ptr(y, stream), pm = Ptr(mean, stream), pr = Ptr(rstd, stream), px = Ptr(x, stream), pw = PtrOrZero(weight, stream), pb = PtrOrZero(bias, stream);
        bool warp = len <= CudaKernels.WarpRowMaxLength;
        LaunchFusedRows(Kernel("layernorm.cu", x.DType, CudaKernels.LayerNormForward(warp)), rows, warp, stream,
            [(nint)(&py), (nint)(&pm), (nint)(&pr), (nint)(&px), (nint)(&pw), (nint)(&pb), (nint)(&rows), (nint)(&len), (nint)(&eps)]);
    }

    public void LayerNormBackward(Strided dx, Strided? dweight, Strided? dbias, Strided dy, Strided x, Strided mean, Strided rstd, Strided? weight)
    {
        RequireFused("LayerNormBackward", x.DType);
        long len = x.Shape[^1], rows = x.NumElements / Math.Max(len, 1);
        nint stream = Begin();
        ulong pdx = Ptr(dx, stream), pdy = Ptr(dy, stream), px = Ptr(x, stream), pm = Ptr(mean, stream), pr = Ptr(rstd, stream), pw = PtrOrZero(weight, stream);
        if (rows > 0 && len > 0)
        {
            bool warp = len <= CudaKernels.WarpRowMaxLength;
            LaunchFusedRows(Kernel("layernorm.cu", x.DType, CudaKernels.LayerNormBackward(warp)), rows, warp, stream,
                [(nint)(&pdx), (nint)(&pdy), (nint)(&px), (nint)(&pm), (nint)(&pr), (nint)(&pw), (nint)(&rows), (nint)(&len)]);
        }
        if (dweight is null && dbias is null) return;
        ulong pdw = PtrOrZero(dweight, stream), pdb = PtrOrZero(dbias, stream);
        // 32 columns per block; with no rows the kernel writes zeros.
        uint blocks = (uint)Math.Max(1, (len + 31) / 32);
        LaunchGrid(Kernel("layernorm.cu", x.DType, CudaKernels.LayerNormAffine), (blocks, 1, 1), BlockSize, stream,
            [(nint)(&pdw), (nint)(&pdb), (nint)(&pdy), (nint)(&px), (nint)(&pm), (nint)(&pr), (nint)(&rows), (nint)(&len)]);
    }

    public long CrossEntropyForward(Strided loss, Strided lse, Strided rowWeight, Strided logits, Strided target, Strided? weight, long ignoreIndex, double labelSmoothing, string op)
    {
        RequireFused("CrossEntropy", logits.DType);
        long classes = logits.Shape[^1], rows = target.NumElements;
        if (rows == 0) return -1;
        nint stream = Begin();
        ulong pl = Ptr(loss, stream), pse = Ptr(lse, stream), prw = Ptr(rowWeight, stream), px = Ptr(logits, stream), pt = Ptr(target, stream),
            pw = PtrOrZero(weight, stream);
        // Checked on the device, reported at the next synchronization: the slot starts all ones (no bad row; rows
        // compete with atomicMin), and a one-thread kernel then copies the first bad row's target beside it.
        ulong pbad = _device.ErrorLog.Arm(new TargetCheck(op, classes, ignoreIndex), stream);
        bool warp = classes <= CudaKernels.WarpRowMaxLength;
        LaunchFusedRows(Kernel("cross_entropy.cu", logits.DType, CudaKernels.CrossEntropyForward(warp)), rows, warp, stream,
            [(nint)(&pl), (nint)(&pse), (nint)(&prw), (nint)(&px), (nint)(&pt), (nint)(&pw), (nint)(&rows), (nint)(&classes),
             (nint)(&ignoreIndex), (nint)(&labelSmoothing), (nint)(&pbad)]);
        LaunchGrid(Kernel("cross_entropy.cu", logits.DType, "ct_cross_entropy_bad_target"), (1, 1, 1), 1, stream, [(nint)(&pbad), (nint)(&pt)]);
        return -1;
    }

    public void CrossEntropyBackward(Strided dlogits, Strided grad, Strided logits, Strided target, Strided lse, Strided? weight, long ignoreIndex, double labelSmoothing)
    {
        RequireFused("CrossEntropyBackward", logits.DType);
        long classes = logits.Shape[^1], rows = target.NumElements;
        if (rows == 0 || classes == 0) return;
        nint stream = Begin();
        ulong pdx = Ptr(dlogits, stream), pg = Ptr(grad, stream), px = Ptr(logits, stream), pt = Ptr(target, stream), pse = Ptr(lse, stream), pw = PtrOrZero(weight, stream);
        bool warp = classes <= CudaKernels.WarpRowMaxLength;
        LaunchFusedRows(Kernel("cross_entropy.cu", logits.DType, CudaKernels.CrossEntropyBackward(warp)), rows, warp, stream,
            [(nint)(&pdx), (nint)(&pg), (nint)(&px), (nint)(&pt), (nint)(&pse), (nint)(&pw), (nint)(&rows), (nint)(&classes),
             (nint)(&ignoreIndex), (nint)(&labelSmoothing)]);
    }

    private static ulong PtrOrZero(Strided? t, nint stream) => t is { } v ? Ptr(v, stream) : 0;

    // A block per row, or BlockSize / 32 rows per block with a warp each; grid-stride beyond the grid limit.
    private static void LaunchFusedRows(nint function, long rows, bool warp, nint stream, ReadOnlySpan<nint> args)
    {
        long blocks = warp ? (rows + BlockSize / 32 - 1) / (BlockSize / 32) : rows;
        LaunchGrid(function, ((uint)Math.Min(blocks, 65535L * 16), 1, 1), BlockSize, stream, args);
    }

    private static void RequireFused(string op, DType dtype)
    {
        if (!dtype.IsFloatingPoint()) throw Unsupported(op, dtype);
    }
}

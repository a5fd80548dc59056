namespace CudaTensor.Backends.Cuda;

// Fused batch normalization (batchnorm.cu): a block per channel, grid-stride over the channels. The op layer hands over
// a contiguous [N, C, S] input and contiguous [C] vectors, so no scratch copies are needed.
internal sealed unsafe partial class CudaBackend : IFusedBatchNorm
{
    public void BatchNormForward(Strided y, Strided mean, Strided invstd, Strided x, Strided? weight, Strided? bias,
        Strided? runningMean, Strided? runningVar, bool training, double momentum, double eps)
    {
        RequireFused("BatchNorm", x.DType);
        long n = x.Shape[0], channels = x.Shape[1], s = x.Shape[2];
        if (channels == 0) return;
        nint stream = Begin();
        ulong py = Ptr(y, stream), pm = Ptr(mean, stream), pi = Ptr(invstd, stream), px = Ptr(x, stream), pw = PtrOrZero(weight, stream),
            pb = PtrOrZero(bias, stream), prm = PtrOrZero(runningMean, stream), prv = PtrOrZero(runningVar, stream);
        int train = training ? 1 : 0;
        LaunchChannels(CudaKernels.BatchNormForward, x.DType, channels, stream,
            [(nint)(&py), (nint)(&pm), (nint)(&pi), (nint)(&px), (nint)(&pw), (nint)(&pb), (nint)(&prm), (nint)(&prv),
             (nint)(&n), (nint)(&channels), (nint)(&s), (nint)(&train), (nint)(&momentum), (nint)(&eps)]);
    }

    public void BatchNormBackward(Strided? dx, Strided? dweight, Strided? dbias, Strided dy, Strided x, Strided mean, Strided invstd,
        Strided? weight, bool training)
    {
        RequireFused("BatchNormBackward", x.DType);
        long n = x.Shape[0], channels = x.Shape[1], s = x.Shape[2];
        if (channels == 0) return;
        nint stream = Begin();
        ulong pdx = PtrOrZero(dx, stream), pdw = PtrOrZero(dweight, stream), pdb = PtrOrZero(dbias, stream), pdy = Ptr(dy, stream), px = Ptr(x, stream),
            pm = Ptr(mean, stream), pi = Ptr(invstd, stream), pw = PtrOrZero(weight, stream);
        int train = training ? 1 : 0;
        LaunchChannels(CudaKernels.BatchNormBackward, x.DType, channels, stream,
            [(nint)(&pdx), (nint)(&pdw), (nint)(&pdb), (nint)(&pdy), (nint)(&px), (nint)(&pm), (nint)(&pi), (nint)(&pw),
             (nint)(&n), (nint)(&channels), (nint)(&s), (nint)(&train)]);
    }

    // A block per channel; beyond the grid limit the kernels' channel loop strides.
    private void LaunchChannels(string kernel, DType dtype, long channels, nint stream, ReadOnlySpan<nint> args)
        => LaunchGrid(Kernel(CudaKernels.BatchNormProgram, dtype, kernel), ((uint)Math.Min(channels, 65535L * 16), 1, 1), BlockSize, stream, args);
}

namespace CudaTensor.Backends.Cuda;

// Fused optimizer updates (optim.cu): one grid-stride kernel per step over contiguous operands, queued on the current
// stream like every other primitive. The flag values mirror the CT_ADAM_*, CT_SGD_* and CT_RMSPROP_* defines of optim.cu.
internal sealed unsafe partial class CudaBackend
{
    private const int AdamMaximize = 1, AdamDecoupled = 2, AdamCoupled = 4, AdamFromEnd = 8, AdamAmsgrad = 16;
    private const int SgdMaximize = 1, SgdDecay = 2, SgdMomentum = 4, SgdFirst = 8, SgdNesterov = 16;
    private const int RmspropMaximize = 1, RmspropDecay = 2, RmspropCentered = 4, RmspropFromEnd = 8, RmspropMomentum = 16;

    public void AdamStep(Strided param, Strided grad, Strided expAvg, Strided expAvgSq, Strided? maxExpAvgSq, in AdamStepArgs args, Strided? step = null)
    {
        if (step is { } s && s.DType != DType.Float32) throw new ArgumentException($"AdamStep: the step count must be a Float32 tensor, not {s.DType.Name()}.", nameof(step));
        if (!param.DType.IsFloatingPoint()) throw Unsupported(nameof(AdamStep), param.DType);
        long n = param.NumElements;
        if (n == 0) return;
        nint stream = Begin();
        ulong p = Ptr(param, stream), g = Ptr(grad, stream), m = Ptr(expAvg, stream), v = Ptr(expAvgSq, stream);
        ulong vmax = maxExpAvgSq is { } x ? Ptr(x, stream) : 0, count = (ulong)n;
        int flags = (args.Maximize ? AdamMaximize : 0)
            | (args.HasWeightDecay && args.Decoupled ? AdamDecoupled : 0)
            | (args.HasWeightDecay && !args.Decoupled ? AdamCoupled : 0)
            | (args.LerpFromEnd ? AdamFromEnd : 0)
            | (maxExpAvgSq is not null ? AdamAmsgrad : 0);
        double decay = args.DecayFactor, wd = args.WeightDecay, lerp = args.LerpFactor, beta2 = args.Beta2, oneMinusBeta2 = args.OneMinusBeta2;
        double bc2 = args.BiasCorrection2Sqrt, eps = args.Eps, negStep = args.NegStepSize;
        if (step is { } count1)
        {
            // Capturable: the kernel computes the bias corrections from the device's count.
            ulong t = Ptr(count1, stream);
            double beta1 = args.Beta1, lr = args.Lr;
            nint fd = Kernel(CudaKernels.OptimProgram, param.DType, CudaKernels.AdamStepDeviceKernel);
            Launch(fd, n, stream, [(nint)(&p), (nint)(&g), (nint)(&m), (nint)(&v), (nint)(&vmax), (nint)(&count),
                (nint)(&decay), (nint)(&wd), (nint)(&lerp), (nint)(&beta2), (nint)(&oneMinusBeta2), (nint)(&beta1), (nint)(&lr), (nint)(&eps), (nint)(&t), (nint)(&flags)]);
            return;
        }
        nint f = Kernel(CudaKernels.OptimProgram, param.DType, CudaKernels.AdamStepKernel);
        Launch(f, n, stream, [(nint)(&p), (nint)(&g), (nint)(&m), (nint)(&v), (nint)(&vmax), (nint)(&count),
            (nint)(&decay), (nint)(&wd), (nint)(&lerp), (nint)(&beta2), (nint)(&oneMinusBeta2), (nint)(&bc2), (nint)(&eps), (nint)(&negStep), (nint)(&flags)]);
    }

    public void SgdStep(Strided param, Strided grad, Strided? momentumBuffer, in SgdStepArgs args)
    {
        if (!param.DType.IsFloatingPoint()) throw Unsupported(nameof(SgdStep), param.DType);
        long n = param.NumElements;
        if (n == 0) return;
        nint stream = Begin();
        ulong p = Ptr(param, stream), g = Ptr(grad, stream), b = momentumBuffer is { } mb ? Ptr(mb, stream) : 0, count = (ulong)n;
        int flags = (args.Maximize ? SgdMaximize : 0)
            | (args.WeightDecay != 0 ? SgdDecay : 0)
            | (momentumBuffer is not null ? SgdMomentum : 0)
            | (args.FirstStep ? SgdFirst : 0)
            | (args.Nesterov ? SgdNesterov : 0);
        double wd = args.WeightDecay, momentum = args.Momentum, gradWeight = args.GradWeight, negLr = -args.Lr;
        nint f = Kernel(CudaKernels.OptimProgram, param.DType, CudaKernels.SgdStepKernel);
        Launch(f, n, stream, [(nint)(&p), (nint)(&g), (nint)(&b), (nint)(&count),
            (nint)(&wd), (nint)(&momentum), (nint)(&gradWeight), (nint)(&negLr), (nint)(&flags)]);
    }

    public void RmspropStep(Strided param, Strided grad, Strided squareAvg, Strided? gradAvg, Strided? momentumBuffer, in RmspropStepArgs args)
    {
        if (!param.DType.IsFloatingPoint()) throw Unsupported(nameof(RmspropStep), param.DType);
        long n = param.NumElements;
        if (n == 0) return;
        nint stream = Begin();
        ulong p = Ptr(param, stream), g = Ptr(grad, stream), v = Ptr(squareAvg, stream);
        ulong ga = gradAvg is { } a ? Ptr(a, stream) : 0, b = momentumBuffer is { } mb ? Ptr(mb, stream) : 0, count = (ulong)n;
        int flags = (args.Maximize ? RmspropMaximize : 0)
            | (args.HasWeightDecay ? RmspropDecay : 0)
            | (gradAvg is not null ? RmspropCentered : 0)
            | (args.LerpFromEnd ? RmspropFromEnd : 0)
            | (momentumBuffer is not null ? RmspropMomentum : 0);
        double wd = args.WeightDecay, alpha = args.Alpha, oneMinusAlpha = args.OneMinusAlpha, lerp = args.LerpFactor, eps = args.Eps;
        double momentum = args.Momentum, negLr = -args.Lr;
        nint f = Kernel(CudaKernels.OptimProgram, param.DType, CudaKernels.RmspropStepKernel);
        Launch(f, n, stream, [(nint)(&p), (nint)(&g), (nint)(&v), (nint)(&ga), (nint)(&b), (nint)(&count),
            (nint)(&wd), (nint)(&alpha), (nint)(&oneMinusAlpha), (nint)(&lerp), (nint)(&eps), (nint)(&momentum), (nint)(&negLr), (nint)(&flags)]);
    }
}

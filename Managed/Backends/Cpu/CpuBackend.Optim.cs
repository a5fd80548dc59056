using System.Numerics;

namespace CudaTensor.Backends.Cpu;

// Fused optimizer updates: the dtype is dispatched once to a generic kernel (OptimizerKernels.cs), which runs
// over contiguous element ranges on one or all cores.
internal sealed unsafe partial class CpuBackend
{
    public void AdamStep(Strided param, Strided grad, Strided expAvg, Strided expAvgSq, Strided? maxExpAvgSq, in AdamStepArgs args, Strided? step = null)
    {
        if (step is { } s && s.DType != DType.Float32) throw new ArgumentException($"AdamStep: the step count must be a Float32 tensor, not {s.DType.Name()}.", nameof(step));
        // Capturable: the count is read from memory when the update runs (a compiled replay sees the current value).
        var a = step is { } count ? args.AtStep(*(float*)Address(count)) : args;
        switch (param.DType)
        {
            case DType.Float32: AdamStep<float>(param, grad, expAvg, expAvgSq, maxExpAvgSq, a); break;
            case DType.Float64: AdamStep<double>(param, grad, expAvg, expAvgSq, maxExpAvgSq, a); break;
            default: throw Unsupported(nameof(AdamStep), param.DType);
        }
    }

    private static void AdamStep<T>(Strided param, Strided grad, Strided expAvg, Strided expAvgSq, Strided? maxExpAvgSq, in AdamStepArgs args)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* vmax = maxExpAvgSq is { } x ? (T*)Address(x) : null;
        var kernel = new AdamKernel<T>((T*)Address(param), (T*)Address(grad), (T*)Address(expAvg), (T*)Address(expAvgSq), vmax, args);
        ContiguousRanges.Run(kernel, param.NumElements);
    }

    public void SgdStep(Strided param, Strided grad, Strided? momentumBuffer, in SgdStepArgs args)
    {
        switch (param.DType)
        {
            case DType.Float32: SgdStep<float>(param, grad, momentumBuffer, args); break;
            case DType.Float64: SgdStep<double>(param, grad, momentumBuffer, args); break;
            default: throw Unsupported(nameof(SgdStep), param.DType);
        }
    }

    private static void SgdStep<T>(Strided param, Strided grad, Strided? momentumBuffer, in SgdStepArgs args)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* b = momentumBuffer is { } m ? (T*)Address(m) : null;
        ContiguousRanges.Run(new SgdKernel<T>((T*)Address(param), (T*)Address(grad), b, args), param.NumElements);
    }

    public void RmspropStep(Strided param, Strided grad, Strided squareAvg, Strided? gradAvg, Strided? momentumBuffer, in RmspropStepArgs args)
    {
        switch (param.DType)
        {
            case DType.Float32: RmspropStep<float>(param, grad, squareAvg, gradAvg, momentumBuffer, args); break;
            case DType.Float64: RmspropStep<double>(param, grad, squareAvg, gradAvg, momentumBuffer, args); break;
            default: throw Unsupported(nameof(RmspropStep), param.DType);
        }
    }

    private static void RmspropStep<T>(Strided param, Strided grad, Strided squareAvg, Strided? gradAvg, Strided? momentumBuffer, in RmspropStepArgs args)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* ga = gradAvg is { } a ? (T*)Address(a) : null;
        T* b = momentumBuffer is { } m ? (T*)Address(m) : null;
        ContiguousRanges.Run(new RmspropKernel<T>((T*)Address(param), (T*)Address(grad), (T*)Address(squareAvg), ga, b, args), param.NumElements);
    }
}

namespace CudaTensor.Backends.Cuda;

// The fused optimizer program (Kernels/optim.cu) and its kernels.
internal static partial class CudaKernels
{
    /// <summary>The program of the fused optimizer updates.</summary>
    public const string OptimProgram = "optim.cu";

    public const string AdamStepKernel = "ct_adam_step";
    /// <summary>Adam with the step count read from the device (capturable).</summary>
    public const string AdamStepDeviceKernel = "ct_adam_step_dev";
    public const string SgdStepKernel = "ct_sgd_step";
    public const string RmspropStepKernel = "ct_rmsprop_step";

    /// <summary>The dtypes the fused optimizer updates support (the CPU backend's too).</summary>
    /// <remarks>A new array per call, not a static field: <see cref="TypedPrograms"/>, in another part of this class,
    /// reads it while static fields initialize, in an order C# leaves unspecified across partial declarations.</remarks>
    public static DType[] OptimDTypes => [DType.Float32, DType.Float64];

    private static IEnumerable<(string Program, DType? DType, string Kernel)> OptimInstantiations()
    {
        foreach (var dtype in OptimDTypes)
        {
            yield return (OptimProgram, dtype, AdamStepKernel);
            yield return (OptimProgram, dtype, AdamStepDeviceKernel);
            yield return (OptimProgram, dtype, SgdStepKernel);
            yield return (OptimProgram, dtype, RmspropStepKernel);
        }
    }
}

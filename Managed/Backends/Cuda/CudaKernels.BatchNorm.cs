namespace CudaTensor.Backends.Cuda;

// The fused batch normalization program (Kernels/batchnorm.cu), for the floating dtypes.
internal static partial class CudaKernels
{
    /// <summary>The program of the fused batch normalization kernels.</summary>
    public const string BatchNormProgram = "batchnorm.cu";

    public const string BatchNormForward = "ct_batch_norm_forward";
    public const string BatchNormBackward = "ct_batch_norm_backward";

    private static IEnumerable<(string Program, DType? DType, string Kernel)> BatchNormInstantiations()
    {
        foreach (var dtype in FusedDTypes)
        {
            yield return (BatchNormProgram, dtype, BatchNormForward);
            yield return (BatchNormProgram, dtype, BatchNormBackward);
        }
    }
}

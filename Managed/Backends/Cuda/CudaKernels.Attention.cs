namespace CudaTensor.Backends.Cuda;

// The fused attention program (attention.cu): forward and the two backward kernels, each for head dims up to 64 and 128.
internal static partial class CudaKernels
{
    public const string AttentionProgram = "attention.cu";

    /// <summary>Rows (queries in the forward and dq kernels, keys in the dk/dv kernel) per block of AttentionThreads.</summary>
    public const uint AttentionRows = 32;

    /// <summary>Threads per block: four lanes per row.</summary>
    public const uint AttentionThreads = 128;

    /// <summary>The head-dim bounds the kernels are compiled for; larger heads take the composed path.</summary>
    public static IReadOnlyList<long> AttentionHeadDims { get; } = [64, 128];

    private static DType[] AttentionDTypes => [DType.Float32, DType.Float64];

    public static string AttentionForward(long bound) => $"ct_attention_forward_d{bound}";
    public static string AttentionBackwardDq(long bound) => $"ct_attention_backward_dq_d{bound}";
    public static string AttentionBackwardDkDv(long bound) => $"ct_attention_backward_dkdv_d{bound}";

    private static IEnumerable<(string Program, DType? DType, string Kernel)> AttentionInstantiations()
    {
        foreach (var dtype in AttentionDTypes)
        {
            foreach (long d in AttentionHeadDims)
            {
                yield return (AttentionProgram, dtype, AttentionForward(d));
                yield return (AttentionProgram, dtype, AttentionBackwardDq(d));
                yield return (AttentionProgram, dtype, AttentionBackwardDkDv(d));
            }
        }
    }
}

namespace CudaTensor.Backends.Cuda;

// The fused row programs (layernorm.cu, cross_entropy.cu): each kernel comes as _block (a block per row) and _warp (a
// warp per row, for rows of at most WarpRowMaxLength elements).
internal static partial class CudaKernels
{
    /// <summary>The dtypes of the fused row programs (a property, not a field: CudaKernels.cs's initializers read it, and
    /// field initializers of partial files run in no defined order).</summary>
    private static DType[] FusedDTypes => [DType.Float32, DType.Float64];

    /// <summary>Longest row a single warp owns (32 elements per lane); longer rows get a block.</summary>
    public const long WarpRowMaxLength = 1024;

    public static string LayerNormForward(bool warp) => "ct_layer_norm_forward_" + RowVariant(warp);
    public static string LayerNormBackward(bool warp) => "ct_layer_norm_backward_" + RowVariant(warp);
    public const string LayerNormAffine = "ct_layer_norm_affine";
    public static string CrossEntropyForward(bool warp) => "ct_cross_entropy_forward_" + RowVariant(warp);
    public static string CrossEntropyBackward(bool warp) => "ct_cross_entropy_backward_" + RowVariant(warp);

    private static string RowVariant(bool warp) => warp ? "warp" : "block";

    private static IEnumerable<(string Program, DType? DType, string Kernel)> FusedInstantiations()
    {
        foreach (var dtype in FusedDTypes)
        {
            foreach (bool warp in new[] { false, true })
            {
                yield return ("layernorm.cu", dtype, LayerNormForward(warp));
                yield return ("layernorm.cu", dtype, LayerNormBackward(warp));
                yield return ("cross_entropy.cu", dtype, CrossEntropyForward(warp));
                yield return ("cross_entropy.cu", dtype, CrossEntropyBackward(warp));
            }
            yield return ("layernorm.cu", dtype, LayerNormAffine);
        }
    }
}

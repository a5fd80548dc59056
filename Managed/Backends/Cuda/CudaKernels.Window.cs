namespace CudaTensor.Backends.Cuda;

// The sliding-window program (Kernels/window.cu): im2col for every dtype, its adjoint col2im for floating point.
internal static partial class CudaKernels
{
    /// <summary>The program of the sliding-window kernels.</summary>
    public const string WindowProgram = "window.cu";

    public const string Im2ColKernel = "ct_im2col";
    public const string Col2ImKernel = "ct_col2im";

    /// <summary>The dtypes window.cu is compiled for (im2col copies any element type).</summary>
    /// <remarks>A new array per call, not a static field: <see cref="TypedPrograms"/>, in another part of this class,
    /// reads it while static fields initialize, in an order C# leaves unspecified across partial declarations.</remarks>
    public static DType[] WindowDTypes => [DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool];

    private static IEnumerable<(string Program, DType? DType, string Kernel)> WindowInstantiations()
    {
        foreach (var dtype in WindowDTypes)
        {
            yield return (WindowProgram, dtype, Im2ColKernel);
            if (dtype.IsFloatingPoint()) yield return (WindowProgram, dtype, Col2ImKernel);
        }
    }
}

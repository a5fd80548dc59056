namespace CudaTensor.VirtualDevice.Blas;

/// <summary>The emulated cuBLAS and cuBLASLt functions, as (exported name, function pointer) pairs to register with the shims.</summary>
internal static class BlasEntryPoints
{
    /// <summary>Entry points of the libcublas shim.</summary>
    /// <returns>Name and <c>[UnmanagedCallersOnly]</c> function pointer of each implemented export.</returns>
    public static IReadOnlyList<(string Name, IntPtr Function)> Cublas() => CublasExports.All();

    /// <summary>Entry points of the libcublasLt shim.</summary>
    /// <returns>Name and <c>[UnmanagedCallersOnly]</c> function pointer of each implemented export.</returns>
    public static IReadOnlyList<(string Name, IntPtr Function)> CublasLt() => CublasLtExports.All();
}

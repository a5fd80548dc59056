using System.Collections.Concurrent;
using CudaTensor.Native;

namespace CudaTensor.CudaRuntime;

/// <summary>
/// Modules loaded into CUDA contexts, one per (context, compiled kernel key): the in-memory, per-context level
/// of the kernel cache. Modules stay loaded for the life of the process (they are small, and a context is
/// never destroyed while the library runs).
/// </summary>
internal static class LoadedModules
{
    private static readonly ConcurrentDictionary<(IntPtr Context, string Key), Lazy<CudaModuleHandle>> Modules = new();

    /// <summary>The module of <paramref name="kernel"/> in the context current on this thread, loading it once.</summary>
    /// <param name="kernel">A compiled kernel.</param>
    /// <returns>The module.</returns>
    /// <exception cref="InvalidOperationException">No context is current.</exception>
    public static CudaModuleHandle Get(CompiledKernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        IntPtr context = Driver.GetCurrentContext();
        if (context == IntPtr.Zero)
        {
            throw new InvalidOperationException("No CUDA context is current on this thread; make a device's primary context current before loading kernels.");
        }
        var entry = Modules.GetOrAdd((context, kernel.Key), _ => new Lazy<CudaModuleHandle>(() => Driver.LoadModule(kernel.Image)));
        try
        {
            return entry.Value;
        }
        catch
        {
            Modules.TryRemove(KeyValuePair.Create((context, kernel.Key), entry));
            throw;
        }
    }

    /// <summary>A kernel function of a compiled program, in the current context.</summary>
    /// <param name="kernel">The compiled program.</param>
    /// <param name="function">The <c>extern "C"</c> kernel name.</param>
    /// <returns>The CUfunction.</returns>
    public static IntPtr GetFunction(CompiledKernel kernel, string function) => Driver.GetFunction(Get(kernel), function);
}

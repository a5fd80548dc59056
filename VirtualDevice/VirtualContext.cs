namespace CudaTensor.VirtualDevice;

/// <summary>
/// What an emulated library (cuBLAS, cuBLASLt) needs from the emulated driver's context: global memory, and a
/// way to run work in a stream's order (captured into a graph while the stream captures).
/// </summary>
internal interface IVirtualContext
{
    /// <summary>The context's device memory.</summary>
    IGlobalMemory Memory { get; }

    /// <summary>
    /// Enqueues <paramref name="work"/> on <paramref name="stream"/> (a CUstream handle; zero is the legacy default
    /// stream). A <see cref="DeviceFaultException"/> thrown by the work is reported as the driver reports a kernel
    /// fault (at the next synchronizing call).
    /// </summary>
    /// <param name="stream">The stream handle.</param>
    /// <param name="name">What the work is, for fault messages ("cublasSgemm_v2").</param>
    /// <param name="work">The work.</param>
    /// <returns>Success, or the error the driver returns for a bad stream handle.</returns>
    CudaErrorCode Enqueue(IntPtr stream, string name, Action work);
}

/// <summary>The calling thread's current virtual context, as the emulated driver tracks it.</summary>
internal static class VirtualContexts
{
    private static Func<IVirtualContext?> current = static () => null;

    /// <summary>The calling thread's current context, or null when none is current.</summary>
    public static IVirtualContext? Current => current();

    /// <summary>Set once by the emulated driver when it is activated.</summary>
    /// <param name="provider">Returns the calling thread's current context.</param>
    internal static void SetProvider(Func<IVirtualContext?> provider) => current = provider;
}

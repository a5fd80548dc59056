namespace CudaTensor.VirtualDevice.Ptx;

/// <summary>Runs a decoded kernel over a grid.</summary>
internal static class PtxExecutor
{
    /// <summary>
    /// Runs <paramref name="kernel"/> to completion: blocks in parallel on host threads, each block as warps of 32
    /// lanes. Launch-configuration checks (block size, shared-memory limits) are the driver's, made before this.
    /// </summary>
    /// <param name="kernel">The kernel.</param>
    /// <param name="settings">Grid, block, dynamic shared memory, parallelism.</param>
    /// <param name="parameters">The parameter buffer laid out as <see cref="PtxKernel.Parameters"/> says.</param>
    /// <param name="memory">Global memory.</param>
    /// <param name="globalAddresses">Device address of each of the module's <see cref="PtxModule.Globals"/>, by index.</param>
    /// <exception cref="DeviceFaultException">An access fault, a trap, barrier divergence; the message names the kernel, block, thread and address.</exception>
    public static void Launch(PtxKernel kernel, in LaunchSettings settings, ReadOnlySpan<byte> parameters, IGlobalMemory memory, ReadOnlySpan<ulong> globalAddresses)
        => throw new NotImplementedException("PTX executor pending");
}

/// <summary>PTX the virtual device cannot load: malformed text or an instruction it does not implement.</summary>
internal sealed class PtxLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, with the line number and the line's text.</param>
    public PtxLoadException(string message) : base(message)
    {
    }
}

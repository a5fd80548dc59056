namespace CudaTensor.VirtualDevice.Ptx;

/// <summary>A PTX module parsed and decoded once: its kernels and its module-scope <c>.global</c> variables.</summary>
internal sealed class PtxModule
{
    private PtxModule(IReadOnlyList<PtxKernel> kernels, IReadOnlyList<PtxGlobalVariable> globals)
    {
        Kernels = kernels;
        Globals = globals;
    }

    /// <summary>The <c>.entry</c> functions.</summary>
    public IReadOnlyList<PtxKernel> Kernels { get; }

    /// <summary>Module-scope <c>.global</c> (and <c>.const</c>) variables the driver must allocate before a launch.</summary>
    public IReadOnlyList<PtxGlobalVariable> Globals { get; }

    /// <summary>Parses and decodes PTX text.</summary>
    /// <param name="ptx">The module text (NUL terminator allowed).</param>
    /// <returns>The module.</returns>
    /// <exception cref="PtxLoadException">Malformed PTX or an instruction the executor does not implement (names its text and line).</exception>
    public static PtxModule Parse(string ptx)
    {
        ArgumentNullException.ThrowIfNull(ptx);
        PtxParser parser = PtxParser.Parse(ptx);
        var kernels = parser.Functions.Where(f => f.IsEntry && f.HasBody).Select(f => PtxDecoder.Decode(parser, f)).ToList();
        return new PtxModule(kernels, PtxDecoder.Globals(parser));
    }

    /// <summary>The kernel named <paramref name="name"/>, or null.</summary>
    /// <param name="name">The entry's name as written in the PTX.</param>
    /// <returns>The kernel or null.</returns>
    public PtxKernel? FindKernel(string name) => Kernels.FirstOrDefault(k => k.Name == name);
}

/// <summary>A module-scope variable in global (or constant) memory.</summary>
/// <param name="Name">Its PTX name.</param>
/// <param name="SizeBytes">Size in bytes.</param>
/// <param name="Alignment">Alignment in bytes.</param>
/// <param name="InitialBytes">Initial contents (zeros when the PTX gives no initializer); length is <paramref name="SizeBytes"/>.</param>
internal sealed record PtxGlobalVariable(string Name, int SizeBytes, int Alignment, byte[] InitialBytes);

/// <summary>One kernel parameter as laid out in the parameter buffer handed to <see cref="PtxExecutor.Launch"/>.</summary>
/// <param name="Offset">Byte offset in the parameter buffer (aligned to <paramref name="Alignment"/>).</param>
/// <param name="SizeBytes">Size in bytes (the size cuLaunchKernel copies from <c>kernelParams[i]</c>).</param>
/// <param name="Alignment">Alignment in bytes.</param>
internal readonly record struct PtxParameter(int Offset, int SizeBytes, int Alignment);

/// <summary>A grid or block extent.</summary>
/// <param name="X">Extent in x.</param>
/// <param name="Y">Extent in y.</param>
/// <param name="Z">Extent in z.</param>
internal readonly record struct Dim3(uint X, uint Y, uint Z)
{
    /// <summary>X * Y * Z.</summary>
    public ulong Count => (ulong)X * Y * Z;
}

/// <summary>How one launch runs.</summary>
/// <param name="Grid">Blocks in the grid.</param>
/// <param name="Block">Threads in a block.</param>
/// <param name="DynamicSharedBytes">Dynamic shared memory per block (the <c>extern .shared</c> array).</param>
/// <param name="MaxParallelism">Most blocks run at once on host threads.</param>
internal readonly record struct LaunchSettings(Dim3 Grid, Dim3 Block, int DynamicSharedBytes, int MaxParallelism);

namespace CudaTensor.VirtualDevice.Ptx;

/// <summary>One decoded <c>.entry</c>.</summary>
internal sealed class PtxKernel
{
    /// <summary>Creates a kernel description (the decoder fills in the body).</summary>
    /// <param name="name">Entry name.</param>
    /// <param name="parameters">Parameters in declaration order.</param>
    /// <param name="parameterBytes">Size of the whole parameter buffer.</param>
    /// <param name="staticSharedBytes">Bytes of <c>.shared</c> variables the kernel (and the functions it calls) declare.</param>
    /// <param name="maxThreadsPerBlock">From <c>.maxntid</c>, or null.</param>
    public PtxKernel(string name, IReadOnlyList<PtxParameter> parameters, int parameterBytes, int staticSharedBytes, int? maxThreadsPerBlock)
    {
        Name = name;
        Parameters = parameters;
        ParameterBytes = parameterBytes;
        StaticSharedBytes = staticSharedBytes;
        MaxThreadsPerBlock = maxThreadsPerBlock;
    }

    /// <summary>Entry name.</summary>
    public string Name { get; }

    /// <summary>Parameters in declaration order.</summary>
    public IReadOnlyList<PtxParameter> Parameters { get; }

    /// <summary>Size of the parameter buffer.</summary>
    public int ParameterBytes { get; }

    /// <summary>Static shared memory per block, bytes.</summary>
    public int StaticSharedBytes { get; }

    /// <summary>The <c>.maxntid</c> product, or null when the PTX sets none.</summary>
    public int? MaxThreadsPerBlock { get; }
}

using CudaTensor.VirtualDevice.Ptx;

namespace CudaTensor.VirtualDevice.Driver;

/// <summary>A CUmodule: decoded PTX and its module-scope variables, allocated in the loading context's device memory.</summary>
internal sealed class DriverModule
{
    private readonly Dictionary<string, DriverFunction> _functions = [];

    /// <summary>Creates a loaded module.</summary>
    /// <param name="context">The context it was loaded into.</param>
    /// <param name="module">The decoded PTX.</param>
    /// <param name="globalAddresses">Device address of each of <see cref="PtxModule.Globals"/>.</param>
    public DriverModule(DriverContext context, PtxModule module, ulong[] globalAddresses)
    {
        Context = context;
        Module = module;
        GlobalAddresses = globalAddresses;
        Handle = HandleTable.Add(this);
    }

    /// <summary>The CUmodule value.</summary>
    public IntPtr Handle { get; }

    /// <summary>The loading context.</summary>
    public DriverContext Context { get; }

    /// <summary>The decoded PTX.</summary>
    public PtxModule Module { get; }

    /// <summary>Device address of each module-scope variable, by index.</summary>
    public ulong[] GlobalAddresses { get; }

    /// <summary>The function for <paramref name="name"/> (one handle per kernel), or null.</summary>
    /// <param name="name">The entry's name.</param>
    /// <returns>The function or null.</returns>
    public DriverFunction? Function(string name)
    {
        lock (_functions)
        {
            if (_functions.TryGetValue(name, out DriverFunction? f))
            {
                return f;
            }
            PtxKernel? kernel = Module.FindKernel(name);
            if (kernel is null)
            {
                return null;
            }
            f = new DriverFunction(this, kernel);
            _functions[name] = f;
            return f;
        }
    }

    /// <summary>Forgets the module's function handles (cuModuleUnload).</summary>
    public void Unload()
    {
        lock (_functions)
        {
            foreach (DriverFunction f in _functions.Values)
            {
                HandleTable.Remove(f.Handle);
            }
            _functions.Clear();
        }
        HandleTable.Remove(Handle);
    }
}

/// <summary>A CUfunction: one kernel of a module and its settable attributes.</summary>
internal sealed class DriverFunction
{
    /// <summary>Creates the function of <paramref name="kernel"/>.</summary>
    /// <param name="module">The module.</param>
    /// <param name="kernel">The kernel.</param>
    public DriverFunction(DriverModule module, PtxKernel kernel)
    {
        Module = module;
        Kernel = kernel;
        MaxDynamicSharedBytes = Math.Max(0, DeviceProperties.SharedPerBlock - kernel.StaticSharedBytes);
        Handle = HandleTable.Add(this);
    }

    /// <summary>The CUfunction value.</summary>
    public IntPtr Handle { get; }

    /// <summary>The module.</summary>
    public DriverModule Module { get; }

    /// <summary>The kernel.</summary>
    public PtxKernel Kernel { get; }

    /// <summary>CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES: 48 KiB less the static shared memory, unless raised (opt-in).</summary>
    public int MaxDynamicSharedBytes { get; set; }

    /// <summary>The largest block the kernel may run: 1024, or its <c>.maxntid</c>.</summary>
    public int MaxThreadsPerBlock => Math.Min(DeviceProperties.MaxThreadsPerBlock, Kernel.MaxThreadsPerBlock ?? int.MaxValue);
}

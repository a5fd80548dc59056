using System.Globalization;
using CudaTensor.Backends.Cuda;
using CudaTensor.Native;
using CudaTensor.CudaRuntime;

namespace CudaTensor;

/// <summary>
/// A CUDA C kernel written by the user (as CuPy's <c>RawKernel</c>): compiled by NVRTC with the library's kernel
/// compiler for each device's architecture, cached in memory and on disk like the library's own kernels (keyed by the
/// source, the options, the NVRTC version and the target), and launched on the current stream of its tensors' device.
/// </summary>
/// <remarks>
/// <para>Example:</para>
/// <code>
/// using var saxpy = new RawKernel("""
///     extern "C" __global__ void saxpy(float a, const float* x, float* y, int n)
///     {
///         int i = blockIdx.x * blockDim.x + threadIdx.x;
///         if (i &lt; n) y[i] = a * x[i] + y[i];
///     }
///     """, "saxpy");
/// var x = Tensor.Rand([1000], device: Device.Cuda());
/// var y = Tensor.Ones([1000], device: Device.Cuda());
/// saxpy.Launch(grid: (1000 + 255) / 256, block: 256, sharedBytes: 0, 2f, x, y, 1000);
/// </code>
/// <para>The kernel must be <c>extern "C"</c> (C++ names are mangled) and is found by its name. The options are
/// <c>--std=c++17 -default-device -arch=...</c> followed by <see cref="Options"/>; the headers of the library's
/// <c>Kernels/</c> folder are available to <c>#include</c>; no CUDA SDK header is.</para>
/// <para>Arguments: a CUDA <see cref="Tensor"/> is passed as the address of its first element (storage address +
/// <see cref="Tensor.StorageOffset"/> × element size), whatever its strides; C# <see cref="int"/>, <see cref="uint"/>,
/// <see cref="long"/>, <see cref="ulong"/>, <see cref="float"/>, <see cref="double"/> and <see cref="bool"/> values are
/// passed by value. The kernel's parameter list is read from the source (a small parser; see
/// <see cref="ParameterCount"/>): the argument count must match it, and, unless <see cref="CheckArgumentTypes"/> is off,
/// each argument's type too (<c>float*</c> takes a Float32 tensor, <c>int</c> an <see cref="int"/>, <c>long long</c> a
/// <see cref="long"/>, <c>void*</c> any tensor). A kernel whose signature the parser cannot find (e.g. one declared by
/// a macro) is launched unchecked. What a kernel writes is invisible to autograd.</para>
/// </remarks>
public sealed class RawKernel : IDisposable
{
    // Dynamic shared memory above 48 KiB needs an opt-in per function (CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES).
    private const int DefaultSharedLimitBytes = 48 * 1024;
    private const int MaxDynamicSharedSizeAttribute = 8;

    private static readonly bool SyncEveryLaunch = Environment.GetEnvironmentVariable(CudaBackend.SyncVariable) == "1";

    private readonly Lock _gate = new();
    private readonly Dictionary<nint, (CudaDeviceContext Device, CudaModuleHandle Module, nint Function)> _loaded = [];
    private readonly IReadOnlyList<KernelParameter>? _parameters;
    private bool _disposed;

    /// <summary>Parses the kernel's parameters; compiles nothing yet (the first launch on a device compiles for it).</summary>
    /// <param name="source">CUDA C source defining an <c>extern "C" __global__</c> function named <paramref name="name"/>.</param>
    /// <param name="name">The kernel's name.</param>
    /// <param name="options">Extra NVRTC options, e.g. <c>-DN=4</c> or <c>--use_fast_math</c> (not <c>-arch</c>: the library
    /// picks each device's architecture).</param>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a C identifier, or an option is empty or sets the architecture.</exception>
    public RawKernel(string source, string name, IEnumerable<string>? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_') || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException($"RawKernel: '{name}' is not a kernel name; give the C identifier of an extern \"C\" __global__ function.", nameof(name));
        }
        string[] extra = options?.ToArray() ?? [];
        foreach (string option in extra)
        {
            if (string.IsNullOrWhiteSpace(option))
            {
                throw new ArgumentException($"RawKernel '{name}': an NVRTC option is empty.", nameof(options));
            }
            string o = option.Trim();
            if (o.StartsWith("-arch", StringComparison.Ordinal) || o.StartsWith("--gpu-architecture", StringComparison.Ordinal))
            {
                throw new ArgumentException($"RawKernel '{name}': option '{o}' sets the architecture, which the library picks for each device; remove it.", nameof(options));
            }
        }
        Source = source;
        Name = name;
        Options = extra;
        _parameters = KernelSignature.Find(source, name);
    }

    /// <summary>The CUDA C source.</summary>
    public string Source { get; }

    /// <summary>The kernel's name.</summary>
    public string Name { get; }

    /// <summary>The extra NVRTC options.</summary>
    public IReadOnlyList<string> Options { get; }

    /// <summary>
    /// The number of parameters in the kernel's declaration, found by parsing the source; null when no
    /// <c>__global__ void</c> function of this name was found (macros are not expanded), in which case launches are not
    /// checked against it.
    /// </summary>
    public int? ParameterCount => _parameters?.Count;

    /// <summary>
    /// Whether each argument's type is checked against the declaration (default true): a tensor's dtype against the
    /// pointer's element type where it is one of float, double, int, long long, bool, unsigned char, and a number's C#
    /// type against a scalar parameter. The argument count and the device checks are always made.
    /// </summary>
    public bool CheckArgumentTypes { get; init; } = true;

    private string ProgramName => Name + ".cu";

    /// <summary>Compiles (or finds in the cache) and loads the kernel for <paramref name="device"/> ahead of the first launch.</summary>
    /// <param name="device">A CUDA device.</param>
    /// <exception cref="ArgumentException"><paramref name="device"/> is not a CUDA device, or the module has no kernel of this name.</exception>
    /// <exception cref="KernelCompilationException">The source does not compile; the message has NVRTC's log.</exception>
    /// <exception cref="NotSupportedException">CUDA is unusable or the device does not exist (the message says why).</exception>
    /// <exception cref="ObjectDisposedException">The kernel was disposed.</exception>
    public void Compile(Device device)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!device.IsCuda)
        {
            throw new ArgumentException($"RawKernel '{Name}'.Compile: {device} is not a CUDA device.", nameof(device));
        }
        _ = Function(CudaDeviceContext.For(device.Index));
    }

    /// <summary>
    /// Queues the kernel on the current stream (<see cref="Cuda.CurrentStream"/>) of its tensors' device (cuda:0 when
    /// no argument is a tensor). Returns without waiting; reading a result tensor (<c>ToArray</c>) waits for it.
    /// </summary>
    /// <param name="grid">Blocks in the grid; every dimension at least 1.</param>
    /// <param name="block">Threads per block; every dimension at least 1, at most the device's threads per block in all.</param>
    /// <param name="sharedBytes">Dynamic shared memory per block (<c>extern __shared__</c>), in bytes.</param>
    /// <param name="args">The kernel's arguments, in order: CUDA tensors and numbers (see the remarks of <see cref="RawKernel"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">A grid or block dimension is below 1, the block has more threads than
    /// the device allows, or <paramref name="sharedBytes"/> is negative or above the device's limit.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="args"/> or one of its elements is null.</exception>
    /// <exception cref="ArgumentException">An argument is a CPU tensor, of an unsupported type, on another device than the
    /// others, or does not match the kernel's parameter list (count; type when <see cref="CheckArgumentTypes"/>); or the
    /// compiled module has no kernel of this name.</exception>
    /// <exception cref="KernelCompilationException">The source does not compile; the message has NVRTC's log.</exception>
    /// <exception cref="NotSupportedException">CUDA is unusable (the message says why).</exception>
    /// <exception cref="CudaException">The driver rejected the launch.</exception>
    /// <exception cref="ObjectDisposedException">The kernel, or a tensor argument, was disposed.</exception>
    public unsafe void Launch(Dim3 grid, Dim3 block, int sharedBytes, params object[] args)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(args);
        CheckSize(grid, nameof(grid));
        CheckSize(block, nameof(block));
        if (sharedBytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sharedBytes), sharedBytes, $"RawKernel '{Name}'.Launch: sharedBytes must be 0 or more.");
        }
        Device device = CheckArguments(args);
        CudaDeviceContext context = CudaDeviceContext.For(device.Index);
        CheckLimits(context, block, sharedBytes);
        nint function = Function(context);

        context.MakeCurrent();
        nint stream = context.CurrentStream.Handle;
        var slots = new ulong[args.Length];
        for (int i = 0; i < args.Length; i++)
        {
            slots[i] = args[i] is Tensor t ? DataPointer(t, stream) : ScalarBits(args[i]);
        }
        if (sharedBytes > DefaultSharedLimitBytes)
        {
            Driver.SetFunctionAttribute(function, MaxDynamicSharedSizeAttribute, sharedBytes);
        }
        // One 8-byte slot per argument; the driver copies the parameter's declared size from the slot's start, which on
        // a little-endian machine holds a 4-byte or 1-byte value's bytes.
        var pointers = new IntPtr[args.Length];
        fixed (ulong* values = slots)
        {
            for (int i = 0; i < slots.Length; i++)
            {
                pointers[i] = (IntPtr)(values + i);
            }
            Driver.Launch(function, ((uint)grid.X, (uint)grid.Y, (uint)grid.Z), ((uint)block.X, (uint)block.Y, (uint)block.Z),
                (uint)sharedBytes, stream, pointers);
        }
        if (SyncEveryLaunch)
        {
            Driver.SynchronizeStream(stream);
        }
        GC.KeepAlive(args);
    }

    /// <summary>
    /// Unloads the kernel's modules, after waiting for the work queued on their devices (a module must not be unloaded
    /// under a running kernel). The compiled code stays in the kernel cache. Later launches throw.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            foreach (var (device, module, _) in _loaded.Values)
            {
                device.MakeCurrent();
                try
                {
                    Driver.SynchronizeContext();
                }
                catch (CudaException)
                {
                    // A fault of earlier work is sticky: the next call on the device reports it again, where it can be
                    // handled; Dispose still unloads the module.
                }
                module.Dispose();
            }
            _loaded.Clear();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"RawKernel '{Name}' ({ParameterCount?.ToString(CultureInfo.InvariantCulture) ?? "unknown number of"} parameters)";

    /// <summary>Compiles (or finds in the cache) the kernel for a target without loading it: NVRTC only, no GPU needed.</summary>
    /// <param name="target">The target.</param>
    /// <returns>The compiled program.</returns>
    /// <exception cref="KernelCompilationException">The source does not compile.</exception>
    internal CompiledKernel CompileFor(KernelTarget target)
        => KernelCache.Shared.GetOrCompile(ProgramName, Source, target, fastMath: false, Options);

    private nint Function(CudaDeviceContext context)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_loaded.TryGetValue(context.Context, out var loaded))
            {
                return loaded.Function;
            }
            CompiledKernel compiled = CompileFor(context.Target);
            context.MakeCurrent();
            CudaModuleHandle module = Driver.LoadModule(compiled.Image);
            nint function;
            try
            {
                function = Driver.GetFunction(module, Name);
            }
            catch (CudaException e) when (e.Result == CuResult.CUDA_ERROR_NOT_FOUND)
            {
                module.Dispose();
                throw new ArgumentException(NotFoundMessage(), e);
            }
            catch
            {
                module.Dispose();
                throw;
            }
            _loaded[context.Context] = (context, module, function);
            return function;
        }
    }

    private string NotFoundMessage()
    {
        IReadOnlyList<string> kernels = KernelSignature.KernelNames(Source);
        string found = kernels.Count == 0 ? "the source declares no __global__ function" : "its __global__ functions are " + string.Join(", ", kernels);
        return $"RawKernel: the compiled module has no kernel named '{Name}'; {found}. "
            + (kernels.Contains(Name) ? $"Declare '{Name}' extern \"C\" (C++ names are mangled; templates cannot be launched by name)." : "Pass one of those names.");
    }

    private void CheckSize(Dim3 size, string parameter)
    {
        if (size.X < 1 || size.Y < 1 || size.Z < 1)
        {
            throw new ArgumentOutOfRangeException(parameter, size, $"RawKernel '{Name}'.Launch: {parameter} {size} has a dimension below 1; every dimension must be at least 1.");
        }
    }

    private void CheckLimits(CudaDeviceContext context, Dim3 block, int sharedBytes)
    {
        CudaDeviceInfo info = context.Info;
        if (block.Count > info.MaxThreadsPerBlock)
        {
            throw new ArgumentOutOfRangeException(nameof(block), block,
                $"RawKernel '{Name}'.Launch: block {block} has {block.Count} threads; {context.Device} allows at most {info.MaxThreadsPerBlock} per block.");
        }
        int limit = Math.Max(info.MaxSharedMemoryPerBlockBytes, info.MaxSharedMemoryPerBlockOptinBytes);
        if (sharedBytes > limit)
        {
            throw new ArgumentOutOfRangeException(nameof(sharedBytes), sharedBytes,
                $"RawKernel '{Name}'.Launch: {sharedBytes} bytes of dynamic shared memory; {context.Device} allows at most {limit} per block (static shared memory included).");
        }
    }

    // Validates every argument without touching the GPU, and returns the device the tensors are on.
    private Device CheckArguments(object[] args)
    {
        if (_parameters is { } declared && declared.Count != args.Length)
        {
            throw new ArgumentException($"RawKernel '{Name}' takes {declared.Count} argument(s) ({string.Join(", ", declared.Select(p => p.Declaration))}) "
                + $"but Launch got {args.Length}.", nameof(args));
        }
        Device? device = null;
        for (int i = 0; i < args.Length; i++)
        {
            object arg = args[i] ?? throw new ArgumentNullException(nameof(args), $"RawKernel '{Name}'.Launch: argument {i} is null.");
            KernelParameter? parameter = _parameters?[i];
            if (arg is Tensor t)
            {
                t.ThrowIfDisposed();
                if (!t.Device.IsCuda)
                {
                    throw new ArgumentException($"RawKernel '{Name}'.Launch: argument {i} is {t.Describe()}; kernels read device memory, so move it with .To(Device.Cuda()) first.", nameof(args));
                }
                if (device is { } d && d != t.Device)
                {
                    throw new ArgumentException($"RawKernel '{Name}'.Launch: argument {i} is {t.Describe()}, but an earlier tensor argument is on {d}; put every tensor on one device.", nameof(args));
                }
                device = t.Device;
            }
            else if (!IsScalar(arg))
            {
                throw new ArgumentException($"RawKernel '{Name}'.Launch: argument {i} is a {arg.GetType().Name}; pass CUDA tensors and int, uint, long, ulong, float, double or bool values.", nameof(args));
            }
            if (CheckArgumentTypes && parameter is not null)
            {
                CheckType(i, arg, parameter);
            }
        }
        return device ?? Device.Cuda(0);
    }

    private void CheckType(int index, object arg, KernelParameter parameter)
    {
        string mismatch = (parameter.Kind, arg) switch
        {
            (KernelParameterKind.Pointer, Tensor t) when parameter.ElementType is { } e && e != t.DType => $"a {t.DType.Name()} tensor, but the pointer's elements are {e.Name()}",
            (KernelParameterKind.Pointer, Tensor) => "",
            (KernelParameterKind.Pointer, _) => $"a {arg.GetType().Name} value, but the parameter is a pointer: pass a CUDA tensor",
            (KernelParameterKind.Scalar, Tensor) => $"a tensor, but the parameter is a {parameter.ScalarType!.Name} value",
            (KernelParameterKind.Scalar, _) when arg.GetType() != parameter.ScalarType => $"a {arg.GetType().Name}, but the parameter needs a {parameter.ScalarType!.Name} (cast it)",
            _ => "",
        };
        if (mismatch.Length > 0)
        {
            throw new ArgumentException($"RawKernel '{Name}'.Launch: argument {index} ({parameter.Declaration}) is {mismatch}. "
                + "Set CheckArgumentTypes = false to pass it anyway.");
        }
    }

    private static bool IsScalar(object value) => value is int or uint or long or ulong or float or double or bool;

    private static ulong ScalarBits(object value) => value switch
    {
        int v => (uint)v,
        uint v => v,
        long v => (ulong)v,
        ulong v => v,
        float v => BitConverter.SingleToUInt32Bits(v),
        double v => BitConverter.DoubleToUInt64Bits(v),
        bool v => v ? 1UL : 0UL,
        _ => throw new ArgumentException($"Unsupported kernel argument type {value.GetType().Name}.", nameof(value)),
    };

    private static ulong DataPointer(Tensor tensor, nint stream)
    {
        if (tensor.Storage is not CudaStorage storage)
        {
            throw new ArgumentException($"RawKernel: {tensor.Describe()} is not backed by CUDA device memory.", nameof(tensor));
        }
        storage.UseOn(stream);
        return storage.Address + (ulong)(tensor.StorageOffset * tensor.DType.ElementSize());
    }
}

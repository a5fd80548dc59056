using System.Runtime.InteropServices;
using CudaTensor.VirtualDevice.Blas;
using CudaTensor.VirtualDevice.Driver;

namespace CudaTensor.VirtualDevice;

/// <summary>The libraries the virtual device stands in for.</summary>
internal enum VirtualLibrary
{
    /// <summary>libcuda.so.1.</summary>
    Driver,

    /// <summary>libcublas.so.13.</summary>
    Cublas,

    /// <summary>libcublasLt.so.13.</summary>
    CublasLt,
}

/// <summary>A shim loaded and wired to the emulator.</summary>
/// <param name="Handle">The native library handle (what the binding's imports resolve to).</param>
/// <param name="Path">The shim file.</param>
internal sealed record VirtualLibraryHandle(IntPtr Handle, string Path);

/// <summary>
/// Switches the virtual device on: parses <c>CUDATENSOR_VIRTUAL_DEVICE</c>, creates the devices, loads each C shim
/// from the <c>virtual-device/</c> folder beside the application and registers the emulator's entry points with it.
/// The native binding then resolves its imports to the shims instead of the real libraries.
/// </summary>
/// <remarks>
/// Why C shims rather than function pointers resolved in the binding: the binding's <c>[LibraryImport]</c>
/// declarations stay exactly as they are on a GPU and are exercised for real (symbol names, <c>_v2</c> versions,
/// argument types, calling convention), against prototypes written from NVIDIA's headers.
/// </remarks>
internal static unsafe class VirtualDeviceActivation
{
    /// <summary>The folder, beside the application, that holds the shims.</summary>
    public const string ShimFolder = "virtual-device";

    private static readonly object Gate = new();
    private static readonly Dictionary<VirtualLibrary, VirtualLibraryHandle> Loaded = [];
    private static VirtualDeviceOptions? s_options;
    private static delegate* unmanaged[Cdecl]<byte*> s_lastUnsupported;

    /// <summary>True when the environment asks for the virtual device.</summary>
    public static bool IsRequested => VirtualDeviceOptions.IsRequested(Environment.GetEnvironmentVariable(VirtualDeviceOptions.Variable));

    /// <summary>The options in use, or null before activation.</summary>
    public static VirtualDeviceOptions? Options => s_options;

    /// <summary>The shim file name of <paramref name="library"/>.</summary>
    /// <param name="library">The library.</param>
    /// <returns>E.g. libcuda.so.1.</returns>
    public static string FileName(VirtualLibrary library) => library switch
    {
        VirtualLibrary.Driver => "libcuda.so.1",
        VirtualLibrary.Cublas => "libcublas.so.13",
        VirtualLibrary.CublasLt => "libcublasLt.so.13",
        _ => throw new ArgumentOutOfRangeException(nameof(library), library, "Unknown library."),
    };

    /// <summary>The folder the shims are loaded from.</summary>
    public static string Folder => Path.Combine(AppContext.BaseDirectory, ShimFolder);

    /// <summary>Loads the shim of <paramref name="library"/> and registers the emulator's functions with it (once).</summary>
    /// <param name="library">The library.</param>
    /// <returns>The loaded shim.</returns>
    /// <exception cref="InvalidOperationException">The options are invalid, the shim is missing (gcc did not build it) or does not load.</exception>
    public static VirtualLibraryHandle Load(VirtualLibrary library)
    {
        lock (Gate)
        {
            if (Loaded.TryGetValue(library, out VirtualLibraryHandle? done))
            {
                return done;
            }
            Configure();
            string path = Path.Combine(Folder, FileName(library));
            if (!OperatingSystem.IsLinux())
            {
                throw new InvalidOperationException(
                    $"{VirtualDeviceOptions.Variable} is set, but the virtual device's shims are built for Linux only (this is {RuntimeInformation.OSDescription}).");
            }
            if (!File.Exists(path))
            {
                throw new InvalidOperationException(
                    $"{VirtualDeviceOptions.Variable} is set, but the virtual device's shim {path} is missing. From source, the build "
                    + "compiles VirtualDevice/Shim/*.c with gcc: install gcc (apt-get install gcc) and rebuild. From the "
                    + "CudaTensor.VirtualDevice package, the shims are copied beside the app only for linux-x64 (or no runtime "
                    + "identifier): build or publish for linux-x64. Or unset the variable.");
            }
            if (!NativeLibrary.TryLoad(path, out IntPtr handle))
            {
                throw new InvalidOperationException($"The virtual device's shim {path} exists but does not load (a shim built for another platform?); rebuild it.");
            }
            var register = (delegate* unmanaged[Cdecl]<byte*, IntPtr, int>)NativeLibrary.GetExport(handle, "ctvd_register");
            IReadOnlyList<(string Name, IntPtr Function)> entries = library switch
            {
                VirtualLibrary.Driver => DriverExports.All(),
                VirtualLibrary.Cublas => BlasEntryPoints.Cublas(),
                _ => BlasEntryPoints.CublasLt(),
            };
            foreach (var (name, function) in entries)
            {
                byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(name + "\0");
                fixed (byte* n = utf8)
                {
                    if (register(n, function) != 0)
                    {
                        throw new InvalidOperationException($"The virtual device's shim {path} has no export '{name}' for the emulator to register; rebuild the shim.");
                    }
                }
            }
            if (library == VirtualLibrary.Driver)
            {
                s_lastUnsupported = (delegate* unmanaged[Cdecl]<byte*>)NativeLibrary.GetExport(handle, "ctvd_last_unsupported");
            }
            var result = new VirtualLibraryHandle(handle, path);
            Loaded[library] = result;
            return result;
        }
    }

    /// <summary>
    /// What the virtual device knows about the calling thread's last failing driver call with status
    /// <paramref name="code"/> (the fault message, the limit exceeded, the export not implemented), or null.
    /// </summary>
    /// <param name="code">The CUresult the caller saw.</param>
    /// <returns>The detail or null.</returns>
    public static string? LastErrorDetail(int code)
    {
        string? detail = DriverErrors.Detail(code);
        if (detail is null && code == (int)CudaErrorCode.NotSupported && s_lastUnsupported != null)
        {
            byte* name = s_lastUnsupported();
            if (name != null)
            {
                detail = $"{Marshal.PtrToStringUTF8((IntPtr)name)} is not implemented by the virtual device";
            }
        }
        return detail;
    }

    /// <summary>A one-line description for diagnostics: device name, options, shim folder.</summary>
    /// <returns>The description.</returns>
    public static string Describe()
        => $"{DeviceProperties.Name(0)}: {(s_options ?? VirtualDeviceOptions.FromEnvironment() ?? VirtualDeviceOptions.Default).Describe()}; shims in {Folder}";

    private static void Configure()
    {
        if (s_options is not null)
        {
            return;
        }
        VirtualDeviceOptions options;
        try
        {
            options = VirtualDeviceOptions.FromEnvironment() ?? VirtualDeviceOptions.Default;
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }
        DriverState.Configure(options);
        s_options = options;
    }
}

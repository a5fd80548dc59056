using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;

namespace CudaTensor.Native;

/// <summary>The native libraries CudaTensor binds to.</summary>
public enum NativeLibraryKind
{
    /// <summary>The CUDA driver API (libcuda.so.1, nvcuda.dll).</summary>
    Driver,

    /// <summary>The NVRTC runtime compiler (libnvrtc.so.13/.12/.11.2).</summary>
    Nvrtc,

    /// <summary>cuBLAS (libcublas.so.13/.12/.11).</summary>
    Cublas,

    /// <summary>cuBLASLt (libcublasLt.so.13/.12/.11).</summary>
    CublasLt,

    /// <summary>MPI with the Open MPI 4/5 ABI (libmpi.so.40), for CPU collectives and process bootstrap.</summary>
    Mpi,

    /// <summary>NCCL 2 (libnccl.so.2), for collectives on CUDA tensors.</summary>
    Nccl,
}

/// <summary>The outcome of looking for one native library.</summary>
/// <param name="Kind">Which library.</param>
/// <param name="Handle">The loaded handle, or zero when not found.</param>
/// <param name="Path">The file that was loaded (as far as it can be determined), or null.</param>
/// <param name="Tried">Every name and path that was tried, in order.</param>
public sealed record NativeLibraryProbe(NativeLibraryKind Kind, IntPtr Handle, string? Path, IReadOnlyList<string> Tried)
{
    /// <summary>True when the library was loaded.</summary>
    public bool Found => Handle != IntPtr.Zero;

    /// <summary>A one-line description: the path, or the names that were tried.</summary>
    public string Describe() => Found
        ? $"{LibraryResolver.DisplayName(Kind)}: {Path ?? "(loaded; path unknown)"}"
        : $"{LibraryResolver.DisplayName(Kind)}: not found (tried {string.Join(", ", Tried)})";
}

/// <summary>
/// Finds the NVIDIA libraries and hands them to the runtime for every <c>[LibraryImport]</c> of this
/// assembly. Each library is probed once, and the handle (or the failure) is cached: the runtime asks
/// once per import, and a failed probe must stay cheap for <c>Cuda.IsAvailable</c>.
/// </summary>
/// <remarks>
/// Search order for each candidate file name: the folders in <see cref="ExtraFoldersVariable"/>; the
/// loader's own search path; then the CUDA toolkit's usual folders (<c>$CUDA_PATH</c>, <c>$CUDA_HOME</c>,
/// <c>/usr/local/cuda</c>; <c>lib64</c> on Linux, <c>bin\x64</c> and <c>bin</c> on Windows), because toolkit libraries are often
/// not on the loader path. Candidates go newest first (CUDA 13, 12, 11).
/// </remarks>
public static partial class LibraryResolver
{
    /// <summary>
    /// Environment variable with extra folders to search first, separated by the platform's path separator
    /// (<c>:</c> on Linux, <c>;</c> on Windows).
    /// </summary>
    public const string ExtraFoldersVariable = "CUDATENSOR_LIBRARY_PATH";

    internal const string DriverImport = "cuda";
    internal const string NvrtcImport = "nvrtc";
    internal const string CublasImport = "cublas";
    internal const string CublasLtImport = "cublasLt";
    internal const string MpiImport = "mpi";
    internal const string NcclImport = "nccl";

    private static readonly ConcurrentDictionary<NativeLibraryKind, Lazy<NativeLibraryProbe>> Probes = new();
    private static int registered;

    /// <summary>Registers the resolver for this assembly's imports (idempotent; the bindings call it).</summary>
    internal static void EnsureRegistered()
    {
        if (Interlocked.Exchange(ref registered, 1) == 0)
        {
            NativeLibrary.SetDllImportResolver(typeof(LibraryResolver).Assembly, Resolve);
        }
    }

    /// <summary>The library's file names to try, newest first, for the current operating system.</summary>
    /// <param name="kind">The library.</param>
    /// <returns>Candidate file names.</returns>
    public static IReadOnlyList<string> CandidateNames(NativeLibraryKind kind)
    {
        if (OperatingSystem.IsWindows())
        {
            return kind switch
            {
                NativeLibraryKind.Driver => ["nvcuda.dll"],
                NativeLibraryKind.Nvrtc => ["nvrtc64_130_0.dll", "nvrtc64_120_0.dll", "nvrtc64_112_0.dll"],
                NativeLibraryKind.Cublas => ["cublas64_13.dll", "cublas64_12.dll", "cublas64_11.dll"],
                NativeLibraryKind.CublasLt => ["cublasLt64_13.dll", "cublasLt64_12.dll", "cublasLt64_11.dll"],
                // Microsoft MPI has another ABI (integer handles) and NCCL ships for Linux only.
                NativeLibraryKind.Mpi or NativeLibraryKind.Nccl => [],
                _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown native library."),
            };
        }
        return kind switch
        {
            NativeLibraryKind.Driver => ["libcuda.so.1"],
            NativeLibraryKind.Nvrtc => ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2"],
            NativeLibraryKind.Cublas => ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11"],
            NativeLibraryKind.CublasLt => ["libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11"],
            // Open MPI 4 and 5 share the soname libmpi.so.40 and the handle ABI (addresses of ompi_mpi_* globals).
            NativeLibraryKind.Mpi => ["libmpi.so.40"],
            NativeLibraryKind.Nccl => ["libnccl.so.2"],
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown native library."),
        };
    }

    /// <summary>The library's short name for messages ("CUDA driver", "NVRTC", ...).</summary>
    /// <param name="kind">The library.</param>
    /// <returns>A display name.</returns>
    public static string DisplayName(NativeLibraryKind kind) => kind switch
    {
        NativeLibraryKind.Driver => "CUDA driver",
        NativeLibraryKind.Nvrtc => "NVRTC",
        NativeLibraryKind.Cublas => "cuBLAS",
        NativeLibraryKind.CublasLt => "cuBLASLt",
        NativeLibraryKind.Mpi => "MPI (Open MPI)",
        NativeLibraryKind.Nccl => "NCCL",
        _ => kind.ToString(),
    };

    /// <summary>The folders named in <see cref="ExtraFoldersVariable"/>, searched before the loader's path.</summary>
    /// <returns>The folders, in order.</returns>
    public static IReadOnlyList<string> ExtraFolders()
    {
        string? extra = Environment.GetEnvironmentVariable(ExtraFoldersVariable);
        return string.IsNullOrWhiteSpace(extra)
            ? []
            : extra.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>The CUDA toolkit's usual library folders, searched after the loader's path.</summary>
    /// <returns>The folders, in order; missing ones are skipped when probing.</returns>
    public static IReadOnlyList<string> ToolkitFolders() => ToolkitFolders(OperatingSystem.IsWindows(), Environment.GetEnvironmentVariable);

    /// <summary>
    /// The toolkit folders for an operating system and environment: <c>$CUDA_PATH</c> and <c>$CUDA_HOME</c>, each with
    /// <c>lib64</c> on Linux; on Windows <c>bin\x64</c> (where CUDA 13 keeps its DLLs) and then <c>bin</c> (CUDA 12 and
    /// older); <c>/usr/local/cuda/lib64</c> last on Linux.
    /// </summary>
    /// <param name="windows">Whether to list the Windows folders.</param>
    /// <param name="variable">Reads an environment variable (null when unset).</param>
    /// <returns>The folders, in order.</returns>
    internal static IReadOnlyList<string> ToolkitFolders(bool windows, Func<string, string?> variable)
    {
        var folders = new List<string>();
        string[] subs = windows ? [Path.Combine("bin", "x64"), "bin"] : ["lib64"];
        foreach (string name in new[] { "CUDA_PATH", "CUDA_HOME" })
        {
            string? root = variable(name);
            if (!string.IsNullOrWhiteSpace(root))
            {
                foreach (string sub in subs)
                {
                    folders.Add(Path.Combine(root, sub));
                }
            }
        }
        if (!windows)
        {
            folders.Add("/usr/local/cuda/lib64");
        }
        return folders;
    }

    /// <summary>
    /// Loads <paramref name="kind"/> (once; later calls return the cached result). Never throws for a
    /// missing library.
    /// </summary>
    /// <param name="kind">The library.</param>
    /// <returns>The probe result.</returns>
    public static NativeLibraryProbe Probe(NativeLibraryKind kind)
        => Probes.GetOrAdd(kind, k => new Lazy<NativeLibraryProbe>(
            () => ProbeVirtualDevice(k) ?? k switch
            {
                NativeLibraryKind.Nvrtc => ProbeNvrtc(),
                NativeLibraryKind.Mpi => ProbeMpi(),
                _ => Probe(k, CandidateNames(k), ExtraFolders(), ToolkitFolders()),
            })).Value;

    /// <summary>
    /// Which NVRTC was loaded and why (see <see cref="Native.NvrtcChoice"/>); null until NVRTC is first probed, or when
    /// none was found.
    /// </summary>
    public static NvrtcChoice? ChosenNvrtc { get; private set; }

    // NVRTC is the one library where the newest is not always right: its output must load on the installed driver.
    // Every candidate found is loaded and asked its version; the ones not chosen are unloaded again.
    private static NativeLibraryProbe ProbeNvrtc()
    {
        var tried = new List<string>();
        var found = new List<NativeLibraryProbe>();
        IReadOnlyList<string> first = ExtraFolders(), last = ToolkitFolders();
        foreach (string name in CandidateNames(NativeLibraryKind.Nvrtc))
        {
            NativeLibraryProbe one = Probe(NativeLibraryKind.Nvrtc, [name], first, last);
            tried.AddRange(one.Tried);
            if (one.Found)
            {
                found.Add(one);
            }
        }
        if (found.Count == 0)
        {
            return new NativeLibraryProbe(NativeLibraryKind.Nvrtc, IntPtr.Zero, null, tried);
        }
        var versions = found.Select(f => NvrtcChoice.ReadVersion(f.Handle)).ToArray();
        int driverVersion = Driver.TryGetVersion();
        (int index, string reason) = NvrtcChoice.Select(versions, driverVersion);
        for (int i = 0; i < found.Count; i++)
        {
            if (i != index && found[i].Handle != found[index].Handle)
            {
                NativeLibrary.Free(found[i].Handle);
            }
        }
        ChosenNvrtc = new NvrtcChoice(found[index].Path, versions[index].Major, versions[index].Minor, driverVersion, reason);
        return found[index] with { Tried = tried };
    }

    /// <summary>
    /// Loads the first of <paramref name="names"/> that exists: for each name, in
    /// <paramref name="firstFolders"/>, then through the loader's search path, then in
    /// <paramref name="lastFolders"/>. Uncached; never throws for a missing library. Exposed for
    /// diagnostics and tests.
    /// </summary>
    /// <param name="kind">The library the names belong to (for messages).</param>
    /// <param name="names">Candidate file names, in order of preference.</param>
    /// <param name="firstFolders">Folders searched before the loader's path.</param>
    /// <param name="lastFolders">Folders searched after the loader's path.</param>
    /// <returns>The probe result, listing everything tried.</returns>
    public static NativeLibraryProbe Probe(
        NativeLibraryKind kind, IReadOnlyList<string> names, IReadOnlyList<string> firstFolders, IReadOnlyList<string> lastFolders)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(firstFolders);
        ArgumentNullException.ThrowIfNull(lastFolders);
        var tried = new List<string>();
        foreach (string name in names)
        {
            foreach (string folder in firstFolders)
            {
                if (TryLoadFile(Path.Combine(folder, name), tried, out var probe, kind))
                {
                    return probe;
                }
            }
            tried.Add(name);
            if (NativeLibrary.TryLoad(name, out IntPtr handle))
            {
                return new NativeLibraryProbe(kind, handle, LoadedPath(name), tried);
            }
            foreach (string folder in lastFolders)
            {
                if (TryLoadFile(Path.Combine(folder, name), tried, out var probe, kind))
                {
                    return probe;
                }
            }
        }
        return new NativeLibraryProbe(kind, IntPtr.Zero, null, tried);
    }

    private static bool TryLoadFile(string path, List<string> tried, out NativeLibraryProbe probe, NativeLibraryKind kind)
    {
        probe = null!;
        if (!File.Exists(path))
        {
            return false;
        }
        tried.Add(path);
        if (NativeLibrary.TryLoad(path, out IntPtr handle))
        {
            probe = new NativeLibraryProbe(kind, handle, path, tried);
            return true;
        }
        return false;
    }

    // Where the loader found a library loaded by bare name: on Linux, the mapping in /proc/self/maps
    // whose file name starts with the soname's stem (the soname is usually a symlink to a versioned file).
    private static string? LoadedPath(string name)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        try
        {
            int so = name.IndexOf(".so", StringComparison.Ordinal);
            string stem = so >= 0 ? name[..(so + 3)] : name;
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash < 0)
                {
                    continue;
                }
                string path = line[slash..];
                if (Path.GetFileName(path).StartsWith(stem, StringComparison.Ordinal))
                {
                    return path;
                }
            }
        }
        catch (IOException)
        {
            // /proc is not mounted: the path stays unknown, which only costs the diagnostics a detail.
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        NativeLibraryKind? kind = libraryName switch
        {
            DriverImport => NativeLibraryKind.Driver,
            NvrtcImport => NativeLibraryKind.Nvrtc,
            CublasImport => NativeLibraryKind.Cublas,
            CublasLtImport => NativeLibraryKind.CublasLt,
            MpiImport => NativeLibraryKind.Mpi,
            NcclImport => NativeLibraryKind.Nccl,
            _ => null,
        };
        if (kind is null)
        {
            return IntPtr.Zero;
        }
        NativeLibraryProbe probe = Probe(kind.Value);
        if (!probe.Found)
        {
            // Fail with our list of candidates instead of letting the runtime try "libcuda.so" & co.
            throw new DllNotFoundException(
                $"{DisplayName(kind.Value)} library not found; tried {string.Join(", ", probe.Tried)}. "
                + $"Install it, or name its folder in {ExtraFoldersVariable}.");
        }
        return probe.Handle;
    }
}

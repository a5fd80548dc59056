using System.Runtime.InteropServices;

namespace CudaTensor.Native;

public static partial class LibraryResolver
{
    // RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD from <dlfcn.h> (glibc, x86-64 and aarch64).
    private const int RtldNow = 0x2, RtldGlobal = 0x100, RtldNoLoad = 0x4;

    /// <summary>
    /// The folders where MPI distributions keep libmpi outside the loader's path: <c>$MPI_HOME/lib</c>,
    /// <c>$OMPI_HOME/lib</c>, Fedora's <c>/usr/lib64/openmpi/lib</c>, NVIDIA HPC-X's <c>/opt/hpcx/ompi/lib</c>.
    /// </summary>
    /// <returns>The folders, in order.</returns>
    public static IReadOnlyList<string> MpiFolders()
    {
        var folders = new List<string>();
        foreach (string name in new[] { "MPI_HOME", "OMPI_HOME" })
        {
            string? root = Environment.GetEnvironmentVariable(name);
            if (!string.IsNullOrWhiteSpace(root))
            {
                folders.Add(Path.Combine(root, "lib"));
            }
        }
        folders.Add("/usr/lib64/openmpi/lib");
        folders.Add("/opt/hpcx/ompi/lib");
        return folders;
    }

    // Open MPI loads its components (coll, btl, pml, ...) with dlopen; builds whose components do not link libmpi
    // themselves need libmpi's symbols in the global namespace, which the runtime's own dlopen (RTLD_LOCAL) does not
    // give. Reopening the loaded library with RTLD_NOLOAD | RTLD_GLOBAL promotes it without loading a second copy.
    private static NativeLibraryProbe ProbeMpi()
    {
        NativeLibraryProbe probe = Probe(NativeLibraryKind.Mpi, CandidateNames(NativeLibraryKind.Mpi), ExtraFolders(), MpiFolders());
        if (probe.Found && OperatingSystem.IsLinux())
        {
            string target = probe.Path ?? CandidateNames(NativeLibraryKind.Mpi)[0];
            _ = PromoteToGlobal(target);
        }
        return probe;
    }

    private static bool PromoteToGlobal(string path)
    {
        foreach (string libc in new[] { "libc.so.6", "libdl.so.2" })
        {
            if (NativeLibrary.TryLoad(libc, out IntPtr lib) && NativeLibrary.TryGetExport(lib, "dlopen", out IntPtr dlopen))
            {
                IntPtr name = Marshal.StringToCoTaskMemUTF8(path);
                try
                {
                    unsafe
                    {
                        var open = (delegate* unmanaged<IntPtr, int, IntPtr>)dlopen;
                        // The reference this takes is never dropped: libmpi stays loaded for the life of the process.
                        return open(name, RtldNow | RtldGlobal | RtldNoLoad) != IntPtr.Zero;
                    }
                }
                finally
                {
                    Marshal.FreeCoTaskMem(name);
                }
            }
        }
        return false;
    }
}

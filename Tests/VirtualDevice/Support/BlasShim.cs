using System.Diagnostics;
using System.Runtime.InteropServices;
using NUnit.Framework;

namespace CudaTensor.Tests.VirtualDevice;

/// <summary>
/// A private copy of one BLAS shim (VirtualDevice/Shim/*.c) compiled by gcc into a temporary folder and loaded:
/// its registration table is separate from the one the virtual device registers at activation, so tests can
/// register, leave exports unregistered and call the C exports with the real calling convention.
/// </summary>
internal sealed unsafe class BlasShim : IDisposable
{
    private readonly string folder;

    private BlasShim(string folder, IntPtr library)
    {
        this.folder = folder;
        Library = library;
    }

    public IntPtr Library { get; }

    /// <summary>Compiles and loads <c>VirtualDevice/Shim/{source}</c>; ignores the test when gcc or the source is missing.</summary>
    public static BlasShim Build(string source)
    {
        string? root = null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VirtualDevice", "Shim", source))) { root = dir.FullName; break; }
        }
        if (root is null) Assert.Ignore($"VirtualDevice/Shim/{source} not found above {AppContext.BaseDirectory}");
        string folder = Path.Combine(Path.GetTempPath(), $"ctvd-{Path.GetFileNameWithoutExtension(source)}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        string output = Path.Combine(folder, Path.ChangeExtension(source, ".so"));
        var start = new ProcessStartInfo("gcc", ["-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o", output, Path.Combine(root!, "VirtualDevice", "Shim", source)])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        Process gcc;
        try
        {
            gcc = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Ignore($"gcc is not available to build the shim: {e.Message}");
            throw;
        }
        string errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        Assert.That(gcc.ExitCode, Is.Zero, $"gcc failed on {source}:\n{errors}");
        return new BlasShim(folder, NativeLibrary.Load(output));
    }

    /// <summary>The address of export <paramref name="name"/>.</summary>
    public IntPtr Export(string name) => NativeLibrary.GetExport(Library, name);

    /// <summary>ctvd_register(name, fn).</summary>
    public int Register(string name, IntPtr function)
    {
        IntPtr utf8 = Marshal.StringToCoTaskMemUTF8(name);
        try
        {
            return ((delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int>)Export("ctvd_register"))(utf8, function);
        }
        finally
        {
            Marshal.FreeCoTaskMem(utf8);
        }
    }

    /// <summary>ctvd_last_unsupported().</summary>
    public string? LastUnsupported() => Marshal.PtrToStringUTF8(((delegate* unmanaged[Cdecl]<IntPtr>)Export("ctvd_last_unsupported"))());

    public void Dispose()
    {
        // The library stays loaded (its exports may be cached by the runtime); only its file goes.
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }
}

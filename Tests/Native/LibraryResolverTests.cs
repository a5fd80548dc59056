using CudaTensor.Native;
using NUnit.Framework;

namespace CudaTensor.Tests.NativeBinding;

/// <summary>
/// The resolver's pure parts: the toolkit folders probed on each operating system.
/// </summary>
[TestFixture]
public class LibraryResolverTests
{
    private static Func<string, string?> Environment(string? cudaPath, string? cudaHome)
        => name => name switch { "CUDA_PATH" => cudaPath, "CUDA_HOME" => cudaHome, _ => null };

    [Test]
    public void WindowsProbesBinX64BeforeBin()
    {
        // CUDA 13 keeps its DLLs in bin\x64; CUDA 12 and older in bin.
        var folders = LibraryResolver.ToolkitFolders(windows: true, Environment(@"C:\CUDA\v13.0", null));
        Assert.That(folders, Is.EqualTo(new[] { Path.Combine(@"C:\CUDA\v13.0", "bin", "x64"), Path.Combine(@"C:\CUDA\v13.0", "bin") }));
    }

    [Test]
    public void LinuxProbesLib64OfEachRootThenUsrLocal()
    {
        var folders = LibraryResolver.ToolkitFolders(windows: false, Environment("/opt/cuda-13", "/opt/cuda-12"));
        Assert.That(folders, Is.EqualTo(new[] { "/opt/cuda-13/lib64", "/opt/cuda-12/lib64", "/usr/local/cuda/lib64" }));
    }

    [Test]
    public void UnsetOrBlankRootsAreSkipped()
    {
        Assert.Multiple(() =>
        {
            Assert.That(LibraryResolver.ToolkitFolders(windows: false, Environment(null, "  ")), Is.EqualTo(new[] { "/usr/local/cuda/lib64" }));
            Assert.That(LibraryResolver.ToolkitFolders(windows: true, Environment(null, null)), Is.Empty);
        });
    }
}

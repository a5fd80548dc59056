using CudaTensor.Native;
using NUnit.Framework;

namespace CudaTensor.Tests.NativeBinding;

/// <summary>
/// The resolver's pure parts: the toolkit folders probed on each operating system, and which NVRTC is chosen for a
/// driver version (a table of cases).
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

    // (versions found, driver version, index chosen, a phrase of the reason)
    public static IEnumerable<TestCaseData> NvrtcCases()
    {
        (int, int)[] all = [(13, 0), (12, 8), (11, 8)];
        yield return new TestCaseData(all, 13000, 0, "the newest found").SetName("Driver 13.0 takes NVRTC 13.0");
        yield return new TestCaseData(all, 13020, 0, "the newest found").SetName("Driver 13.2 takes NVRTC 13.0");
        yield return new TestCaseData(all, 12080, 1, "not newer than the driver").SetName("Driver 12.8 skips NVRTC 13");
        yield return new TestCaseData(all, 12090, 1, "not newer than the driver").SetName("Driver 12.9 takes NVRTC 12.8");
        yield return new TestCaseData(all, 12040, 2, "not newer than the driver").SetName("Driver 12.4 skips NVRTC 12.8 (its PTX needs 12.8)");
        yield return new TestCaseData(all, 0, 0, "unknown").SetName("No driver takes the newest");
        yield return new TestCaseData(new (int, int)[] { (12, 8), (13, 0) }, 0, 1, "unknown").SetName("Newest by version, not by order");
        yield return new TestCaseData(new (int, int)[] { (13, 0), (12, 8) }, 11080, 1, "may not load").SetName("Driver older than all takes the oldest");
        yield return new TestCaseData(new (int, int)[] { (11, 8) }, 13000, 0, "the newest found").SetName("One NVRTC older than the driver");
        yield return new TestCaseData(new (int, int)[] { (0, 0), (12, 4) }, 12040, 1, "of unknown version").SetName("Unreadable version ranks last");
    }

    [TestCaseSource(nameof(NvrtcCases))]
    public void NvrtcChoiceFollowsTheDriver((int, int)[] versions, int driver, int expected, string phrase)
    {
        (int index, string reason) = NvrtcChoice.Select(versions, driver);
        Assert.Multiple(() =>
        {
            Assert.That(index, Is.EqualTo(expected));
            Assert.That(reason, Does.Contain(phrase));
            Assert.That(reason, Does.Contain($"NVRTC {versions[expected].Item1}.{versions[expected].Item2}"));
        });
    }

    [Test]
    public void NvrtcChoiceNeedsACandidate()
        => Assert.That(() => NvrtcChoice.Select([], 12080), Throws.ArgumentException.With.Message.Contains("at least one"));

    [Test]
    public void LoadedNvrtcIsExplained()
    {
        NativeRequirement.Library(NativeLibraryKind.Nvrtc);
        NvrtcChoice? chosen = LibraryResolver.ChosenNvrtc;
        Assert.That(chosen, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That((chosen!.Major, chosen.Minor), Is.EqualTo(Nvrtc.GetVersion()), "the chosen library is the one the imports use");
            Assert.That(CudaTensor.Cuda.Diagnose(), Does.Contain("NVRTC choice: " + chosen.Reason));
        });
    }
}

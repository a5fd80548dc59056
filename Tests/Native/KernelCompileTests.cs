using CudaTensor.Native;
using CudaTensor.Runtime.Cuda;
using NUnit.Framework;

namespace CudaTensor.Tests.NativeBinding;

/// <summary>Every kernel program in Kernels/ compiles to cubin for sm_70, sm_80 and sm_90 with no error and no warning.</summary>
[TestFixture]
public class KernelCompileTests
{
    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (string program in KernelSources.Programs)
        {
            foreach (int arch in new[] { 70, 80, 90 })
            {
                yield return new TestCaseData(program, arch).SetName($"Compiles({program}, sm_{arch})");
            }
        }
    }

    [Test]
    public void EveryKernelFileIsEmbedded()
    {
        string? root = RepositoryRoot();
        if (root is null)
        {
            Assert.Ignore("Source tree not found next to the test assembly.");
        }
        string[] onDisk = Directory.GetFiles(Path.Combine(root!, "Kernels"))
            .Select(Path.GetFileName).Where(n => n!.EndsWith(".cu", StringComparison.Ordinal) || n.EndsWith(".cuh", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray()!;
        Assert.That(KernelSources.Names, Is.EquivalentTo(onDisk));
        Assert.That(KernelSources.Programs, Does.Contain("random.cu"));
    }

    [TestCaseSource(nameof(Cases))]
    public void Compiles(string program, int arch)
    {
        NativeRequirement.Library(NativeLibraryKind.Nvrtc);
        var target = new KernelTarget(arch, Cubin: true);
        CompiledKernel kernel = KernelCompiler.Compile(program, KernelSources.Read(program), KernelCompiler.Options(target), target);
        Assert.Multiple(() =>
        {
            Assert.That(kernel.Log, Is.Empty, $"NVRTC warnings for {program} on sm_{arch}");
            Assert.That(kernel.Image, Has.Length.GreaterThan(64));
            Assert.That(kernel.Image.AsSpan(0, 4).ToArray(), Is.EqualTo(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F' }), "a cubin is an ELF file");
        });
    }

    [Test]
    public void PtxTargetProducesNulTerminatedPtx()
    {
        NativeRequirement.Library(NativeLibraryKind.Nvrtc);
        var target = new KernelTarget(80, Cubin: false);
        CompiledKernel kernel = KernelCompiler.Compile("random.cu", KernelSources.Read("random.cu"), KernelCompiler.Options(target), target);
        string ptx = System.Text.Encoding.ASCII.GetString(kernel.Image);
        Assert.Multiple(() =>
        {
            Assert.That(kernel.Image[^1], Is.Zero);
            Assert.That(ptx, Does.Contain(".target sm_80"));
            Assert.That(ptx, Does.Contain(".entry ct_uniform_f32"));
        });
    }

    [Test]
    public void SupportedArchitecturesIncludeTheTestedOnes()
    {
        NativeRequirement.Library(NativeLibraryKind.Nvrtc);
        Assert.That(KernelCompiler.SupportedArchitectures, Does.Contain(80).And.Contain(90));
    }

    [Test]
    public void TargetSelection()
    {
        int[] nvrtc118 = [35, 37, 50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87, 89, 90];
        int[] nvrtc13 = [75, 80, 86, 87, 88, 89, 90, 100, 103, 110, 120, 121];
        Assert.Multiple(() =>
        {
            Assert.That(KernelTarget.ForDevice(90, nvrtc118), Is.EqualTo(new KernelTarget(90, true)));
            Assert.That(KernelTarget.ForDevice(100, nvrtc118), Is.EqualTo(new KernelTarget(90, false)), "GPU newer than NVRTC: PTX");
            Assert.That(KernelTarget.ForDevice(120, nvrtc118).ToString(), Is.EqualTo("compute_90"));
            Assert.That(KernelTarget.ForDevice(89, nvrtc13).ToString(), Is.EqualTo("sm_89"));
        });
        Assert.That(() => KernelTarget.ForDevice(70, nvrtc13), Throws.TypeOf<NotSupportedException>().With.Message.Contains("sm_70"));
    }

    internal static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kernels", "philox.cuh")))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}

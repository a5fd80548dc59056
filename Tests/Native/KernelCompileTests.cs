using CudaTensor.Backends.Cuda;
using CudaTensor.Native;
using CudaTensor.CudaRuntime;
using NUnit.Framework;

namespace CudaTensor.Tests.NativeBinding;

/// <summary>
/// Every kernel program in Kernels/ compiles to cubin with no error and no warning for the architectures the loaded
/// NVRTC lists (<see cref="ArchitecturesToTest"/>: the oldest at or above sm_70, sm_80, sm_90 and the newest), in
/// every instantiation the CUDA backend uses (one per dtype for typed programs), and every kernel the backend can
/// launch is in the cubin. The list comes from <see cref="CudaKernels.Instantiations"/>, which derives kernel names from
/// the op enums: a new op is covered without editing this test.
/// </summary>
[TestFixture]
public class KernelCompileTests
{
    // What is compiled when NVRTC is missing: the cases exist (and skip with the reason) instead of vanishing.
    private static readonly int[] WithoutNvrtc = [75, 80, 90];

    /// <summary>
    /// The architectures to compile for, from what NVRTC supports: the oldest at or above sm_70 (the oldest the kernels
    /// are written for; CUDA 13 dropped everything below sm_75), sm_80 and sm_90 where listed, and the newest listed.
    /// </summary>
    internal static int[] ArchitecturesToTest(IReadOnlyCollection<int> supported)
    {
        var chosen = new SortedSet<int>();
        if (supported.Where(a => a >= 70).DefaultIfEmpty().Min() is int oldest and > 0) chosen.Add(oldest);
        foreach (int a in new[] { 80, 90 }.Where(supported.Contains)) chosen.Add(a);
        if (supported.Count > 0 && supported.Max() >= 70) chosen.Add(supported.Max());
        return chosen.ToArray();
    }

    private static int[] Architectures()
        => LibraryResolver.Probe(NativeLibraryKind.Nvrtc).Found ? ArchitecturesToTest(KernelCompiler.SupportedArchitectures.ToArray()) : WithoutNvrtc;

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (var group in CudaKernels.Instantiations().GroupBy(i => (i.Program, i.DType)).OrderBy(g => g.Key.Program, StringComparer.Ordinal).ThenBy(g => g.Key.DType))
        {
            string[] kernels = group.Select(i => i.Kernel).ToArray();
            string dtype = group.Key.DType is { } d ? d.ToString() : "untyped";
            foreach (int arch in Architectures())
            {
                yield return new TestCaseData(group.Key.Program, group.Key.DType, arch, kernels)
                    .SetName($"Compiles({group.Key.Program}, {dtype}, sm_{arch}, {kernels.Length} kernels)");
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

    [Test]
    public void EveryProgramIsInstantiated()
    {
        var known = CudaKernels.TypedPrograms.Keys.Concat(CudaKernels.UntypedPrograms);
        Assert.That(KernelSources.Programs, Is.EquivalentTo(known), "a .cu file the backend does not know would never be compiled or tested");
    }

    [Test]
    public void EveryOpHasKernels()
    {
        var names = CudaKernels.Instantiations().Select(i => i.Kernel).ToHashSet();
        Assert.Multiple(() =>
        {
            foreach (var op in Enum.GetValues<CudaTensor.Ops.UnaryOp>()) Assert.That(names, Does.Contain(CudaKernels.Unary(op, "c32")));
            foreach (var op in Enum.GetValues<CudaTensor.Ops.BinaryOp>()) Assert.That(names, Does.Contain(CudaKernels.Binary(op, "s64")));
            foreach (var op in Enum.GetValues<CudaTensor.Ops.PredicateOp>()) Assert.That(names, Does.Contain(CudaKernels.Predicate(op, "s32")));
            foreach (var op in Enum.GetValues<CudaTensor.Ops.ReduceOp>()) Assert.That(names, Does.Contain(CudaKernels.ReduceRows(op)));
        });
    }

    [TestCaseSource(nameof(Cases))]
    public void Compiles(string program, DType? dtype, int arch, string[] kernels)
    {
        NativeRequirement.Library(NativeLibraryKind.Nvrtc);
        var target = new KernelTarget(arch, Cubin: true);
        IReadOnlyList<string>? defines = dtype is { } d ? CudaKernels.Defines(d) : null;
        CompiledKernel kernel = KernelCompiler.Compile(program, KernelSources.Read(program), KernelCompiler.Options(target, extra: defines), target);
        Assert.Multiple(() =>
        {
            Assert.That(kernel.Log, Is.Empty, $"NVRTC warnings for {program} ({dtype}) on sm_{arch}");
            Assert.That(kernel.Image, Has.Length.GreaterThan(64));
            Assert.That(kernel.Image.AsSpan(0, 4).ToArray(), Is.EqualTo(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F' }), "a cubin is an ELF file");
            // extern "C" kernels keep their names in the ELF string table, NUL-terminated.
            var missing = kernels.Where(k => kernel.Image.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(k + "\0")) < 0).ToArray();
            Assert.That(missing, Is.Empty, $"kernels the backend launches but {program} ({dtype}) does not define");
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
    public void ArchitecturesToTestFollowNvrtc()
    {
        int[] nvrtc118 = [35, 37, 50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87, 89, 90];
        int[] nvrtc128 = [50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87, 89, 90, 100, 101, 120];
        int[] nvrtc13 = [75, 80, 86, 87, 88, 89, 90, 100, 103, 110, 120, 121];
        Assert.Multiple(() =>
        {
            Assert.That(ArchitecturesToTest(nvrtc118), Is.EqualTo(new[] { 70, 80, 90 }));
            Assert.That(ArchitecturesToTest(nvrtc128), Is.EqualTo(new[] { 70, 80, 90, 120 }));
            Assert.That(ArchitecturesToTest(nvrtc13), Is.EqualTo(new[] { 75, 80, 90, 121 }), "CUDA 13 dropped sm_70");
            Assert.That(ArchitecturesToTest([86, 89]), Is.EqualTo(new[] { 86, 89 }), "80 and 90 only where listed");
            Assert.That(ArchitecturesToTest([35, 50]), Is.Empty, "nothing the kernels are written for");
        });
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

using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using NUnit.Framework;

namespace CudaTensor.Tests.Architecture;

/// <summary>
/// The layer order of the library, written down once, and the test that the compiled assembly keeps it: a folder names
/// only its own layer and the layers below (ARCHITECTURE.md, "Layers").
/// </summary>
[TestFixture]
public class LayeringTests
{
    /// <summary>Bottom to top. A new folder under Managed/ fails the test until it is placed here.</summary>
    internal static readonly Layer[] Order =
    [
        new("Core", ["Core"]),
        new("Op table", ["Ops"]),
        new("Storage, random numbers, CUDA runtime", ["Storage", "Random", "CudaRuntime"], Independent: true),
        new("Backend contract", ["Backends"]),
        new("Backends", ["Backends/Cpu", "Backends/Cuda"], Independent: true),
        new("Backend registry", ["Backends/Registry"]),
        new("Tensor and autograd", ["Tensor", "Autograd"]),
        new("CUDA API", ["CudaApi"]),
        new("Libraries", ["NN", "Optim", "Data", "Serialization", "Distributed"]),
        // Above the libraries: Compile.Module wraps a Module, and a compiled body runs modules and optimizers. Those
        // report to the tracer through the Backends layer's interceptor interface, never by naming Compile.
        new("Compile", ["Compile"]),
    ];

    private static AssemblyFacts? s_library;

    private static AssemblyFacts Library
    {
        get
        {
            string dll = typeof(Tensor).Assembly.Location;
            if (!File.Exists(Path.ChangeExtension(dll, ".pdb")))
                Assert.Ignore($"No portable PDB beside {dll}: the folders of the types are unknown (a build without symbols).");
            return s_library ??= AssemblyFacts.Read(dll);
        }
    }

    [Test]
    public void TheLibraryNamesOnlyItsOwnLayerAndTheOnesBelow()
    {
        var violations = LayerRules.Check(Order, Library.TypeFolders, Library.Uses);
        Assert.That(violations, Is.Empty,
            $"{violations.Count} reference(s) break the layer order of ARCHITECTURE.md:{Environment.NewLine}"
            + string.Join(Environment.NewLine, violations));
    }

    [Test]
    public void NativeAndTheVirtualDeviceNameNothingOfTheLibrary()
    {
        Assert.Multiple(() =>
        {
            // Native may load the virtual device (its library resolver does); neither names the managed library.
            Assert.That(ReferencedAssemblies("CudaTensor.Native"), Has.None.EqualTo("CudaTensor"),
                "the bindings know nothing of the managed library");
            Assert.That(ReferencedAssemblies("CudaTensor.VirtualDevice"), Has.None.EqualTo("CudaTensor").And.None.EqualTo("CudaTensor.Native"),
                "the virtual device knows no tensors and sits behind Native's entry points");
        });
    }

    private static List<string> ReferencedAssemblies(string name)
    {
        using var pe = new PEReader(File.OpenRead(Path.Combine(AppContext.BaseDirectory, name + ".dll")));
        var md = pe.GetMetadataReader();
        return [.. md.AssemblyReferences.Select(r => md.GetString(md.GetAssemblyReference(r).Name))];
    }

    [Test]
    public void TheReaderFindsEachTypesFolders()
    {
        var folders = Library.TypeFolders;
        Assert.Multiple(() =>
        {
            Assert.That(folders["CudaTensor.Tensor"], Is.EqualTo(new[] { "Autograd", "Tensor" }), "a partial type in two folders");
            Assert.That(folders["CudaTensor.DType"], Is.EqualTo(new[] { "Core" }), "an enum: no methods, placed by TypeDefinitionDocuments");
            Assert.That(folders["CudaTensor.Backends.Cpu.Gemm"], Is.EqualTo(new[] { "Backends/Cpu/Gemm" }));
            Assert.That(folders["CudaTensor.CudaStream"], Is.EqualTo(new[] { "CudaRuntime" }));
        });
    }

    [Test]
    public void TheReaderFindsKnownReferences()
    {
        var uses = Library.Uses;
        bool Has(string from, string fromFolder, string to, string via) => uses.Any(u =>
            u.FromType == from && u.FromFolder == fromFolder && u.ToType == to && u.Via.Contains(via, StringComparison.Ordinal));
        Assert.Multiple(() =>
        {
            Assert.That(Has("CudaTensor.Backends.Cuda.CudaBackend", "Backends/Cuda", "CudaTensor.CudaRuntime.Memory.CachingAllocator", ""),
                "a call into the CUDA runtime's memory pool");
            Assert.That(Has("CudaTensor.Backends.Cpu.CpuBackend", "Backends/Cpu", "CudaTensor.Backends.IBackend", "interface"),
                "an implemented interface");
            Assert.That(Has("CudaTensor.Tensor", "Tensor", "CudaTensor.Backends.IBackend", ""), "the tensor layer calling a backend");
            Assert.That(Has("CudaTensor.Tensor", "Autograd", "CudaTensor.Node", ""), "the autograd part of the partial Tensor");
            Assert.That(Has("CudaTensor.Cuda", "CudaApi", "CudaTensor.Backends.Cuda.CudaBackend", "call get_AllowTf32"),
                "a property call, named by its accessor");
            Assert.That(Has("CudaTensor.NN.Linear", "NN", "CudaTensor.Tensor", ""), "a layer of the top");
        });
    }

    // The checker on a small fixture: four layers, the CPU and CUDA backends independent, a partial type in two folders.
    private static readonly Layer[] FixtureOrder =
    [
        new("Core", ["Core"]),
        new("Backends", ["Backends/Cpu", "Backends/Cuda"], Independent: true),
        new("Tensor and autograd", ["Tensor", "Autograd"]),
        new("Libraries", ["NN"]),
    ];

    private static readonly Dictionary<string, IReadOnlyList<string>> FixtureTypes = new()
    {
        ["CudaTensor.Core.Shapes"] = ["Core"],
        ["CudaTensor.Backends.Cpu.CpuBackend"] = ["Backends/Cpu"],
        ["CudaTensor.Backends.Cpu.Gemm"] = ["Backends/Cpu/Gemm"],
        ["CudaTensor.Backends.Cuda.CudaBackend"] = ["Backends/Cuda"],
        ["CudaTensor.Tensor"] = ["Autograd", "Tensor"],
        ["CudaTensor.NN.Linear"] = ["NN"],
    };

    private static TypeUse Use(string from, string fromFolder, string to, string via)
        => new(from, fromFolder, to, FixtureTypes[to], via);

    [Test]
    public void TheCheckerAcceptsReferencesThatGoDownOrStayInALayer()
    {
        var uses = new[]
        {
            Use("CudaTensor.NN.Linear", "NN", "CudaTensor.Tensor", "Forward: call MatMul"),
            Use("CudaTensor.Tensor", "Tensor", "CudaTensor.Backends.Cpu.CpuBackend", "Add: call Binary"),
            Use("CudaTensor.Tensor", "Tensor", "CudaTensor.Core.Shapes", "Add: call Broadcast"),
            Use("CudaTensor.Backends.Cpu.CpuBackend", "Backends/Cpu", "CudaTensor.Backends.Cpu.Gemm", "MatMul: call Run"),
            Use("CudaTensor.Backends.Cpu.Gemm", "Backends/Cpu/Gemm", "CudaTensor.Backends.Cpu.CpuBackend", "Run: call Workers"),
        };
        Assert.That(LayerRules.Check(FixtureOrder, FixtureTypes, uses), Is.Empty);
    }

    [Test]
    public void TheCheckerReportsAnUpwardReference()
    {
        var uses = new[] { Use("CudaTensor.Backends.Cuda.CudaBackend", "Backends/Cuda", "CudaTensor.Tensor", "MatMul: call get_Shape") };
        var violations = LayerRules.Check(FixtureOrder, FixtureTypes, uses);
        Assert.That(violations.Select(v => v.ToString()), Is.EqualTo(new[]
        {
            "Backends/Cuda/CudaBackend -> Tensor/Tensor (via MatMul: call get_Shape): layer 'Backends' may not name layer 'Tensor and autograd' above it",
        }));
    }

    [Test]
    public void TheCheckerReportsAReferenceBetweenIndependentFolders()
    {
        var uses = new[] { Use("CudaTensor.Backends.Cuda.CudaBackend", "Backends/Cuda", "CudaTensor.Backends.Cpu.Gemm", "MatMul: call Run") };
        var violations = LayerRules.Check(FixtureOrder, FixtureTypes, uses);
        Assert.That(violations.Select(v => v.ToString()), Is.EqualTo(new[]
        {
            "Backends/Cuda/CudaBackend -> Backends/Cpu/Gemm/Gemm (via MatMul: call Run): 'Backends/Cuda' and 'Backends/Cpu' are independent parts of layer 'Backends'",
        }));
    }

    [Test]
    public void TheCheckerReportsTypesOutsideEveryLayer()
    {
        var types = new Dictionary<string, IReadOnlyList<string>>(FixtureTypes)
        {
            ["CudaTensor.Quantization.Observer"] = ["Quantization"],
            ["CudaTensor.Generated"] = [],
        };
        var violations = LayerRules.Check(FixtureOrder, types, []);
        Assert.That(violations.Select(v => v.ToString()), Is.EquivalentTo(new[]
        {
            "Quantization/Observer: folder 'Quantization' is in no layer: add it to LayeringTests.Order",
            "Generated: no source file under Managed/ (generated code needs a home)",
        }));
    }

    [Test]
    public void SourcePathsMapToFoldersUnderManaged()
    {
        Assert.That(AssemblyFacts.FolderOf("/src/repo/Managed/Backends/Cpu/Gemm/GemmRows.cs"), Is.EqualTo("Backends/Cpu/Gemm"));
        Assert.That(AssemblyFacts.FolderOf("/_/Managed/Core/DType.cs"), Is.EqualTo("Core"));
        Assert.That(AssemblyFacts.FolderOf(@"C:\src\repo\Managed\Tensor\Tensor.cs"), Is.EqualTo("Tensor"));
        Assert.That(AssemblyFacts.FolderOf("/src/repo/Managed/obj/Release/net10.0/CudaTensor.AssemblyInfo.cs"), Is.Null);
        Assert.That(AssemblyFacts.FolderOf("/src/repo/Native/Driver.cs"), Is.Null);
    }
}
